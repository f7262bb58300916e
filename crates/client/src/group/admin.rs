//! The group APIs the tools and the consumer use outside the join protocol: OffsetCommit and
//! OffsetFetch (to the coordinator), DescribeGroups and DeleteGroups (to each group's
//! coordinator) and ListGroups (to every broker, as the Java admin client asks them all). Each
//! retries coordinator moves and loading until its timeout; other Kafka errors come back as
//! [`ClientError::Kafka`] or in the per-group results.

use std::collections::BTreeMap;

use gregor_protocol::{
    ApiKey, DeleteGroupsRequest, DescribeGroupsRequest, ErrorCode, ListGroupsRequest,
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
    OffsetFetchRequest, OffsetFetchRequestTopic,
};

use super::coordinator::coordinator_moved;
use super::protocol::{Assignment, CONSUMER_PROTOCOL_TYPE};
use crate::client::KafkaClient;
use crate::error::ClientError;
use crate::operations::Coordinator;

/// Offsets by (topic, partition).
pub type PartitionOffsets = BTreeMap<(String, i32), i64>;

/// A group member as DescribeGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDescription {
    /// Member id, e.g. `consumer-g-1-<uuid>`.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The member's `client.id`.
    pub client_id: String,
    /// Where it connects from, e.g. `/127.0.0.1`.
    pub client_host: String,
    /// Its partitions (empty outside Stable, or for groups that are not consumer groups).
    pub assignment: Assignment,
}

/// A group as DescribeGroups shows it, with the coordinator that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    /// Group id.
    pub group_id: String,
    /// `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Stable` or `Dead`.
    pub state: String,
    /// `consumer` for consumer groups, empty for offset-only groups.
    pub protocol_type: String,
    /// The chosen assignor (e.g. `range`); empty when none.
    pub protocol: String,
    /// Members in the coordinator's order.
    pub members: Vec<MemberDescription>,
    /// The coordinator.
    pub coordinator: Coordinator,
}

/// A group as ListGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    /// Group id.
    pub group_id: String,
    /// `consumer`, empty, or another protocol type.
    pub protocol_type: String,
}

