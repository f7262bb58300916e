//! [`GroupMember`]: one consumer in a consumer group, following Kafka 2.4's
//! `AbstractCoordinator`/`ConsumerCoordinator` (eager protocol, `range` assignor):
//!
//! 1. JoinGroup with protocol type `consumer` and one protocol, `range`, whose metadata is the
//!    Subscription (§6.4). MEMBER_ID_REQUIRED: rejoin at once with the id the coordinator gave;
//!    UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION: forget the id and rejoin; REBALANCE_IN_PROGRESS:
//!    rejoin; coordinator moves and loading: look the coordinator up again after the backoff.
//! 2. The leader (the member whose id the response names as leader) computes the range
//!    assignment from its metadata and sends it in SyncGroup; the others send none.
//! 3. Once synced, a heartbeat task runs every `heartbeat.interval.ms`
//!    (see `heartbeat`); REBALANCE_IN_PROGRESS there asks the owner to rejoin.
//!
//! The owner drives it: `join` when `rejoin_needed`, `commit` with the current generation,
//! `subscribe` when its topics change (a pattern subscription), and `leave` (LeaveGroup) on close. Offsets and fetching stay with the owner.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gregor_protocol::{
    ApiKey, ErrorCode, JoinGroupRequest, JoinGroupRequestProtocol, JoinGroupResponseMember,
    LeaveGroupRequest, MemberIdentity, SyncGroupRequest, SyncGroupRequestAssignment,
};
use tokio::task::JoinHandle;

use super::admin::PartitionOffsets;
use super::assignor::{range_assign, MemberSubscription, RANGE_ASSIGNOR_NAME};
use super::heartbeat::{heartbeat_loop, MemberShared};
use super::protocol::{Assignment, Subscription, TopicPartitions, CONSUMER_PROTOCOL_TYPE};
use crate::client::KafkaClient;
use crate::error::ClientError;

/// Settings of a member, with the Java consumer's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberConfig {
    /// `group.id`.
    pub group_id: String,
    /// `session.timeout.ms` (10000): the coordinator drops a member silent for this long.
    pub session_timeout_ms: i32,
    /// `max.poll.interval.ms` (300000), sent as the rebalance timeout.
    pub rebalance_timeout_ms: i32,
    /// `heartbeat.interval.ms` (3000).
    pub heartbeat_interval_ms: u64,
    /// `default.api.timeout.ms` (60000): bound on commits and coordinator lookups.
    pub default_api_timeout_ms: u64,
}

impl MemberConfig {
    /// Defaults for `group_id`.
    pub fn new(group_id: &str) -> MemberConfig {
        MemberConfig {
            group_id: group_id.to_string(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 300_000,
            heartbeat_interval_ms: 3_000,
            default_api_timeout_ms: 60_000,
        }
    }
}

/// The member's place in the group: generation and member id (`-1` and `""` before a join).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Generation id of the last completed join, -1 if none.
    pub generation_id: i32,
    /// Member id the coordinator gave, "" if none.
    pub member_id: String,
}

impl Generation {
    /// No generation: what a member has before joining and after a reset.
    pub fn none() -> Generation {
        Generation {
            generation_id: -1,
            member_id: String::new(),
        }
    }
}

/// What one join attempt came to.
enum JoinOutcome {
    /// Synced: this member's partitions.
    Joined(TopicPartitions),
    /// Join again now (new member id, rebalance restarted, generation reset).
    Rejoin,
}

/// A consumer-group member subscribed to a list of topics (changed with `subscribe`).
pub struct GroupMember {
    /// The cluster client (shared with the owner's fetches).
    client: Arc<KafkaClient>,
    /// Settings.
    config: MemberConfig,
    /// Subscribed topics.
    topics: Vec<String>,
    /// Generation and the rejoin flag, shared with the heartbeat task.
    shared: Arc<MemberShared>,
    /// The heartbeat task while the member is synced.
    heartbeat: Option<JoinHandle<()>>,
}

impl GroupMember {
    /// A member that has not joined yet (`rejoin_needed` is true).
    pub fn new(client: Arc<KafkaClient>, config: MemberConfig, topics: Vec<String>) -> Self {
        GroupMember {
            client,
            config,
            topics,
            shared: Arc::new(MemberShared::new()),
            heartbeat: None,
        }
    }

