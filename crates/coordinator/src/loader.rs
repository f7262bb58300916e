//! Reading an offsets partition back when this broker becomes its leader (Kafka's
//! `GroupMetadataManager.doLoadGroupsAndOffsets`): every record from the log start to the log
//! end offset is replayed, the last value per key wins, tombstones remove. Until it finishes
//! the partition's groups answer COORDINATOR_LOAD_IN_PROGRESS.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use gregor_protocol::records::{batches, DEFAULT_MAX_DECOMPRESSED_BYTES};
use gregor_protocol::ErrorCode;

use crate::coordinator::{now_ms, Inner, Ownership, GROUP_METADATA_TOPIC, MANAGER_LOG};
use crate::group::{Group, GroupState, Member};
use crate::offsets::TopicPartition;
use crate::rebalance::schedule_member_expiry;
use crate::records::{GroupValue, OffsetValue, RecordKey};

/// What a partition holds, by group.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    offsets: HashMap<String, BTreeMap<TopicPartition, OffsetValue>>,
    groups: HashMap<String, GroupValue>,
    records: usize,
}

/// Loads `partition` in the background and installs its groups if it is still led at
/// `epoch` when done; a failed read is retried every second while that holds.
pub(crate) fn spawn_load(inner: &Arc<Inner>, partition: i32, epoch: i32) {
    let inner = Arc::clone(inner);
    tokio::spawn(async move {
        let started = now_ms();
        loop {
            if !still_loading(&inner, partition, epoch) {
                return;
            }
            let reader = Arc::clone(&inner);
            let read =
                tokio::task::spawn_blocking(move || read_partition(&reader, partition)).await;
            match read {
                Ok(Ok(loaded)) => {
                    install(&inner, partition, epoch, loaded, started);
                    return;
                }
                Ok(Err(error)) => {
                    log::error!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Error loading offsets from {GROUP_METADATA_TOPIC}-{partition}: {error}; retrying", inner.config.broker_id);
                }
                Err(join_error) => {
                    log::error!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Loading {GROUP_METADATA_TOPIC}-{partition} failed: {join_error}; retrying", inner.config.broker_id);
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

fn still_loading(inner: &Inner, partition: i32, epoch: i32) -> bool {
    inner.state.lock().owned.get(&partition) == Some(&Ownership::Loading { epoch })
}

/// Replays the partition from its log start offset to its log end offset.
pub(crate) fn read_partition(inner: &Inner, partition: i32) -> Result<Loaded, ErrorCode> {
    let mut loaded = Loaded::default();
    let mut offset = 0i64;
    loop {
        let chunk = inner
            .log
            .read(partition, offset, inner.config.load_buffer_size)?;
        offset = offset.max(chunk.log_start_offset);
        if offset >= chunk.log_end_offset || chunk.bytes.is_empty() {
            return Ok(loaded);
        }
        let before = offset;
        for batch in batches(&chunk.bytes) {
            let Ok(batch) = batch else {
                break;
            };
            let next = batch.next_offset();
            if batch.is_control() {
                offset = next;
                continue;
            }
            let records = batch
                .records(DEFAULT_MAX_DECOMPRESSED_BYTES)
                .map_err(|_| ErrorCode::CorruptMessage)?;
            for record in records.iter() {
                let record = record.map_err(|_| ErrorCode::CorruptMessage)?;
                if record.offset < offset {
                    continue;
                }
                apply(inner, &mut loaded, partition, record.key, record.value);
            }
            offset = next;
        }
        if offset == before {
            // Nothing whole could be read: the log ends in a partial batch.
            return Ok(loaded);
        }
    }
}

/// Replays one record.
fn apply(
    inner: &Inner,
    loaded: &mut Loaded,
    partition: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) {
    loaded.records += 1;
    let key = match key.map(RecordKey::decode) {
        Some(Ok(key)) => key,
        Some(Err(error)) => {
            log::warn!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Skipping a record of {GROUP_METADATA_TOPIC}-{partition} with an unreadable key: {error}", inner.config.broker_id);
            return;
        }
        None => return,
    };
    match key {
        RecordKey::Offset {
            group,
            topic,
            partition: p,
        } => {
            let offsets = loaded.offsets.entry(group).or_default();
            match value.map(OffsetValue::decode) {
                None => {
                    offsets.remove(&(topic, p));
                }
                Some(Ok(value)) => {
                    offsets.insert((topic, p), value);
                }
                Some(Err(error)) => {
                    log::warn!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Skipping an unreadable offset of {topic}-{p} in {GROUP_METADATA_TOPIC}-{partition}: {error}", inner.config.broker_id);
                }
            }
        }
        RecordKey::Group { group } => match value.map(GroupValue::decode) {
            None => {
                loaded.groups.remove(&group);
            }
            Some(Ok(value)) => {
                loaded.groups.insert(group, value);
            }
            Some(Err(error)) => {
                log::warn!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Skipping unreadable metadata of group {group} in {GROUP_METADATA_TOPIC}-{partition}: {error}", inner.config.broker_id);
            }
        },
    }
}

/// Builds the groups and marks the partition loaded (if it is still ours at `epoch`).
fn install(inner: &Arc<Inner>, partition: i32, epoch: i32, loaded: Loaded, started: i64) {
    let mut state = inner.state.lock();
    if state.owned.get(&partition) != Some(&Ownership::Loading { epoch }) {
        return;
    }
    let now = now_ms();
    let Loaded {
        mut offsets,
        groups,
        records,
    } = loaded;
    let mut timers = Vec::new();
    let mut count = 0usize;
    for (id, value) in groups {
        let mut group = group_from_value(inner, &id, partition, value, now);
        group.offsets = offsets.remove(&id).unwrap_or_default();
        timers.extend(
            group
                .members
                .values()
                .map(|m| (id.clone(), m.member_id.clone(), m.timer_id)),
        );
        state.groups.insert(id, group);
        count += 1;
    }
    for (id, committed) in offsets {
        if committed.is_empty() {
            continue;
        }
        let mut group = Group::new(&id, partition, now);
        group.offsets = committed;
        state.groups.insert(id, group);
        count += 1;
    }
    state.owned.insert(partition, Ownership::Loaded { epoch });
    drop(state);
    for (group, member, timer) in timers {
        schedule_member_expiry(inner, &group, &member, timer);
    }
    log::debug!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Loaded {count} groups from {records} records of {GROUP_METADATA_TOPIC}-{partition}", inner.config.broker_id);
    log::info!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Finished loading offsets and group metadata from {GROUP_METADATA_TOPIC}-{partition} in {} milliseconds.", inner.config.broker_id, now_ms() - started);
}

/// Kafka's `GroupMetadata.loadGroup`: Empty without members, else Stable; members must
/// heartbeat within their session timeout from now.
fn group_from_value(inner: &Inner, id: &str, partition: i32, value: GroupValue, now: i64) -> Group {
    let mut group = Group::new(id, partition, value.current_state_timestamp.unwrap_or(now));
    group.protocol_type = Some(value.protocol_type).filter(|t| !t.is_empty());
    group.generation = value.generation;
    group.protocol = value.protocol;
    group.leader = value.leader;
    let protocol = group.protocol.clone().unwrap_or_default();
    for m in value.members {
        let member = Member {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            client_id: m.client_id,
            client_host: m.client_host,
            rebalance_timeout_ms: m.rebalance_timeout_ms,
            session_timeout_ms: m.session_timeout_ms,
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocols: vec![(protocol.clone(), m.subscription)],
            assignment: m.assignment,
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            deadline_ms: now + i64::from(m.session_timeout_ms),
            timer_id: inner.next_id(),
        };
        if let Some(instance) = &m.group_instance_id {
            group
                .static_members
                .insert(instance.clone(), m.member_id.clone());
        }
        group.join_order.push(m.member_id.clone());
        group.members.insert(m.member_id, member);
    }
    group.state = if group.members.is_empty() {
        GroupState::Empty
    } else {
        GroupState::Stable
    };
    group
}
