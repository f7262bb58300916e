//! The coordinator's shared state (Kafka's `GroupCoordinator` + `GroupMetadataManager`): the
//! groups of the offsets partitions this broker leads, which partitions are loaded, request
//! validation, and writing records to `__consumer_offsets`.
//!
//! One lock guards all groups: every operation under it is short and in memory; appends and
//! waits happen with the lock released, and parked JoinGroup/SyncGroup requests are answered
//! through channels.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use gregor_protocol::records::RecordBatchBuilder;
use gregor_protocol::ErrorCode;
use parking_lot::Mutex;

use crate::config::{GroupConfig, OffsetsLog};
use crate::group::{Group, GroupState};
use crate::records::RecordKey;

/// The group metadata topic.
pub const GROUP_METADATA_TOPIC: &str = "__consumer_offsets";

/// A record to append: key and value (`None` = tombstone).
pub(crate) type KeyValue = (RecordKey, Option<Vec<u8>>);

/// Logger names, as Kafka's.
pub(crate) const COORDINATOR_LOG: &str = "kafka.coordinator.group.GroupCoordinator";
pub(crate) const MANAGER_LOG: &str = "kafka.coordinator.group.GroupMetadataManager";

/// Kafka's `partitionFor(groupId)`: `Utils.abs(groupId.hashCode) % partitions`.
pub fn partition_for(group: &str, partitions: i32) -> i32 {
    let hash = java_string_hash(group);
    let abs = if hash == i32::MIN { 0 } else { hash.abs() };
    abs % partitions.max(1)
}

/// Java's `String.hashCode` over UTF-16 code units.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// An offsets partition this broker leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// Being read back; requests get COORDINATOR_LOAD_IN_PROGRESS.
    Loading { epoch: i32 },
    /// Served.
    Loaded { epoch: i32 },
}

impl Ownership {
    pub(crate) fn epoch(self) -> i32 {
        match self {
            Ownership::Loading { epoch } | Ownership::Loaded { epoch } => epoch,
        }
    }
}

/// Everything behind the coordinator's lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Groups of the loaded partitions.
    pub(crate) groups: HashMap<String, Group>,
    /// Offsets partitions led here.
    pub(crate) owned: HashMap<i32, Ownership>,
}

/// The APIs whose group-id rule differs (Kafka's `isValidGroupId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupIdRule {
    /// OffsetCommit, OffsetFetch, DescribeGroups, DeleteGroups accept "".
    MayBeEmpty,
    /// Group membership needs a real id.
    NonEmpty,
}

pub(crate) struct Inner {
    pub(crate) config: GroupConfig,
    pub(crate) log: Arc<dyn OffsetsLog>,
    pub(crate) state: Mutex<State>,
    next_id: AtomicU64,
    shutting_down: AtomicBool,
}

impl Inner {
    /// A fresh id for timers and rebalances.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The offsets partition of `group`.
    pub(crate) fn partition_for(&self, group: &str) -> i32 {
        partition_for(group, self.config.offsets_topic_partitions)
    }

    /// Kafka's `validateGroupStatus`: the partition of `group_id` on success.
    pub(crate) fn validate(
        &self,
        state: &State,
        group_id: &str,
        rule: GroupIdRule,
    ) -> Result<i32, ErrorCode> {
        if rule == GroupIdRule::NonEmpty && group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        if self.shutting_down.load(Ordering::Acquire) {
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        let partition = self.partition_for(group_id);
        match state.owned.get(&partition) {
            None => Err(ErrorCode::NotCoordinator),
            Some(Ownership::Loading { .. }) => Err(ErrorCode::CoordinatorLoadInProgress),
            Some(Ownership::Loaded { .. }) => Ok(partition),
        }
    }

    /// The log prefix of the coordinator's lines.
    pub(crate) fn prefix(&self) -> String {
        format!("[GroupCoordinator {}]: ", self.config.broker_id)
    }

    /// Appends `records` (key, value or tombstone) to `partition` and waits for acks=all.
    pub(crate) async fn append(
        &self,
        partition: i32,
        records: Vec<KeyValue>,
    ) -> Result<(), ErrorCode> {
        let now = now_ms();
        let mut builder = RecordBatchBuilder::new();
        for (key, value) in &records {
            let key = key.encode().map_err(|_| ErrorCode::InvalidRequest)?;
            builder.push(now, Some(&key), value.as_deref(), &[]);
        }
        let batch = builder.build().map_err(|_| ErrorCode::UnknownServerError)?;
        if batch.is_empty() {
            return Ok(());
        }
        self.log.append(partition, batch).await
    }
}

/// Kafka's mapping of the errors of an append to `__consumer_offsets` for the group APIs
/// (`GroupMetadataManager.storeGroup` / `storeOffsets`); records too large become `too_large`.
pub(crate) fn append_error(error: ErrorCode, too_large: ErrorCode) -> ErrorCode {
    match error {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend
        | ErrorCode::RequestTimedOut => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderForPartition | ErrorCode::KafkaStorageError => {
            ErrorCode::NotCoordinator
        }
        ErrorCode::MessageTooLarge
        | ErrorCode::RecordListTooLarge
        | ErrorCode::InvalidFetchSize => too_large,
        other => other,
    }
}

/// Kafka's group coordinator. Cheap to clone.
#[derive(Clone)]
pub struct GroupCoordinator {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for GroupCoordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCoordinator")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl GroupCoordinator {
    /// A coordinator leading no offsets partition yet. Starts the offsets expiry task, so it
    /// must be called inside a tokio runtime.
    pub fn start(config: GroupConfig, log: Arc<dyn OffsetsLog>) -> GroupCoordinator {
        let coordinator = GroupCoordinator {
            inner: Arc::new(Inner {
                config,
                log,
                state: Mutex::new(State::default()),
                next_id: AtomicU64::new(0),
                shutting_down: AtomicBool::new(false),
            }),
        };
        crate::offsets::spawn_expiry_task(&coordinator.inner);
        log::info!(target: COORDINATOR_LOG, "{}Starting up.", coordinator.inner.prefix());
        log::info!(target: COORDINATOR_LOG, "{}Startup complete.", coordinator.inner.prefix());
        coordinator
    }

