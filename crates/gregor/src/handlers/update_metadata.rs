//! UpdateMetadata (key 6), versions 0–6: the controller's cluster view, the only source of the
//! metadata cache. Older controller epochs get STALE_CONTROLLER_EPOCH (via the replica
//! manager's fencing), older broker epochs STALE_BROKER_EPOCH. Partitions of deleted topics
//! lose their committed offsets in every group this broker coordinates.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, RequestHeader, ResponseBody, UpdateMetadataRequest, UpdateMetadataResponse,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=6;

/// Applies the update to the metadata cache.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: UpdateMetadataRequest,
) -> Outcome {
    let error = if broker
        .replica_manager
        .is_broker_epoch_stale(request.broker_epoch)
    {
        log::info!(target: "kafka.server.KafkaApis", "Received update metadata request with broker epoch {} smaller than the current broker epoch {}", request.broker_epoch, broker.replica_manager.broker_epoch());
        ErrorCode::StaleBrokerEpoch
    } else {
        let deleted = broker.metadata_cache.update(&request);
        broker.replica_manager.purgatory().wake_all();
        // Kafka's handleUpdateMetadataRequest: committed offsets of deleted partitions go.
        broker
            .group_coordinator
            .handle_deleted_partitions(&deleted)
            .await;
        ErrorCode::None
    };
    respond(ResponseBody::UpdateMetadata(UpdateMetadataResponse {
        error_code: error,
        ..UpdateMetadataResponse::default()
    }))
}