impl KafkaClient {
    /// Commits `offsets` for `group` as member `member_id` of `generation_id` (-1 and "" for a
    /// standalone commit). The first partition error that is not a coordinator move comes back
    /// as [`ClientError::Kafka`] (e.g. ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS).
    pub async fn commit_offsets(
        &self,
        group: &str,
        generation_id: i32,
        member_id: &str,
        offsets: &PartitionOffsets,
        timeout_ms: u64,
    ) -> Result<(), ClientError> {
        let mut topics: BTreeMap<&str, Vec<OffsetCommitRequestPartition>> = BTreeMap::new();
        for ((topic, partition), offset) in offsets {
            topics
                .entry(topic)
                .or_default()
                .push(OffsetCommitRequestPartition {
                    partition_index: *partition,
                    committed_offset: *offset,
                    committed_metadata: Some(String::new()),
                    ..Default::default()
                });
        }
        let request = OffsetCommitRequest {
            group_id: group.to_string(),
            generation_id,
            member_id: member_id.to_string(),
            topics: topics
                .into_iter()
                .map(|(name, partitions)| OffsetCommitRequestTopic {
                    name: name.to_string(),
                    partitions,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        self.retry_group_request(timeout_ms, || async {
            let response = self
                .send_to_group_coordinator(group, request.clone(), None)
                .await?;
            let errors = response
                .topics
                .iter()
                .flat_map(|topic| &topic.partitions)
                .map(|partition| partition.error_code)
                .filter(|error| !error.is_ok());
            let worst = errors.fold(ErrorCode::None, |worst, error| {
                // A coordinator move wins: the whole commit is re-sent elsewhere.
                if worst.is_ok() || coordinator_moved(error) {
                    error
                } else {
                    worst
                }
            });
            self.check_group_error(group, ApiKey::OffsetCommit, worst)
        })
        .await
    }

    /// The committed offsets of `group`: of `partitions`, or of every partition the group has
    /// offsets for when `None`. Partitions without a committed offset (-1) are left out.
    pub async fn fetch_committed_offsets(
        &self,
        group: &str,
        partitions: Option<&[(String, i32)]>,
        timeout_ms: u64,
    ) -> Result<PartitionOffsets, ClientError> {
        let topics = partitions.map(|partitions| {
            let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
            for (topic, partition) in partitions {
                by_topic.entry(topic).or_default().push(*partition);
            }
            by_topic
                .into_iter()
                .map(|(name, partition_indexes)| OffsetFetchRequestTopic {
                    name: name.to_string(),
                    partition_indexes,
                    ..Default::default()
                })
                .collect()
        });
        let request = OffsetFetchRequest {
            group_id: group.to_string(),
            topics,
            ..Default::default()
        };
        self.retry_group_request(timeout_ms, || async {
            let response = self
                .send_to_group_coordinator(group, request.clone(), None)
                .await?;
            self.check_group_error(group, ApiKey::OffsetFetch, response.error_code)?;
            let mut offsets = PartitionOffsets::new();
            for topic in response.topics {
                for partition in topic.partitions {
                    let error = partition.error_code;
                    if error.is_ok() {
                        if partition.committed_offset >= 0 {
                            offsets.insert(
                                (topic.name.clone(), partition.partition_index),
                                partition.committed_offset,
                            );
                        }
                    } else if error.is_retriable() {
                        // Before v2 the group-level codes come per partition.
                        self.check_group_error(group, ApiKey::OffsetFetch, error)?;
                    } else {
                        log::warn!(
                            "[Client] skipping the offset of {}-{}: {}",
                            topic.name,
                            partition.partition_index,
                            error.name()
                        );
                    }
                }
            }
            Ok(offsets)
        })
        .await
    }

    /// Describes one group through its coordinator. A Dead (unknown) group comes back with
    /// state `Dead` and no members, as Kafka answers; a group-level error is an error.
    pub async fn describe_group(
        &self,
        group: &str,
        timeout_ms: u64,
    ) -> Result<GroupDescription, ClientError> {
        self.retry_group_request(timeout_ms, || async {
            let request = DescribeGroupsRequest {
                groups: vec![group.to_string()],
                ..Default::default()
            };
            let response = self.send_to_group_coordinator(group, request, None).await?;
            let coordinator = self.group_coordinator(group).await?;
            let described = response
                .groups
                .into_iter()
                .find(|described| described.group_id == group)
                .ok_or_else(|| ClientError::Protocol {
                    addr: String::new(),
                    reason: format!("DescribeGroups response has no result for {group}"),
                })?;
            self.check_group_error(group, ApiKey::DescribeGroups, described.error_code)?;
            let is_consumer_group = described.protocol_type.is_empty()
                || described.protocol_type == CONSUMER_PROTOCOL_TYPE;
            let mut members = Vec::new();
            for member in described.members {
                let assignment = if is_consumer_group {
                    Assignment::decode(&member.member_assignment).map_err(|error| {
                        ClientError::Protocol {
                            addr: String::new(),
                            reason: format!("assignment of {}: {error}", member.member_id),
                        }
                    })?
                } else {
                    Assignment::default()
                };
                members.push(MemberDescription {
                    member_id: member.member_id,
                    group_instance_id: member.group_instance_id,
                    client_id: member.client_id,
                    client_host: member.client_host,
                    assignment,
                });
            }
            Ok(GroupDescription {
                group_id: described.group_id,
                state: described.group_state,
                protocol_type: described.protocol_type,
                protocol: described.protocol_data,
                members,
                coordinator,
            })
        })
        .await
    }

    /// Every group of every live broker (ListGroups to each), in broker-id order.
    pub async fn list_groups(&self, timeout_ms: u64) -> Result<Vec<ListedGroup>, ClientError> {
        self.retry_group_request(timeout_ms, || self.refresh_metadata(&[]))
            .await?;
        let brokers: Vec<i32> = self.cluster().brokers.keys().copied().collect();
        let mut groups = Vec::new();
        for broker in brokers {
            let response = self
                .retry_group_request(timeout_ms, || async {
                    let response = self.send_to(broker, ListGroupsRequest::default()).await?;
                    if response.error_code.is_ok() {
                        Ok(response)
                    } else {
                        Err(ClientError::kafka(ApiKey::ListGroups, response.error_code))
                    }
                })
                .await?;
            groups.extend(response.groups.into_iter().map(|group| ListedGroup {
                group_id: group.group_id,
                protocol_type: group.protocol_type,
            }));
        }
        Ok(groups)
    }

    /// Deletes groups, each through its coordinator; one result per group, in the order given.
    pub async fn delete_groups(
        &self,
        groups: &[String],
        timeout_ms: u64,
    ) -> Result<Vec<(String, ErrorCode)>, ClientError> {
        let mut results = Vec::new();
        for group in groups {
            let error = self
                .retry_group_request(timeout_ms, || async {
                    let request = DeleteGroupsRequest {
                        groups_names: vec![group.clone()],
                        ..Default::default()
                    };
                    let response = self.send_to_group_coordinator(group, request, None).await?;
                    let error = response
                        .results
                        .iter()
                        .find(|result| &result.group_id == group)
                        .map_or(ErrorCode::UnknownServerError, |result| result.error_code);
                    match self.check_group_error(group, ApiKey::DeleteGroups, error) {
                        Err(failure) if failure.is_retriable() => Err(failure),
                        _ => Ok(error),
                    }
                })
                .await?;
            results.push((group.clone(), error));
        }
        Ok(results)
    }

    /// OffsetDelete (Kafka 2.4's `deleteConsumerGroupOffsets`) through the group's coordinator:
    /// the group-level error and one error per partition, in the order given.
    pub async fn delete_offsets(
        &self,
        group: &str,
        partitions: &[(String, i32)],
        timeout_ms: u64,
    ) -> Result<(ErrorCode, Vec<((String, i32), ErrorCode)>), ClientError> {
        self.retry_group_request(timeout_ms, || async {
            let mut topics: Vec<OffsetDeleteRequestTopic> = Vec::new();
            for (topic, partition) in partitions {
                let entry = match topics.iter_mut().position(|t| &t.name == topic) {
                    Some(at) => &mut topics[at],
                    None => {
                        topics.push(OffsetDeleteRequestTopic {
                            name: topic.clone(),
                            ..Default::default()
                        });
                        let last = topics.len() - 1;
                        &mut topics[last]
                    }
                };
                entry.partitions.push(OffsetDeleteRequestPartition {
                    partition_index: *partition,
                    ..Default::default()
                });
            }
            let request = OffsetDeleteRequest {
                group_id: group.to_string(),
                topics,
                ..Default::default()
            };
            let response = self.send_to_group_coordinator(group, request, None).await?;
            match self.check_group_error(group, ApiKey::OffsetDelete, response.error_code) {
                Err(failure) if failure.is_retriable() => return Err(failure),
                _ => {}
            }
            let errors = partitions
                .iter()
                .map(|(topic, partition)| {
                    let error = response
                        .topics
                        .iter()
                        .filter(|t| &t.name == topic)
                        .flat_map(|t| t.partitions.iter())
                        .find(|p| p.partition_index == *partition)
                        .map_or(response.error_code, |p| p.error_code);
                    ((topic.clone(), *partition), error)
                })
                .collect();
            Ok((response.error_code, errors))
        })
        .await
    }
}
