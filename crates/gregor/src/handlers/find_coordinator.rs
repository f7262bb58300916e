//! FindCoordinator (key 10), versions 0–3: the group coordinator is the leader of partition
//! `abs(java_string_hash(group)) % offsets.topic.num.partitions` of `__consumer_offsets`, which
//! is created on first use (COORDINATOR_NOT_AVAILABLE until it has a live leader, or while
//! fewer brokers are alive than `offsets.topic.replication.factor`). Transaction
//! coordinators (key type 1) are not served yet: COORDINATOR_NOT_AVAILABLE.

use std::ops::RangeInclusive;
use std::sync::Arc;

use super::auto_create::{create_topic, offsets_topic_config};
use super::{respond, BrokerContext};
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader, ResponseBody,
};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=3;

/// The group metadata topic.
const GROUP_METADATA_TOPIC: &str = "__consumer_offsets";

/// Finds the coordinator.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    ctx: &RequestContext,
    _header: &RequestHeader,
    request: FindCoordinatorRequest,
) -> Outcome {
    let answer = match request.key_type {
        0 => group_coordinator(broker, &ctx.listener_name, &request.key).await,
        1 => Err(ErrorCode::CoordinatorNotAvailable),
        _ => Err(ErrorCode::InvalidRequest),
    };
    let response = match answer {
        Ok((node_id, host, port)) => FindCoordinatorResponse {
            error_code: ErrorCode::None,
            node_id,
            host,
            port,
            ..FindCoordinatorResponse::default()
        },
        Err(error) => FindCoordinatorResponse {
            error_code: error,
            error_message: Some(error.to_string()),
            node_id: -1,
            host: String::new(),
            port: -1,
            ..FindCoordinatorResponse::default()
        },
    };
    respond(ResponseBody::FindCoordinator(response))
}

async fn group_coordinator(
    broker: &BrokerContext,
    listener: &str,
    group: &str,
) -> Result<(i32, String, i32), ErrorCode> {
    if group.is_empty() {
        return Err(ErrorCode::InvalidRequest);
    }
    let cache = &broker.metadata_cache;
    if !cache.contains_topic(GROUP_METADATA_TOPIC) {
        let live: Vec<i32> = cache.alive_brokers().iter().map(|b| b.id).collect();
        let replication_factor = i32::from(broker.config.offsets_topic_replication_factor);
        let zk = broker.zk();
        if let (true, Some(zk)) = (
            live.len() >= usize::try_from(replication_factor).unwrap_or(usize::MAX),
            zk,
        ) {
            create_topic(
                &zk,
                GROUP_METADATA_TOPIC,
                broker.config.offsets_topic_partitions,
                replication_factor,
                &offsets_topic_config(&broker.config),
            )
            .await;
        }
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    let partition = partition_for(group, broker.config.offsets_topic_partitions);
    let state = cache
        .partition(GROUP_METADATA_TOPIC, partition)
        .ok_or(ErrorCode::CoordinatorNotAvailable)?;
    let leader = cache
        .broker(state.leader)
        .ok_or(ErrorCode::CoordinatorNotAvailable)?;
    let endpoint = leader
        .endpoint(listener)
        .ok_or(ErrorCode::CoordinatorNotAvailable)?;
    Ok((leader.id, endpoint.host.clone(), endpoint.port))
}

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
    }

    #[test]
    fn group_partition_is_in_range() {
        assert_eq!(partition_for("hello", 50), 99_162_322 % 50);
    }
}
