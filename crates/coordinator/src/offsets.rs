//! OffsetCommit and OffsetFetch (Kafka's `handleCommitOffsets` / `handleFetchOffsets` and
//! `GroupMetadataManager.storeOffsets` / `getOffsets`), and the periodic expiry of old offsets
//! and empty groups (`cleanupGroupMetadata`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gregor_protocol::ErrorCode;

use crate::coordinator::{
    append_error, now_ms, GroupCoordinator, GroupIdRule, Inner, KeyValue, GROUP_METADATA_TOPIC,
    MANAGER_LOG,
};
use crate::group::{Group, GroupState};
use crate::membership::touch;
use crate::records::{subscription_topics, OffsetValue, RecordKey};

/// (topic, partition).
pub type TopicPartition = (String, i32);

/// An OffsetCommit, version-independent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRequest {
    /// Group id.
    pub group_id: String,
    /// Generation; -1 for a commit outside group management.
    pub generation: i32,
    /// Member id ("" outside group management).
    pub member_id: String,
    /// Static membership id (v7+).
    pub group_instance_id: Option<String>,
    /// What to commit.
    pub offsets: Vec<(TopicPartition, OffsetValue)>,
}

impl GroupCoordinator {
    /// Commits offsets; one error per partition, in request order.
    pub async fn commit_offsets(&self, request: CommitRequest) -> Vec<(TopicPartition, ErrorCode)> {
        let all = |error| -> Vec<(TopicPartition, ErrorCode)> {
            request
                .offsets
                .iter()
                .map(|(tp, _)| (tp.clone(), error))
                .collect()
        };
        let partition = {
            let mut state = self.inner.state.lock();
            let partition =
                match self
                    .inner
                    .validate(&state, &request.group_id, GroupIdRule::MayBeEmpty)
                {
                    Ok(partition) => partition,
                    Err(error) => return all(error),
                };
            if !state.groups.contains_key(&request.group_id) {
                if request.generation >= 0 {
                    return all(ErrorCode::IllegalGeneration);
                }
                state.groups.insert(
                    request.group_id.clone(),
                    Group::new(&request.group_id, partition, now_ms()),
                );
            }
            let Some(group) = state.groups.get_mut(&request.group_id) else {
                return all(ErrorCode::UnknownServerError);
            };
            if let Err(error) = check_commit(group, &request) {
                return all(error);
            }
            partition
        };
        let max =
            usize::try_from(self.inner.config.offset_metadata_max_bytes).unwrap_or(usize::MAX);
        let mut results = Vec::with_capacity(request.offsets.len());
        let mut records = Vec::new();
        let mut accepted = Vec::new();
        for (tp, value) in &request.offsets {
            if value.metadata.len() > max {
                results.push((tp.clone(), ErrorCode::OffsetMetadataTooLarge));
                continue;
            }
            let key = RecordKey::Offset {
                group: request.group_id.clone(),
                topic: tp.0.clone(),
                partition: tp.1,
            };
            match value.encode() {
                Ok(encoded) => {
                    records.push((key, Some(encoded)));
                    accepted.push((tp.clone(), value.clone()));
                    results.push((tp.clone(), ErrorCode::None));
                }
                Err(_) => results.push((tp.clone(), ErrorCode::InvalidCommitOffsetSize)),
            }
        }
        if records.is_empty() {
            return results;
        }
        match self.inner.append(partition, records).await {
            Ok(()) => {
                let mut state = self.inner.state.lock();
                if let Some(group) = state.groups.get_mut(&request.group_id) {
                    if !group.is(GroupState::Dead) {
                        for (tp, value) in accepted {
                            group.offsets.insert(tp, value);
                        }
                    }
                }
                results
            }
            Err(error) => {
                let error = append_error(error, ErrorCode::InvalidCommitOffsetSize);
                results
                    .into_iter()
                    .map(|(tp, e)| (tp, if e == ErrorCode::None { error } else { e }))
                    .collect()
            }
        }
    }

