//! Topic deletion (Kafka's `TopicDeletionManager`, kafka-2.4.md §2.7): queued topics go
//! offline, brokers get UpdateMetadata with leader -2, then StopReplica(delete=false) and
//! StopReplica(delete=true) per replica; when every replica confirmed, the topic's znodes
//! (assignment, partition states, config, deletion request) are removed, fenced.

use std::collections::BTreeSet;

use gregor_protocol::{ErrorCode, StopReplicaResponse};
use gregor_zk::paths::{delete_topic_path, topic_config_path, topic_path, DELETE_TOPICS_PATH};
use gregor_zk::{TopicPartition, ZkError};
use log::info;

use super::{KafkaController, Outcome};
use crate::context::PartitionReplica;
use crate::election::ElectionStrategy;
use crate::error::ControllerError;
use crate::state::{PartitionState, ReplicaState};

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.TopicDeletionManager";

/// Strategy argument for transitions that elect nobody.
const NO_ELECTION: ElectionStrategy = ElectionStrategy::Offline {
    allow_unclean: false,
};

impl KafkaController {
    async fn delete_deletion_requests(&self, topics: &BTreeSet<String>) -> Outcome {
        for topic in topics {
            self.fenced()?
                .delete(&delete_topic_path(topic))
                .await
                .map_err(ZkError::from)?;
        }
        Ok(())
    }

    /// At failover: topics queued for deletion and those that cannot progress now.
    pub(super) async fn fetch_topic_deletions(
        &mut self,
    ) -> Result<(BTreeSet<String>, BTreeSet<String>), ControllerError> {
        let requested: BTreeSet<String> = self
            .zk
            .get_children(DELETE_TOPICS_PATH)
            .await?
            .into_iter()
            .collect();
        let (existing, missing): (BTreeSet<String>, BTreeSet<String>) = requested
            .into_iter()
            .partition(|topic| self.ctx.assignments.contains_key(topic));
        self.delete_deletion_requests(&missing).await?;
        if !self.config.delete_topic_enable {
            info!(target: LOG_TARGET,
                "[Controller id={}] Removing {existing:?} since delete topic is disabled",
                self.config.broker_id
            );
            self.delete_deletion_requests(&existing).await?;
            return Ok((BTreeSet::new(), BTreeSet::new()));
        }
        let ineligible = existing
            .iter()
            .filter(|topic| {
                let partitions = self.ctx.partitions_of(topic);
                self.ctx
                    .replicas_of(&partitions)
                    .iter()
                    .any(|r| !self.ctx.is_replica_online(r.replica, &r.partition))
            })
            .cloned()
            .collect();
        Ok((existing, ineligible))
    }

    pub(super) async fn process_topic_deletion(&mut self) -> Outcome {
        let requested: BTreeSet<String> = self
            .zk
            .get_children(DELETE_TOPICS_PATH)
            .await?
            .into_iter()
            .collect();
        let (existing, missing): (BTreeSet<String>, BTreeSet<String>) = requested
            .into_iter()
            .partition(|topic| self.ctx.assignments.contains_key(topic));
        if !missing.is_empty() {
            info!(target: LOG_TARGET,
                "[Controller id={}] Ignoring request to delete non-existing topics {missing:?}",
                self.config.broker_id
            );
            self.delete_deletion_requests(&missing).await?;
        }
        if !self.config.delete_topic_enable {
            info!(target: LOG_TARGET,
                "[Controller id={}] Removing {existing:?} since delete topic is disabled",
                self.config.broker_id
            );
            return self.delete_deletion_requests(&existing).await;
        }
        if existing.is_empty() {
            return Ok(());
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Starting topic deletion for topics {existing:?}",
            self.config.broker_id
        );
        self.ctx.topics_to_delete.extend(existing);
        self.resume_deletions().await
    }

    /// Kafka's `tryTopicDeletion` at failover.
    pub(super) async fn try_topic_deletion(&mut self) -> Outcome {
        if self.config.delete_topic_enable {
            self.resume_deletions().await?;
        }
        Ok(())
    }

