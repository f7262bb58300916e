//! DeleteGroups (key 42), versions 0–2: removes empty groups and their committed offsets
//! (tombstones in `__consumer_offsets`).

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    DeletableGroupResult, DeleteGroupsRequest, DeleteGroupsResponse, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=2;

/// Deletes the groups.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: DeleteGroupsRequest,
) -> Outcome {
    let results = broker
        .group_coordinator
        .delete_groups(&request.groups_names)
        .await;
    respond(ResponseBody::DeleteGroups(DeleteGroupsResponse {
        results: results
            .into_iter()
            .map(|(group_id, error_code)| DeletableGroupResult {
                group_id,
                error_code,
                ..DeletableGroupResult::default()
            })
            .collect(),
        ..DeleteGroupsResponse::default()
    }))
}
