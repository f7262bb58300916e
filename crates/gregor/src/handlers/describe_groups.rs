//! DescribeGroups (key 15), versions 0–5: state, protocol and members of each group; members'
//! metadata and assignments only while the group is Stable, as in Kafka. Authorized
//! operations (v3+) are every group operation (READ, DELETE, DESCRIBE): there is no authorizer;
//! not asked for, or after an error, they are 0 as 2.4.1 writes them.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    DescribeGroupsRequest, DescribeGroupsResponse, DescribedGroup, DescribedGroupMember, ErrorCode,
    RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=5;

/// Bits of READ (3), DELETE (6) and DESCRIBE (8): what a group allows without an authorizer.
const GROUP_OPERATIONS: i32 = (1 << 3) | (1 << 6) | (1 << 8);

/// Describes the groups.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: DescribeGroupsRequest,
) -> Outcome {
    let groups = request
        .groups
        .iter()
        .map(
            |group_id| match broker.group_coordinator.describe_group(group_id) {
                Err(error_code) => DescribedGroup {
                    error_code,
                    group_id: group_id.clone(),
                    authorized_operations: 0,
                    ..DescribedGroup::default()
                },
                Ok(summary) => DescribedGroup {
                    error_code: ErrorCode::None,
                    group_id: group_id.clone(),
                    group_state: summary.state,
                    protocol_type: summary.protocol_type,
                    protocol_data: summary.protocol,
                    members: summary
                        .members
                        .into_iter()
                        .map(|m| DescribedGroupMember {
                            member_id: m.member_id,
                            group_instance_id: m.group_instance_id,
                            client_id: m.client_id,
                            client_host: m.client_host,
                            member_metadata: m.metadata,
                            member_assignment: m.assignment,
                            ..DescribedGroupMember::default()
                        })
                        .collect(),
                    authorized_operations: if request.include_authorized_operations {
                        GROUP_OPERATIONS
                    } else {
                        i32::MIN
                    },
                    ..DescribedGroup::default()
                },
            },
        )
        .collect();
    respond(ResponseBody::DescribeGroups(DescribeGroupsResponse {
        groups,
        ..DescribeGroupsResponse::default()
    }))
}
