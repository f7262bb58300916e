//! JoinGroup (key 11), versions 0–6: joins a group and waits until its rebalance completes
//! (the group coordinator decides). v0 has no rebalance timeout (the session timeout serves),
//! v4+ first answers a member without id with MEMBER_ID_REQUIRED, v5+ carries static
//! membership (`group.instance.id`).

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_coordinator::JoinRequest;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    JoinGroupRequest, JoinGroupResponse, JoinGroupResponseMember, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=6;

/// Joins the group.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    ctx: &RequestContext,
    header: &RequestHeader,
    request: JoinGroupRequest,
) -> Outcome {
    let version = header.request_api_version;
    let rebalance_timeout_ms = if version == 0 {
        request.session_timeout_ms
    } else {
        request.rebalance_timeout_ms
    };
    let result = broker
        .group_coordinator
        .join_group(JoinRequest {
            group_id: request.group_id,
            member_id: request.member_id,
            group_instance_id: request.group_instance_id,
            client_id: header.client_id.clone().unwrap_or_default(),
            client_host: client_host(ctx),
            session_timeout_ms: request.session_timeout_ms,
            rebalance_timeout_ms,
            protocol_type: request.protocol_type,
            protocols: request
                .protocols
                .into_iter()
                .map(|p| (p.name, p.metadata))
                .collect(),
            require_known_member_id: version >= 4,
        })
        .await;
    respond(ResponseBody::JoinGroup(JoinGroupResponse {
        error_code: result.error,
        generation_id: result.generation,
        protocol_name: result.protocol,
        leader: result.leader,
        member_id: result.member_id,
        members: result
            .members
            .into_iter()
            .map(
                |(member_id, group_instance_id, metadata)| JoinGroupResponseMember {
                    member_id,
                    group_instance_id,
                    metadata,
                    ..JoinGroupResponseMember::default()
                },
            )
            .collect(),
        ..JoinGroupResponse::default()
    }))
}

/// The client's address as Kafka prints it (`InetAddress.toString`): `/127.0.0.1`.
pub fn client_host(ctx: &RequestContext) -> String {
    format!("/{}", ctx.peer_addr.ip())
}