    /// Makes `topics` eligible again (their brokers came back) and resumes.
    pub(super) async fn resume_deletion_for_topics(
        &mut self,
        topics: &BTreeSet<String>,
    ) -> Outcome {
        let queued: Vec<String> = topics
            .iter()
            .filter(|t| self.ctx.is_topic_queued_for_deletion(t))
            .cloned()
            .collect();
        if queued.is_empty() {
            return Ok(());
        }
        for topic in &queued {
            self.ctx.topics_ineligible_for_deletion.remove(topic);
        }
        self.resume_deletions().await
    }

    /// A replica's deletion failed or its broker died: ineligible until retried.
    pub(super) async fn fail_replica_deletion(&mut self, replicas: &[PartitionReplica]) -> Outcome {
        let queued: Vec<PartitionReplica> = replicas
            .iter()
            .filter(|r| self.ctx.is_topic_queued_for_deletion(&r.partition.topic))
            .cloned()
            .collect();
        if queued.is_empty() {
            return Ok(());
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Deletion failed for replicas {:?}",
            self.config.broker_id,
            queued
                .iter()
                .map(|r| format!(
                    "[{}-{},{}]",
                    r.partition.topic, r.partition.partition, r.replica
                ))
                .collect::<Vec<_>>()
        );
        self.handle_replica_state_changes(&queued, ReplicaState::DeletionIneligible)
            .await?;
        for replica in &queued {
            self.ctx
                .topics_ineligible_for_deletion
                .insert(replica.partition.topic.clone());
        }
        self.resume_deletions().await
    }

    async fn complete_replica_deletion(&mut self, replicas: &[PartitionReplica]) -> Outcome {
        self.handle_replica_state_changes(replicas, ReplicaState::DeletionSuccessful)
            .await?;
        self.resume_deletions().await
    }

    fn is_deletion_in_progress(&self, topic: &str) -> bool {
        !self
            .ctx
            .replicas_in_state(topic, ReplicaState::DeletionStarted)
            .is_empty()
    }

    /// Kafka's `resumeDeletions`: completes finished topics, retries ineligible replicas, and
    /// starts deletion of eligible topics.
    async fn resume_deletions(&mut self) -> Outcome {
        let queued: Vec<String> = self.ctx.topics_to_delete.iter().cloned().collect();
        let mut eligible = Vec::new();
        for topic in queued {
            let partitions = self.ctx.partitions_of(&topic);
            let replicas = self.ctx.replicas_of(&partitions);
            let all_deleted = !replicas.is_empty()
                && replicas
                    .iter()
                    .all(|r| self.ctx.replica_state(r) == ReplicaState::DeletionSuccessful);
            if all_deleted || replicas.is_empty() {
                self.complete_delete_topic(&topic).await?;
                continue;
            }
            if !self.is_deletion_in_progress(&topic) {
                let ineligible = self
                    .ctx
                    .replicas_in_state(&topic, ReplicaState::DeletionIneligible);
                if !ineligible.is_empty() {
                    info!(target: LOG_TARGET,
                        "[Controller id={}] Retrying deletion of topic {topic}",
                        self.config.broker_id
                    );
                    self.handle_replica_state_changes(&ineligible, ReplicaState::Offline)
                        .await?;
                }
            }
            if !self.is_deletion_in_progress(&topic)
                && !self.ctx.topics_ineligible_for_deletion.contains(&topic)
            {
                eligible.push(topic);
            }
        }
        if !eligible.is_empty() {
            self.on_topic_deletion(&eligible).await?;
        }
        Ok(())
    }

