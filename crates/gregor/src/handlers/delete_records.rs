//! DeleteRecords (key 21), versions 0–1 (Kafka's `ReplicaManager.deleteRecords`): on the
//! leader only, moves the log start offset to the requested offset (-1 = the high watermark)
//! and deletes the segments wholly below it. Internal topics are INVALID_TOPIC_EXCEPTION, a
//! negative offset or one past the high watermark OFFSET_OUT_OF_RANGE, a compacted topic
//! POLICY_VIOLATION. The low watermark answered is the leader's new log start offset: Kafka
//! waits for the followers' log start offsets too, which on one broker is immediate.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_log::dir::TopicPartition;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    DeleteRecordsPartitionResult, DeleteRecordsRequest, DeleteRecordsResponse,
    DeleteRecordsTopicResult, ErrorCode, RequestHeader, ResponseBody,
};
use gregor_zk::admin::is_internal;

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;

/// DeleteRecordsRequest's "up to the high watermark" offset.
const HIGH_WATERMARK: i64 = -1;

/// Deletes records in every requested partition.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: DeleteRecordsRequest,
) -> Outcome {
    let mut topics = Vec::with_capacity(request.topics.len());
    for topic in &request.topics {
        let partitions = topic
            .partitions
            .iter()
            .map(|p| {
                let tp = TopicPartition::new(&topic.topic, p.partition);
                let (low_watermark, error_code) = match delete_records(broker, &tp, p.offset) {
                    Ok(low_watermark) => (low_watermark, ErrorCode::None),
                    Err(code) => (-1, code),
                };
                DeleteRecordsPartitionResult {
                    partition: p.partition,
                    low_watermark,
                    error_code,
                    ..DeleteRecordsPartitionResult::default()
                }
            })
            .collect();
        topics.push(DeleteRecordsTopicResult {
            topic: topic.topic.clone(),
            partitions,
            ..DeleteRecordsTopicResult::default()
        });
    }
    respond(ResponseBody::DeleteRecords(DeleteRecordsResponse {
        topics,
        ..DeleteRecordsResponse::default()
    }))
}

/// One partition: the new low watermark, or the error code.
pub fn delete_records(
    broker: &BrokerContext,
    tp: &TopicPartition,
    offset: i64,
) -> Result<i64, ErrorCode> {
    if !broker
        .metadata_cache
        .contains_partition(&tp.topic, tp.partition)
    {
        return Err(ErrorCode::UnknownTopicOrPartition);
    }
    if is_internal(&tp.topic) {
        return Err(ErrorCode::InvalidTopicException);
    }
    let partition = broker
        .replica_manager
        .leader_partition(tp)
        .map_err(|e| e.error_code())?;
    let high_watermark = partition.high_watermark();
    let target = if offset == HIGH_WATERMARK {
        high_watermark
    } else {
        offset
    };
    if target < 0 {
        return Err(ErrorCode::OffsetOutOfRange);
    }
    let mut log = partition.log().lock();
    if !log.config().delete_enabled() {
        return Err(ErrorCode::PolicyViolation);
    }
    match log.increment_log_start_offset(target, high_watermark) {
        Ok(low_watermark) => Ok(low_watermark),
        Err(e) => {
            log::info!(target: "kafka.server.ReplicaManager", "[ReplicaManager broker={}] Error processing delete records operation on partition {tp}: {e}", broker.broker_id);
            Err(ErrorCode::from_i16(e.kafka_error_code()))
        }
    }
}