    /// The settings.
    pub fn config(&self) -> &GroupConfig {
        &self.inner.config
    }

    /// The offsets partition of `group`.
    pub fn partition_for(&self, group: &str) -> i32 {
        self.inner.partition_for(group)
    }

    /// Kafka's `onElection`: this broker now leads offsets partition `partition` at
    /// `leader_epoch`; its groups and offsets are read back in the background.
    pub fn on_elected(&self, partition: i32, leader_epoch: i32) {
        {
            let mut state = self.inner.state.lock();
            if let Some(current) = state.owned.get(&partition) {
                if current.epoch() == leader_epoch {
                    return;
                }
            }
            unload(&self.inner, &mut state, partition);
            state.owned.insert(
                partition,
                Ownership::Loading {
                    epoch: leader_epoch,
                },
            );
        }
        log::info!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Scheduling loading of offsets and group metadata from {GROUP_METADATA_TOPIC}-{partition}", self.inner.config.broker_id);
        crate::loader::spawn_load(&self.inner, partition, leader_epoch);
    }

    /// Kafka's `onResignation`: this broker no longer leads `partition`; its groups are
    /// dropped from memory and their parked requests get NOT_COORDINATOR.
    pub fn on_resigned(&self, partition: i32) {
        let mut state = self.inner.state.lock();
        if state.owned.contains_key(&partition) {
            log::info!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Scheduling unloading of offsets and group metadata from {GROUP_METADATA_TOPIC}-{partition}", self.inner.config.broker_id);
            unload(&self.inner, &mut state, partition);
        }
    }

    /// Partitions led here, and whether each is loaded.
    pub fn owned_partitions(&self) -> Vec<(i32, bool)> {
        let state = self.inner.state.lock();
        let mut owned: Vec<(i32, bool)> = state
            .owned
            .iter()
            .map(|(p, o)| (*p, matches!(o, Ownership::Loaded { .. })))
            .collect();
        owned.sort_unstable();
        owned
    }

    /// Stops serving: every request gets COORDINATOR_NOT_AVAILABLE, parked ones are answered.
    pub fn shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Release);
        let mut state = self.inner.state.lock();
        let partitions: Vec<i32> = state.owned.keys().copied().collect();
        for partition in partitions {
            unload(&self.inner, &mut state, partition);
        }
        log::info!(target: COORDINATOR_LOG, "{}Shutdown complete.", self.inner.prefix());
    }
}

/// Drops `partition`'s groups (Kafka's `removeGroupsForPartition` / `onGroupUnloaded`).
pub(crate) fn unload(inner: &Inner, state: &mut State, partition: i32) {
    if state.owned.remove(&partition).is_none() {
        return;
    }
    let ids: Vec<String> = state
        .groups
        .values()
        .filter(|g| g.partition == partition)
        .map(|g| g.id.clone())
        .collect();
    let mut offsets = 0;
    for id in &ids {
        if let Some(mut group) = state.groups.remove(id) {
            offsets += group.offsets.len();
            group.transition_to(GroupState::Dead, now_ms());
            for member in group.members.values_mut() {
                member.fail_parked(ErrorCode::NotCoordinator);
            }
        }
    }
    log::info!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Finished unloading {GROUP_METADATA_TOPIC}-{partition}. Removed {offsets} cached offsets and {} cached groups.", inner.config.broker_id, ids.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_matches_known_values() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        // "polygenelubricants".hashCode() == Integer.MIN_VALUE in Java.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        assert_eq!(partition_for("hello", 50), 99_162_322 % 50);
        // Characters outside the BMP count as two UTF-16 units, as in Java.
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }
}