    /// Kafka's `onTopicDeletion` + `startReplicaDeletion`.
    async fn on_topic_deletion(&mut self, topics: &[String]) -> Outcome {
        info!(target: LOG_TARGET,
            "[Controller id={}] Topic deletion callback for {topics:?}",
            self.config.broker_id
        );
        let unseen: Vec<String> = topics
            .iter()
            .filter(|t| !self.ctx.topics_with_deletion_started.contains(*t))
            .cloned()
            .collect();
        let unseen_partitions: Vec<TopicPartition> = unseen
            .iter()
            .flat_map(|t| self.ctx.partitions_of(t))
            .collect();
        self.handle_partition_state_changes(
            &unseen_partitions,
            PartitionState::Offline,
            NO_ELECTION,
        )
        .await?;
        self.handle_partition_state_changes(
            &unseen_partitions,
            PartitionState::NonExistent,
            NO_ELECTION,
        )
        .await?;
        self.ctx.topics_with_deletion_started.extend(unseen);
        let all_partitions: Vec<TopicPartition> = topics
            .iter()
            .flat_map(|t| self.ctx.partitions_of(t))
            .collect();
        let everyone = self.ctx.live_or_shutting_down_ids();
        self.batch
            .add_update_metadata(&self.ctx, &everyone, &all_partitions);
        self.send_batch();
        for topic in topics {
            let partitions = self.ctx.partitions_of(topic);
            let replicas = self.ctx.replicas_of(&partitions);
            let (alive, dead): (Vec<_>, Vec<_>) = replicas
                .into_iter()
                .partition(|r| self.ctx.is_replica_online(r.replica, &r.partition));
            let retry: Vec<PartitionReplica> = alive
                .into_iter()
                .filter(|r| self.ctx.replica_state(r) != ReplicaState::DeletionSuccessful)
                .collect();
            self.handle_replica_state_changes(&dead, ReplicaState::DeletionIneligible)
                .await?;
            self.handle_replica_state_changes(&retry, ReplicaState::Offline)
                .await?;
            self.handle_replica_state_changes(&retry, ReplicaState::DeletionStarted)
                .await?;
            if !dead.is_empty() {
                info!(target: LOG_TARGET, "[Controller id={}] Halted deletion of topic {topic} since replicas are on dead brokers", self.config.broker_id);
                self.ctx
                    .topics_ineligible_for_deletion
                    .insert(topic.clone());
            }
        }
        Ok(())
    }

    /// Kafka's `completeDeleteTopic`: remove the znodes (fenced) and forget the topic.
    async fn complete_delete_topic(&mut self, topic: &str) -> Outcome {
        self.watches.unwatch(&topic_path(topic));
        let deleted = self
            .ctx
            .replicas_in_state(topic, ReplicaState::DeletionSuccessful);
        self.handle_replica_state_changes(&deleted, ReplicaState::NonExistent)
            .await?;
        self.ctx.topics_to_delete.remove(topic);
        self.ctx.topics_with_deletion_started.remove(topic);
        self.ctx.topics_ineligible_for_deletion.remove(topic);
        let fenced = self.fenced()?.clone();
        fenced
            .delete_recursive(&topic_path(topic))
            .await
            .map_err(ZkError::from)?;
        fenced
            .delete(&topic_config_path(topic))
            .await
            .map_err(ZkError::from)?;
        fenced
            .delete(&delete_topic_path(topic))
            .await
            .map_err(ZkError::from)?;
        self.ctx.remove_topic(topic);
        info!(target: LOG_TARGET,
            "[Controller id={}] Deletion of topic {topic} successfully completed",
            self.config.broker_id
        );
        Ok(())
    }

    /// A StopReplica(delete=true) answer: errors → ineligible, successes → DeletionSuccessful.
    pub(super) async fn process_deletion_response(
        &mut self,
        broker_id: i32,
        response: Option<StopReplicaResponse>,
        partitions: Vec<TopicPartition>,
    ) -> Outcome {
        let failed_partition = |partition: &TopicPartition| -> bool {
            let Some(response) = &response else {
                return true;
            };
            if response.error_code != ErrorCode::None {
                return true;
            }
            response.partition_errors.iter().any(|error| {
                error.topic_name == partition.topic
                    && error.partition_index == partition.partition
                    && error.error_code != ErrorCode::None
            })
        };
        let (failed, succeeded): (Vec<_>, Vec<_>) = partitions
            .into_iter()
            .map(|partition| PartitionReplica {
                partition,
                replica: broker_id,
            })
            .partition(|replica| failed_partition(&replica.partition));
        if !failed.is_empty() {
            self.fail_replica_deletion(&failed).await?;
        }
        if !succeeded.is_empty() {
            self.complete_replica_deletion(&succeeded).await?;
        }
        Ok(())
    }
}