    /// Committed offsets of `partitions` (all the group has when `None`); a partition without a
    /// commit maps to `None`. The error is the group-level one.
    pub fn fetch_offsets(
        &self,
        group_id: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<(TopicPartition, Option<OffsetValue>)>, ErrorCode> {
        let state = self.inner.state.lock();
        self.inner
            .validate(&state, group_id, GroupIdRule::MayBeEmpty)?;
        let group = state
            .groups
            .get(group_id)
            .filter(|g| !g.is(GroupState::Dead));
        Ok(match (partitions, group) {
            (Some(wanted), group) => wanted
                .iter()
                .map(|tp| (tp.clone(), group.and_then(|g| g.offsets.get(tp)).cloned()))
                .collect(),
            (None, Some(group)) => group
                .offsets
                .iter()
                .map(|(tp, v)| (tp.clone(), Some(v.clone())))
                .collect(),
            (None, None) => Vec::new(),
        })
    }
}

/// Kafka's `doCommitOffsets` membership checks.
fn check_commit(group: &mut Group, request: &CommitRequest) -> Result<(), ErrorCode> {
    if group.is(GroupState::Dead) {
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    if let Some(instance) = &request.group_instance_id {
        if let Some(known) = group.static_members.get(instance) {
            if *known != request.member_id {
                return Err(ErrorCode::FencedInstanceId);
            }
        }
    }
    if request.generation < 0 && group.is(GroupState::Empty) {
        return Ok(());
    }
    if !group.members.contains_key(&request.member_id) {
        return Err(ErrorCode::UnknownMemberId);
    }
    if request.generation != group.generation {
        return Err(ErrorCode::IllegalGeneration);
    }
    if group.is(GroupState::CompletingRebalance) {
        return Err(ErrorCode::RebalanceInProgress);
    }
    touch(group, &request.member_id, now_ms());
    Ok(())
}

/// Runs [`expire`] every `offsets.retention.check.interval.ms` while the coordinator lives.
pub(crate) fn spawn_expiry_task(inner: &Arc<Inner>) {
    let weak = Arc::downgrade(inner);
    let interval =
        u64::try_from(inner.config.offsets_retention_check_interval_ms).unwrap_or(600_000);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(interval.max(1))).await;
            let Some(inner) = weak.upgrade() else {
                return;
            };
            expire(&inner, now_ms()).await;
        }
    });
}

/// Kafka's `cleanupGroupMetadata` for retention: offsets past retention are tombstoned (for
/// groups with a protocol type only once the group has been Empty that long; for standalone
/// committers counted from the commit).
pub(crate) async fn expire(inner: &Arc<Inner>, now: i64) {
    let started = now_ms();
    let retention = inner.config.offsets_retention_ms;
    let removed = cleanup(inner, now, |group, _, value| match value.expire_timestamp {
        Some(at) => now >= at,
        None => match (&group.protocol_type, group.state) {
            (Some(_), GroupState::Empty) => now - group.state_timestamp >= retention,
            (None, _) => now - value.commit_timestamp >= retention,
            _ => false,
        },
    })
    .await;
    log::info!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Removed {removed} expired offsets in {} milliseconds.", inner.config.broker_id, now_ms() - started);
}

