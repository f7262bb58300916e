//! LeaveGroup (key 13), versions 0–4: one member (v0–2) or a batch of members by member id or
//! `group.instance.id` (v3+) leave the group, which rebalances. v0–2 answer the member's error
//! at the top level; v3+ answer one error per member.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, LeaveGroupRequest, LeaveGroupResponse, MemberResponse, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;

/// Removes the members.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: LeaveGroupRequest,
) -> Outcome {
    let batch = header.request_api_version >= 3;
    let leaving: Vec<(String, Option<String>)> = if batch {
        request
            .members
            .iter()
            .map(|m| (m.member_id.clone(), m.group_instance_id.clone()))
            .collect()
    } else {
        vec![(request.member_id.clone(), None)]
    };
    let response = match broker
        .group_coordinator
        .leave_group(&request.group_id, &leaving)
    {
        Err(error) => LeaveGroupResponse {
            error_code: error,
            ..LeaveGroupResponse::default()
        },
        Ok(errors) if batch => LeaveGroupResponse {
            error_code: ErrorCode::None,
            members: leaving
                .into_iter()
                .zip(errors)
                .map(
                    |((member_id, group_instance_id), error_code)| MemberResponse {
                        member_id,
                        group_instance_id,
                        error_code,
                        ..MemberResponse::default()
                    },
                )
                .collect(),
            ..LeaveGroupResponse::default()
        },
        Ok(errors) => LeaveGroupResponse {
            error_code: errors.first().copied().unwrap_or(ErrorCode::None),
            ..LeaveGroupResponse::default()
        },
    };
    respond(ResponseBody::LeaveGroup(response))
}
