//! DescribeGroups, ListGroups and DeleteGroups (Kafka's `handleDescribeGroup`,
//! `handleListGroups`, `handleDeleteGroups`).

use bytes::Bytes;
use gregor_protocol::ErrorCode;

use crate::coordinator::{
    now_ms, GroupCoordinator, GroupIdRule, KeyValue, Ownership, COORDINATOR_LOG,
};
use crate::group::GroupState;
use crate::records::RecordKey;

/// One member as DescribeGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSummary {
    /// Member id.
    pub member_id: String,
    /// Static membership id.
    pub group_instance_id: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client host.
    pub client_host: String,
    /// Metadata for the selected protocol (empty unless Stable).
    pub metadata: Bytes,
    /// Assignment (empty unless Stable).
    pub assignment: Bytes,
}

/// A group as DescribeGroups shows it (Kafka's `GroupSummary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// State name (`Dead` for unknown groups).
    pub state: String,
    /// Protocol type ("" if none).
    pub protocol_type: String,
    /// Selected protocol ("" unless Stable).
    pub protocol: String,
    /// Members.
    pub members: Vec<MemberSummary>,
}

impl GroupCoordinator {
    /// Kafka's `handleDescribeGroup`.
    pub fn describe_group(&self, group_id: &str) -> Result<GroupSummary, ErrorCode> {
        let state = self.inner.state.lock();
        self.inner
            .validate(&state, group_id, GroupIdRule::MayBeEmpty)?;
        let Some(group) = state.groups.get(group_id) else {
            return Ok(GroupSummary {
                state: GroupState::Dead.name().to_string(),
                protocol_type: String::new(),
                protocol: String::new(),
                members: Vec::new(),
            });
        };
        let stable = group.is(GroupState::Stable);
        let protocol = if stable {
            group.protocol.clone().unwrap_or_default()
        } else {
            String::new()
        };
        let members = group
            .join_order
            .iter()
            .filter_map(|id| group.members.get(id))
            .map(|m| MemberSummary {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                metadata: if stable {
                    m.metadata(&protocol)
                } else {
                    Bytes::new()
                },
                assignment: if stable {
                    m.assignment.clone()
                } else {
                    Bytes::new()
                },
            })
            .collect();
        Ok(GroupSummary {
            state: group.state.name().to_string(),
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocol,
            members,
        })
    }

    /// Kafka's `handleListGroups`: every group of the loaded partitions with its protocol
    /// type; COORDINATOR_LOAD_IN_PROGRESS while any partition is still loading.
    pub fn list_groups(&self) -> (ErrorCode, Vec<(String, String)>) {
        let state = self.inner.state.lock();
        let loading = state
            .owned
            .values()
            .any(|o| matches!(o, Ownership::Loading { .. }));
        let mut groups: Vec<(String, String)> = state
            .groups
            .values()
            .filter(|g| !g.is(GroupState::Dead))
            .map(|g| (g.id.clone(), g.protocol_type.clone().unwrap_or_default()))
            .collect();
        groups.sort();
        let error = if loading {
            ErrorCode::CoordinatorLoadInProgress
        } else {
            ErrorCode::None
        };
        (error, groups)
    }

    /// Kafka's `handleDeleteGroups`: Empty groups are removed with tombstones for the group and
    /// its offsets; groups with members get NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND.
    pub async fn delete_groups(&self, group_ids: &[String]) -> Vec<(String, ErrorCode)> {
        let mut results = Vec::with_capacity(group_ids.len());
        let mut writes = Vec::new();
        {
            let mut state = self.inner.state.lock();
            for id in group_ids {
                let error = match self.inner.validate(&state, id, GroupIdRule::MayBeEmpty) {
                    Err(error) => error,
                    Ok(partition) => match state.groups.get_mut(id) {
                        None => ErrorCode::GroupIdNotFound,
                        Some(group) if group.is(GroupState::Dead) => ErrorCode::GroupIdNotFound,
                        Some(group) if !group.is(GroupState::Empty) => ErrorCode::NonEmptyGroup,
                        Some(group) => {
                            group.transition_to(GroupState::Dead, now_ms());
                            let mut records: Vec<KeyValue> = group
                                .offsets
                                .keys()
                                .map(|(topic, p)| {
                                    let key = RecordKey::Offset {
                                        group: id.clone(),
                                        topic: topic.clone(),
                                        partition: *p,
                                    };
                                    (key, None)
                                })
                                .collect();
                            records.push((RecordKey::Group { group: id.clone() }, None));
                            state.groups.remove(id);
                            writes.push((partition, records));
                            ErrorCode::None
                        }
                    },
                };
                results.push((id.clone(), error));
            }
        }
        let mut deleted = 0usize;
        for (partition, records) in writes {
            deleted += 1;
            if let Err(error) = self.inner.append(partition, records).await {
                log::warn!(target: COORDINATOR_LOG, "{}Failed to write tombstones of a deleted group to partition {partition}: {error}", self.inner.prefix());
            }
        }
        if deleted > 0 {
            log::info!(target: COORDINATOR_LOG, "{}The following groups were deleted: {}", self.inner.prefix(), results.iter().filter(|(_, e)| *e == ErrorCode::None).map(|(g, _)| g.as_str()).collect::<Vec<_>>().join(", "));
        }
        results
    }
}
