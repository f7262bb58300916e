//! OffsetCommit (key 8), versions 0–8 (Kafka's `handleOffsetCommitRequest`): v0 offsets go to
//! ZooKeeper (`/consumers/<group>/offsets/<topic>/<partition>`), v1+ to `__consumer_offsets`
//! through the group coordinator, which checks membership and generation. Partitions unknown
//! to the cluster get UNKNOWN_TOPIC_OR_PARTITION; v1's per-partition timestamp and v2–4's
//! retention time are kept as Kafka 2.4 does.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_coordinator::records::OffsetValue;
use gregor_coordinator::CommitRequest;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponsePartition,
    OffsetCommitResponseTopic, RequestHeader, ResponseBody,
};

use super::context::now_ms;
use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=8;

/// OffsetCommitRequest's "no timestamp / no retention" value.
const DEFAULT: i64 = -1;

/// Commits the offsets.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: OffsetCommitRequest,
) -> Outcome {
    let now = now_ms();
    let mut errors: Vec<((String, i32), ErrorCode)> = Vec::new();
    let mut offsets = Vec::new();
    for topic in &request.topics {
        for p in &topic.partitions {
            let tp = (topic.name.clone(), p.partition_index);
            if !broker
                .metadata_cache
                .contains_partition(&topic.name, p.partition_index)
            {
                errors.push((tp, ErrorCode::UnknownTopicOrPartition));
                continue;
            }
            let value = OffsetValue {
                offset: p.committed_offset,
                leader_epoch: p.committed_leader_epoch,
                metadata: p.committed_metadata.clone().unwrap_or_default(),
                commit_timestamp: if p.commit_timestamp == DEFAULT {
                    now
                } else {
                    p.commit_timestamp
                },
                expire_timestamp: (request.retention_time_ms != DEFAULT)
                    .then(|| now.saturating_add(request.retention_time_ms)),
            };
            offsets.push((tp, value));
        }
    }
    if header.request_api_version == 0 {
        errors.extend(commit_to_zookeeper(broker, &request.group_id, offsets).await);
    } else if !offsets.is_empty() {
        let results = broker
            .group_coordinator
            .commit_offsets(CommitRequest {
                group_id: request.group_id.clone(),
                generation: request.generation_id,
                member_id: request.member_id.clone(),
                group_instance_id: request.group_instance_id.clone(),
                offsets,
            })
            .await;
        errors.extend(results);
    }
    let topics = request
        .topics
        .iter()
        .map(|topic| OffsetCommitResponseTopic {
            name: topic.name.clone(),
            partitions: topic
                .partitions
                .iter()
                .map(|p| OffsetCommitResponsePartition {
                    partition_index: p.partition_index,
                    error_code: errors
                        .iter()
                        .find(|((t, i), _)| *t == topic.name && *i == p.partition_index)
                        .map_or(ErrorCode::UnknownServerError, |(_, e)| *e),
                    ..OffsetCommitResponsePartition::default()
                })
                .collect(),
            ..OffsetCommitResponseTopic::default()
        })
        .collect();
    respond(ResponseBody::OffsetCommit(OffsetCommitResponse {
        topics,
        ..OffsetCommitResponse::default()
    }))
}

/// OffsetCommit v0: each offset as the data of its ZooKeeper znode.
async fn commit_to_zookeeper(
    broker: &BrokerContext,
    group: &str,
    offsets: Vec<((String, i32), OffsetValue)>,
) -> Vec<((String, i32), ErrorCode)> {
    let Some(zk) = broker.zk() else {
        return offsets
            .into_iter()
            .map(|(tp, _)| (tp, ErrorCode::CoordinatorNotAvailable))
            .collect();
    };
    let max = usize::try_from(broker.config.offset_metadata_max_size).unwrap_or(usize::MAX);
    let mut results = Vec::with_capacity(offsets.len());
    for ((topic, partition), value) in offsets {
        let error = if value.metadata.len() > max {
            ErrorCode::OffsetMetadataTooLarge
        } else {
            match zk
                .set_or_create_consumer_offset(group, &topic, partition, value.offset)
                .await
            {
                Ok(()) => ErrorCode::None,
                Err(e) => {
                    log::warn!("Cannot store the v0 offset of group {group} for {topic}-{partition} in ZooKeeper: {e}");
                    ErrorCode::UnknownServerError
                }
            }
        };
        results.push(((topic, partition), error));
    }
    results
}
