//! Heartbeat (key 12), versions 0–4: keeps a member's session alive and tells it when the
//! group rebalances.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{HeartbeatRequest, HeartbeatResponse, RequestHeader, ResponseBody};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;

/// Records the heartbeat.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: HeartbeatRequest,
) -> Outcome {
    let error_code = broker.group_coordinator.heartbeat(
        &request.group_id,
        &request.member_id,
        request.group_instance_id.as_deref(),
        request.generation_id,
    );
    respond(ResponseBody::Heartbeat(HeartbeatResponse {
        error_code,
        ..HeartbeatResponse::default()
    }))
}
