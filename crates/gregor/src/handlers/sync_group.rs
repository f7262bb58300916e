//! SyncGroup (key 14), versions 0–4: the leader hands in the assignments, every member gets
//! its own once they are stored in `__consumer_offsets`.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, RequestHeader, ResponseBody, SyncGroupRequest, SyncGroupResponse,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;

/// Synchronises the group's assignment.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: SyncGroupRequest,
) -> Outcome {
    let assignments = request
        .assignments
        .into_iter()
        .map(|a| (a.member_id, a.assignment))
        .collect();
    let result = broker
        .group_coordinator
        .sync_group(
            &request.group_id,
            request.generation_id,
            &request.member_id,
            request.group_instance_id.as_deref(),
            assignments,
        )
        .await;
    let (error_code, assignment) = match result {
        Ok(assignment) => (ErrorCode::None, assignment),
        Err(error) => (error, bytes::Bytes::new()),
    };
    respond(ResponseBody::SyncGroup(SyncGroupResponse {
        error_code,
        assignment,
        ..SyncGroupResponse::default()
    }))
}
