//! ControlledShutdown (key 7), versions 0–3: only the active controller answers; it moves
//! leadership away from the broker and lists the partitions it still leads. A broker whose
//! controller module is not active answers NOT_CONTROLLER, as Kafka does.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ControlledShutdownRequest, ControlledShutdownResponse, ErrorCode, RemainingPartition,
    RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=3;

/// Forwards to the controller module when it is active.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: ControlledShutdownRequest,
) -> Outcome {
    let response = match broker.controller().filter(|c| c.is_active()) {
        None => ControlledShutdownResponse {
            error_code: ErrorCode::NotController,
            ..ControlledShutdownResponse::default()
        },
        Some(controller) => {
            match controller
                .controlled_shutdown(request.broker_id, request.broker_epoch)
                .await
            {
                Ok(remaining) => ControlledShutdownResponse {
                    error_code: ErrorCode::None,
                    remaining_partitions: remaining
                        .into_iter()
                        .map(|tp| RemainingPartition {
                            topic_name: tp.topic,
                            partition_index: tp.partition,
                            ..RemainingPartition::default()
                        })
                        .collect(),
                    ..ControlledShutdownResponse::default()
                },
                Err(e) => ControlledShutdownResponse {
                    error_code: e.error_code(),
                    ..ControlledShutdownResponse::default()
                },
            }
        }
    };
    respond(ResponseBody::ControlledShutdown(response))
}
