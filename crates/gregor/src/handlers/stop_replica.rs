//! StopReplica (key 5), versions 0–2: the controller takes partitions away from this broker,
//! deleting their logs when `delete_partitions` is set (topic deletion, reassignment).

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_coordinator::GROUP_METADATA_TOPIC;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, RequestHeader, ResponseBody, StopReplicaPartitionError, StopReplicaRequest,
    StopReplicaResponse,
};

use super::context::now_ms;
use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=2;

/// Stops (and maybe deletes) the partitions.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: StopReplicaRequest,
) -> Outcome {
    if broker
        .replica_manager
        .is_broker_epoch_stale(request.broker_epoch)
    {
        return respond(response(ErrorCode::StaleBrokerEpoch, Vec::new()));
    }
    let partitions: Vec<(String, i32)> = request
        .ungrouped_partitions
        .iter()
        .map(|p| (p.topic_name.clone(), p.partition_index))
        .chain(request.topics.iter().flat_map(|t| {
            t.partition_indexes
                .iter()
                .map(move |p| (t.name.clone(), *p))
        }))
        .collect();
    for (topic, partition) in &partitions {
        if topic == GROUP_METADATA_TOPIC {
            broker.group_coordinator.on_resigned(*partition);
        }
    }
    let outcome = broker.replica_manager.stop_replicas(
        request.controller_epoch,
        request.delete_partitions,
        partitions,
        now_ms(),
    );
    let errors = outcome
        .partition_errors
        .into_iter()
        .map(
            |(topic_name, partition_index, error_code)| StopReplicaPartitionError {
                topic_name,
                partition_index,
                error_code,
                ..StopReplicaPartitionError::default()
            },
        )
        .collect();
    respond(response(outcome.error, errors))
}

fn response(error: ErrorCode, partition_errors: Vec<StopReplicaPartitionError>) -> ResponseBody {
    ResponseBody::StopReplica(StopReplicaResponse {
        error_code: error,
        partition_errors,
        ..StopReplicaResponse::default()
    })
}
