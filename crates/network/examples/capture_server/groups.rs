//! Group coordinator answers for single-member groups: JoinGroup (with Kafka 2.4.1's
//! MEMBER_ID_REQUIRED round for v4+), SyncGroup, LeaveGroup, offsets (nothing is ever
//! committed), ListGroups, DescribeGroups, DeleteGroups.

use gregor_protocol::*;

use crate::cluster::Cluster;

/// JoinGroup: v4+ members without an id first get MEMBER_ID_REQUIRED and a fresh id, as in
/// Kafka 2.4.1; a known member completes the join at once and the first member leads.
pub(crate) fn join_group(
    cluster: &Cluster,
    header: &RequestHeader,
    request: JoinGroupRequest,
) -> JoinGroupResponse {
    let mut state = cluster.state();
    let mut member_id = request.member_id;
    if member_id.is_empty() {
        state.next_member += 1;
        let client_id = header.client_id.as_deref().unwrap_or("");
        member_id = format!("{client_id}-golden-member-{}", state.next_member);
        if header.request_api_version >= 4 {
            return JoinGroupResponse {
                error_code: ErrorCode::MemberIdRequired,
                member_id,
                ..Default::default()
            };
        }
    }
    let (protocol_name, metadata) = request
        .protocols
        .into_iter()
        .next()
        .map(|protocol| (protocol.name, protocol.metadata))
        .unwrap_or_default();
    let group = state.groups.entry(request.group_id).or_default();
    group.generation_id += 1;
    group.protocol_type = request.protocol_type;
    group.protocol_name = protocol_name.clone();
    match group.members.iter_mut().find(|(id, _)| *id == member_id) {
        Some(member) => member.1 = metadata,
        None => group.members.push((member_id.clone(), metadata)),
    }
    if group.leader.is_empty() || !group.members.iter().any(|(id, _)| *id == group.leader) {
        group.leader = member_id.clone();
    }
    let members = if group.leader == member_id {
        group
            .members
            .iter()
            .map(|(id, metadata)| JoinGroupResponseMember {
                member_id: id.clone(),
                metadata: metadata.clone(),
                ..Default::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    JoinGroupResponse {
        generation_id: group.generation_id,
        protocol_name,
        leader: group.leader.clone(),
        member_id,
        members,
        ..Default::default()
    }
}

/// SyncGroup: stores the leader's assignments and hands each member its own.
pub(crate) fn sync_group(cluster: &Cluster, request: SyncGroupRequest) -> SyncGroupResponse {
    let mut state = cluster.state();
    let group = state.groups.entry(request.group_id).or_default();
    for assignment in request.assignments {
        group
            .assignments
            .insert(assignment.member_id, assignment.assignment);
    }
    SyncGroupResponse {
        assignment: group
            .assignments
            .get(&request.member_id)
            .cloned()
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// LeaveGroup: the member (v0–2) or members (v3+) leave; each gets a success entry.
pub(crate) fn leave_group(cluster: &Cluster, request: LeaveGroupRequest) -> LeaveGroupResponse {
    let mut state = cluster.state();
    let leaving: Vec<String> = std::iter::once(request.member_id)
        .chain(request.members.iter().map(|m| m.member_id.clone()))
        .collect();
    if let Some(group) = state.groups.get_mut(&request.group_id) {
        group.members.retain(|(id, _)| !leaving.contains(id));
    }
    let members = request
        .members
        .into_iter()
        .map(|member| MemberResponse {
            member_id: member.member_id,
            group_instance_id: member.group_instance_id,
            ..Default::default()
        })
        .collect();
    LeaveGroupResponse {
        members,
        ..Default::default()
    }
}

/// OffsetFetch: nothing was ever committed, so every asked partition reads -1.
pub(crate) fn offset_fetch(request: OffsetFetchRequest) -> OffsetFetchResponse {
    let topics = request
        .topics
        .unwrap_or_default()
        .into_iter()
        .map(|topic| OffsetFetchResponseTopic {
            name: topic.name,
            partitions: topic
                .partition_indexes
                .into_iter()
                .map(|partition_index| OffsetFetchResponsePartition {
                    partition_index,
                    committed_offset: -1,
                    metadata: Some(String::new()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    OffsetFetchResponse {
        topics,
        ..Default::default()
    }
}

/// OffsetCommit: every partition succeeds (nothing is stored).
pub(crate) fn offset_commit(request: OffsetCommitRequest) -> OffsetCommitResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|topic| OffsetCommitResponseTopic {
            name: topic.name,
            partitions: topic
                .partitions
                .into_iter()
                .map(|partition| OffsetCommitResponsePartition {
                    partition_index: partition.partition_index,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    OffsetCommitResponse {
        topics,
        ..Default::default()
    }
}

/// ListGroups: every group this run has seen.
pub(crate) fn list_groups(cluster: &Cluster) -> ListGroupsResponse {
    let state = cluster.state();
    let groups = state
        .groups
        .iter()
        .map(|(group_id, group)| ListedGroup {
            group_id: group_id.clone(),
            protocol_type: group.protocol_type.clone(),
            ..Default::default()
        })
        .collect();
    ListGroupsResponse {
        groups,
        ..Default::default()
    }
}

/// DescribeGroups: members are left out (admin clients parse their metadata as consumer
/// protocol bytes), so a known group reads Empty and an unknown one Dead, as in Kafka.
pub(crate) fn describe_groups(
    cluster: &Cluster,
    request: DescribeGroupsRequest,
) -> DescribeGroupsResponse {
    let state = cluster.state();
    let groups = request
        .groups
        .into_iter()
        .map(|group_id| {
            let known = state.groups.get(&group_id);
            DescribedGroup {
                group_state: if known.is_some() { "Empty" } else { "Dead" }.to_string(),
                protocol_type: known.map_or(String::new(), |g| g.protocol_type.clone()),
                group_id,
                ..Default::default()
            }
        })
        .collect();
    DescribeGroupsResponse {
        groups,
        ..Default::default()
    }
}

/// DeleteGroups: every group is deleted.
pub(crate) fn delete_groups(
    cluster: &Cluster,
    request: DeleteGroupsRequest,
) -> DeleteGroupsResponse {
    let mut state = cluster.state();
    let results = request
        .groups_names
        .into_iter()
        .map(|group_id| {
            state.groups.remove(&group_id);
            DeletableGroupResult {
                group_id,
                ..Default::default()
            }
        })
        .collect();
    DeleteGroupsResponse {
        results,
        ..Default::default()
    }
}
