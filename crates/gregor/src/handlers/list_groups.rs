//! ListGroups (key 16), versions 0–3: the groups this broker coordinates.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ListGroupsRequest, ListGroupsResponse, ListedGroup, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=3;

/// Lists the groups.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    _request: ListGroupsRequest,
) -> Outcome {
    let (error_code, groups) = broker.group_coordinator.list_groups();
    respond(ResponseBody::ListGroups(ListGroupsResponse {
        error_code,
        groups: groups
            .into_iter()
            .map(|(group_id, protocol_type)| ListedGroup {
                group_id,
                protocol_type,
                ..ListedGroup::default()
            })
            .collect(),
        ..ListGroupsResponse::default()
    }))
}