impl GroupCoordinator {
    /// Kafka's `handleDeleteOffsets` (OffsetDelete, KIP-496): an Empty group loses the offsets
    /// asked for; a consumer group with members only those of topics none of its members
    /// subscribes to (GROUP_SUBSCRIBED_TO_TOPIC for the others); other groups answer
    /// NON_EMPTY_GROUP. The group-level error, or one error per partition.
    pub async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<(TopicPartition, ErrorCode)>, ErrorCode> {
        let (eligible, mut errors) = {
            let state = self.inner.state.lock();
            self.inner
                .validate(&state, group_id, GroupIdRule::NonEmpty)?;
            let group = state
                .groups
                .get(group_id)
                .filter(|g| !g.is(GroupState::Dead))
                .ok_or(ErrorCode::GroupIdNotFound)?;
            match group.state {
                GroupState::Empty => (partitions.to_vec(), Vec::new()),
                _ if group.protocol_type.as_deref() == Some("consumer") => {
                    let subscribed = subscribed_topics(group);
                    let (consumed, free): (Vec<_>, Vec<_>) = partitions
                        .iter()
                        .cloned()
                        .partition(|(topic, _)| subscribed.contains(topic));
                    let errors = consumed
                        .into_iter()
                        .map(|tp| (tp, ErrorCode::GroupSubscribedToTopic))
                        .collect();
                    (free, errors)
                }
                _ => return Err(ErrorCode::NonEmptyGroup),
            }
        };
        if !eligible.is_empty() {
            let removed = cleanup(&self.inner, now_ms(), |group, tp, _| {
                group.id == group_id && eligible.contains(tp)
            })
            .await;
            let names: Vec<String> = eligible.iter().map(|(t, p)| format!("{t}-{p}")).collect();
            log::info!(target: crate::coordinator::COORDINATOR_LOG, "{}The following offsets of the group {group_id} were deleted: {}. A total of {removed} offsets were removed.", self.inner.prefix(), names.join(", "));
            errors.extend(eligible.into_iter().map(|tp| (tp, ErrorCode::None)));
        }
        Ok(errors)
    }

    /// Kafka's `handleDeletedPartitions`: offsets of deleted topics' partitions are removed from
    /// every group (with tombstones).
    pub async fn handle_deleted_partitions(&self, partitions: &[TopicPartition]) {
        if partitions.is_empty() {
            return;
        }
        let removed = cleanup(&self.inner, now_ms(), |_, tp, _| partitions.contains(tp)).await;
        let names: Vec<String> = partitions.iter().map(|(t, p)| format!("{t}-{p}")).collect();
        log::info!(target: crate::coordinator::COORDINATOR_LOG, "{}Removed {removed} offsets associated with deleted partitions: {}.", self.inner.prefix(), names.join(", "));
    }
}

/// The topics the members subscribe to, from their consumer-protocol subscriptions for the
/// selected protocol.
fn subscribed_topics(group: &Group) -> Vec<String> {
    let protocol = group.protocol.clone().unwrap_or_default();
    group
        .members
        .values()
        .flat_map(|member| subscription_topics(&member.metadata(&protocol)))
        .collect()
}

/// Removes the offsets `doomed` selects from every group and tombstones them; an Empty group
/// left without offsets becomes Dead with a group tombstone. Returns how many offsets went.
async fn cleanup<F>(inner: &Arc<Inner>, now: i64, doomed: F) -> usize
where
    F: Fn(&Group, &TopicPartition, &OffsetValue) -> bool,
{
    let mut writes: BTreeMap<i32, Vec<KeyValue>> = BTreeMap::new();
    let mut removed_offsets = 0usize;
    {
        let mut state = inner.state.lock();
        let mut dead = Vec::new();
        for group in state.groups.values_mut() {
            let expired: Vec<TopicPartition> = group
                .offsets
                .iter()
                .filter(|(tp, v)| doomed(group, tp, v))
                .map(|(tp, _)| tp.clone())
                .collect();
            let records = writes.entry(group.partition).or_default();
            for tp in expired {
                group.offsets.remove(&tp);
                removed_offsets += 1;
                records.push((
                    RecordKey::Offset {
                        group: group.id.clone(),
                        topic: tp.0,
                        partition: tp.1,
                    },
                    None,
                ));
            }
            if group.is(GroupState::Empty) && group.offsets.is_empty() {
                group.transition_to(GroupState::Dead, now);
                if group.generation > 0 {
                    records.push((
                        RecordKey::Group {
                            group: group.id.clone(),
                        },
                        None,
                    ));
                }
                dead.push(group.id.clone());
            }
        }
        for id in dead {
            state.groups.remove(&id);
        }
    }
    for (partition, records) in writes {
        if records.is_empty() {
            continue;
        }
        if let Err(error) = inner.append(partition, records).await {
            log::warn!(target: MANAGER_LOG, "[GroupMetadataManager brokerId={}] Failed to write tombstones to {GROUP_METADATA_TOPIC}-{partition}: {error}", inner.config.broker_id);
        }
    }
    removed_offsets
}