    /// The subscribed topics.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Changes the subscription (the Java consumer's pattern subscription after a metadata
    /// update); a different list asks for a rejoin, so the group reassigns with it.
    pub fn subscribe(&mut self, topics: Vec<String>) {
        if topics != self.topics {
            self.topics = topics;
            self.shared.request_rejoin();
        }
    }

    /// The group id.
    pub fn group_id(&self) -> &str {
        &self.config.group_id
    }

    /// True before the first join and whenever the group is rebalancing or forgot us.
    pub fn rejoin_needed(&self) -> bool {
        self.shared.rejoin_needed()
    }

    /// The current generation and member id.
    pub fn generation(&self) -> Generation {
        self.shared.generation()
    }

    /// Joins (or rejoins) and syncs; returns this member's partitions. Retries until it
    /// succeeds or fails for good; bound it with a timeout if needed.
    pub async fn join(&mut self) -> Result<TopicPartitions, ClientError> {
        self.stop_heartbeat();
        let backoff = Duration::from_millis(self.client.config().retry_backoff_ms);
        loop {
            match self.join_once().await {
                Ok(JoinOutcome::Joined(partitions)) => {
                    self.shared.joined();
                    self.start_heartbeat();
                    return Ok(partitions);
                }
                Ok(JoinOutcome::Rejoin) => {}
                Err(error) if error.is_retriable() => {
                    log::debug!(
                        "[Consumer groupId={}] join retried: {error}",
                        self.group_id()
                    );
                    tokio::time::sleep(backoff).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One JoinGroup + SyncGroup round.
    async fn join_once(&mut self) -> Result<JoinOutcome, ClientError> {
        let group = self.config.group_id.clone();
        let request = JoinGroupRequest {
            group_id: group.clone(),
            session_timeout_ms: self.config.session_timeout_ms,
            rebalance_timeout_ms: self.config.rebalance_timeout_ms,
            member_id: self.generation().member_id,
            group_instance_id: None,
            protocol_type: CONSUMER_PROTOCOL_TYPE.to_string(),
            protocols: vec![JoinGroupRequestProtocol {
                name: RANGE_ASSIGNOR_NAME.to_string(),
                metadata: Subscription {
                    topics: self.topics.clone(),
                    ..Default::default()
                }
                .encode(),
                ..Default::default()
            }],
            ..Default::default()
        };
        // The coordinator parks a JoinGroup until the rebalance completes (Java: rebalance
        // timeout + 5 s).
        let join_timeout_ms = u64::try_from(self.config.rebalance_timeout_ms).unwrap_or(0) + 5_000;
        let response = self
            .client
            .send_to_group_coordinator(&group, request, Some(join_timeout_ms))
            .await?;
        match response.error_code {
            ErrorCode::None => {}
            ErrorCode::MemberIdRequired => {
                self.shared.set_generation(Generation {
                    generation_id: -1,
                    member_id: response.member_id,
                });
                return Ok(JoinOutcome::Rejoin);
            }
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                self.shared.set_generation(Generation::none());
                return Ok(JoinOutcome::Rejoin);
            }
            ErrorCode::RebalanceInProgress => return Ok(JoinOutcome::Rejoin),
            error => {
                self.client
                    .check_group_error(&group, ApiKey::JoinGroup, error)?;
            }
        }
        let generation = Generation {
            generation_id: response.generation_id,
            member_id: response.member_id.clone(),
        };
        self.shared.set_generation(generation.clone());
        let assignments = if response.leader == response.member_id {
            self.leader_assignments(&response.members).await?
        } else {
            Vec::new()
        };
        log::debug!(
            "[Consumer groupId={group}] joined generation {} as {} (leader {})",
            generation.generation_id,
            generation.member_id,
            response.leader
        );
        self.sync(generation, assignments).await
    }

    /// SyncGroup: sends the leader's assignments (or none) and reads this member's.
    async fn sync(
        &mut self,
        generation: Generation,
        assignments: Vec<SyncGroupRequestAssignment>,
    ) -> Result<JoinOutcome, ClientError> {
        let group = self.config.group_id.clone();
        let request = SyncGroupRequest {
            group_id: group.clone(),
            generation_id: generation.generation_id,
            member_id: generation.member_id,
            group_instance_id: None,
            assignments,
            ..Default::default()
        };
        let response = self
            .client
            .send_to_group_coordinator(&group, request, None)
            .await?;
        match response.error_code {
            ErrorCode::None => {
                let assignment = Assignment::decode(&response.assignment).map_err(|error| {
                    ClientError::Protocol {
                        addr: String::new(),
                        reason: format!("SyncGroup assignment: {error}"),
                    }
                })?;
                Ok(JoinOutcome::Joined(assignment.partitions))
            }
            ErrorCode::RebalanceInProgress => Ok(JoinOutcome::Rejoin),
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                self.shared.set_generation(Generation::none());
                Ok(JoinOutcome::Rejoin)
            }
            error => {
                self.client
                    .check_group_error(&group, ApiKey::SyncGroup, error)?;
                Ok(JoinOutcome::Rejoin)
            }
        }
    }

    /// The leader's work: decode every member's subscription, learn the partition counts of
    /// all subscribed topics, run the range assignor, encode one assignment per member.
    async fn leader_assignments(
        &self,
        members: &[JoinGroupResponseMember],
    ) -> Result<Vec<SyncGroupRequestAssignment>, ClientError> {
        let mut subscriptions = Vec::new();
        for member in members {
            let subscription =
                Subscription::decode(&member.metadata).map_err(|error| ClientError::Protocol {
                    addr: String::new(),
                    reason: format!("subscription of {}: {error}", member.member_id),
                })?;
            subscriptions.push(MemberSubscription {
                member_id: member.member_id.clone(),
                group_instance_id: member.group_instance_id.clone(),
                topics: subscription.topics,
            });
        }
        let mut topics: Vec<String> = subscriptions
            .iter()
            .flat_map(|s| s.topics.iter().cloned())
            .collect();
        topics.sort();
        topics.dedup();
        self.client.metadata(Some(&topics), false).await?;
        let cluster = self.client.cluster();
        let counts: BTreeMap<String, i32> = topics
            .iter()
            .filter_map(|topic| {
                let info = cluster.topics.get(topic)?;
                let count = i32::try_from(info.partitions.len()).ok()?;
                info.error_code.is_ok().then_some((topic.clone(), count))
            })
            .collect();
        Ok(range_assign(&counts, &subscriptions)
            .into_iter()
            .map(|(member_id, partitions)| SyncGroupRequestAssignment {
                member_id,
                assignment: Assignment {
                    partitions,
                    user_data: None,
                }
                .encode(),
                ..Default::default()
            })
            .collect())
    }

    /// Commits `offsets` with the current generation. REBALANCE_IN_PROGRESS asks for a rejoin;
    /// ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID also forget the generation (Java's
    /// `CommitFailedException` cases).
    pub async fn commit(&self, offsets: &PartitionOffsets) -> Result<(), ClientError> {
        let generation = self.generation();
        let result = self
            .client
            .commit_offsets(
                &self.config.group_id,
                generation.generation_id,
                &generation.member_id,
                offsets,
                self.config.default_api_timeout_ms,
            )
            .await;
        match result.as_ref().err().and_then(ClientError::error_code) {
            Some(ErrorCode::RebalanceInProgress) => self.shared.request_rejoin(),
            Some(ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId) => {
                self.shared.set_generation(Generation::none());
                self.shared.request_rejoin();
            }
            _ => {}
        }
        result
    }

    /// Stops heartbeating and sends LeaveGroup (once, as the Java consumer does on close) if
    /// the member has an id; the generation is forgotten either way.
    pub async fn leave(&mut self) -> Result<(), ClientError> {
        self.stop_heartbeat();
        let generation = self.generation();
        self.shared.set_generation(Generation::none());
        self.shared.request_rejoin();
        if generation.member_id.is_empty() {
            return Ok(());
        }
        let group = self.config.group_id.clone();
        let request = LeaveGroupRequest {
            group_id: group.clone(),
            member_id: generation.member_id.clone(),
            members: vec![MemberIdentity {
                member_id: generation.member_id,
                group_instance_id: None,
                ..Default::default()
            }],
            ..Default::default()
        };
        let response = self
            .client
            .send_to_group_coordinator(&group, request, None)
            .await?;
        self.client
            .check_group_error(&group, ApiKey::LeaveGroup, response.error_code)
    }

    fn start_heartbeat(&mut self) {
        self.stop_heartbeat();
        let task = heartbeat_loop(
            Arc::clone(&self.client),
            self.config.clone(),
            Arc::clone(&self.shared),
        );
        self.heartbeat = Some(tokio::spawn(task));
    }

    fn stop_heartbeat(&mut self) {
        if let Some(task) = self.heartbeat.take() {
            task.abort();
        }
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}
