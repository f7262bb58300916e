//! ListOffsets (key 2), versions 0–5: earliest (-2), latest (-1) and by-timestamp lookups on
//! partition leaders. v0 answers with the legacy list of segment base offsets; v1+ with one
//! (timestamp, offset). Consumers see the latest offset as the high watermark.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_log::dir::TopicPartition;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, ListOffsetsRequest, ListOffsetsRequestPartition, ListOffsetsResponse,
    ListOffsetsResponsePartition, ListOffsetsResponseTopic, RequestHeader, ResponseBody,
};

use super::context::now_ms;
use super::{respond, BrokerContext};
use crate::replica::ReplicaError;

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=5;

const LATEST_TIMESTAMP: i64 = -1;
const EARLIEST_TIMESTAMP: i64 = -2;

/// Looks every partition up.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: ListOffsetsRequest,
) -> Outcome {
    let version = header.request_api_version;
    let topics = request
        .topics
        .iter()
        .map(|topic| ListOffsetsResponseTopic {
            topic: topic.topic.clone(),
            partitions: topic
                .partitions
                .iter()
                .map(|p| {
                    let tp = TopicPartition::new(&topic.topic, p.partition);
                    lookup(broker, version, request.replica_id, &tp, p).unwrap_or_else(|e| {
                        ListOffsetsResponsePartition {
                            partition: p.partition,
                            error_code: e.error_code(),
                            ..ListOffsetsResponsePartition::default()
                        }
                    })
                })
                .collect(),
            ..ListOffsetsResponseTopic::default()
        })
        .collect();
    respond(ResponseBody::ListOffsets(ListOffsetsResponse {
        topics,
        ..ListOffsetsResponse::default()
    }))
}

fn lookup(
    broker: &BrokerContext,
    version: i16,
    replica_id: i32,
    tp: &TopicPartition,
    request: &ListOffsetsRequestPartition,
) -> Result<ListOffsetsResponsePartition, ReplicaError> {
    let partition = broker.replica_manager.leader_partition(tp)?;
    let leader_epoch = partition.leader_epoch();
    if request.current_leader_epoch >= 0 {
        if request.current_leader_epoch < leader_epoch {
            return Err(ReplicaError::FencedLeaderEpoch);
        }
        if request.current_leader_epoch > leader_epoch {
            return Err(ReplicaError::UnknownLeaderEpoch);
        }
    }
    let snapshot = partition.log().lock().reader().snapshot();
    let mut answer = ListOffsetsResponsePartition {
        partition: tp.partition,
        error_code: ErrorCode::None,
        ..ListOffsetsResponsePartition::default()
    };
    if version == 0 {
        let max = usize::try_from(request.max_num_offsets.max(0)).unwrap_or(0);
        let mut offsets = snapshot.legacy_offsets_before(request.timestamp, max, now_ms());
        // Consumers must not see offsets above the high watermark.
        if replica_id < 0 {
            let hw = partition.high_watermark();
            for offset in &mut offsets {
                *offset = (*offset).min(hw);
            }
        }
        answer.offsets = offsets;
        return Ok(answer);
    }
    match request.timestamp {
        LATEST_TIMESTAMP => {
            answer.offset = if replica_id < 0 {
                partition.high_watermark()
            } else {
                snapshot.log_end_offset()
            };
            answer.leader_epoch = leader_epoch;
        }
        EARLIEST_TIMESTAMP => {
            answer.offset = snapshot.log_start_offset();
            answer.leader_epoch = leader_epoch;
        }
        target => {
            if let Some(found) = snapshot.offset_for_timestamp(target)? {
                if replica_id >= 0 || found.offset < partition.high_watermark() {
                    answer.timestamp = found.timestamp;
                    answer.offset = found.offset;
                    answer.leader_epoch = found.leader_epoch.unwrap_or(-1);
                }
            }
        }
    }
    Ok(answer)
}
