//! FindCoordinator (key 10), versions 0–3: the group coordinator is the leader of partition
//! `abs(java_string_hash(group)) % offsets.topic.num.partitions` of `__consumer_offsets`, which
//! is created on first use (COORDINATOR_NOT_AVAILABLE until it has a live leader, or while
//! fewer brokers are alive than `offsets.topic.replication.factor`). Transaction
//! coordinators (key type 1) are not served yet: COORDINATOR_NOT_AVAILABLE.

use std::ops::RangeInclusive;
use std::sync::Arc;

use super::auto_create::{create_topic, offsets_topic_config};
use super::{respond, BrokerContext};
use gregor_coordinator::GROUP_METADATA_TOPIC;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, FindCoordinatorRequest, FindCoordinatorResponse, RequestHeader, ResponseBody,
};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=3;

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
    let partition = broker.group_coordinator.partition_for(group);
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
