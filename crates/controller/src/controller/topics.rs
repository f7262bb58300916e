//! Topics and partitions (Kafka's `initializeControllerContext`, `processTopicChange`,
//! `processPartitionModifications`, `onNewPartitionCreation`,
//! `processIsrChangeNotification`).

use std::collections::{BTreeMap, BTreeSet};

use gregor_zk::paths::{topic_path, BROKER_TOPICS_PATH, ISR_CHANGE_NOTIFICATION_PATH};
use gregor_zk::{IsrChangeNotification, TopicAssignment, TopicPartition, ZkError};
use log::{error, info, warn};

use super::{KafkaController, Outcome};
use crate::election::ElectionStrategy;
use crate::error::ControllerError;
use crate::event::ControllerEvent;
use crate::state::{PartitionState, ReplicaState};
use crate::watches::WatchKind;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

impl KafkaController {
    /// Loads brokers, topics, assignments and partition states (with their watches).
    pub(super) async fn initialize_controller_context(&mut self) -> Outcome {
        let brokers = self.read_live_brokers().await?;
        for (id, live) in &brokers {
            self.add_broker_channel(*id, &live.info).await;
        }
        self.ctx.live_brokers = brokers;
        self.ctx.shutting_down.clear();
        for topic in self.zk.get_children(BROKER_TOPICS_PATH).await? {
            self.watch_topic(&topic).await;
            if let Some((assignment, _)) = self.read_topic_assignment(&topic).await? {
                self.ctx.assignments.insert(topic, assignment.partitions);
            }
        }
        for partition in self.ctx.all_partitions() {
            if let Some(leadership) = self.read_leadership(&partition).await? {
                self.ctx.leadership.insert(partition, leadership);
            }
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Initialized broker epochs cache: {:?}",
            self.config.broker_id,
            self.ctx
                .live_brokers
                .iter()
                .map(|(id, live)| (*id, live.epoch))
                .collect::<BTreeMap<_, _>>()
        );
        Ok(())
    }

    async fn watch_topic(&mut self, topic: &str) {
        self.watches
            .watch(
                &self.zk,
                topic_path(topic),
                WatchKind::Exists,
                &self.events,
                |path, _| {
                    let topic = path.rsplit('/').next()?.to_string();
                    Some(ControllerEvent::PartitionModifications(topic))
                },
            )
            .await;
    }

    /// `/brokers/topics/<t>` and its data version, if it exists and parses.
    pub(super) async fn read_topic_assignment(
        &self,
        topic: &str,
    ) -> Result<Option<(TopicAssignment, i32)>, ControllerError> {
        let Some((data, stat)) = self.zk.get_data(&topic_path(topic)).await? else {
            return Ok(None);
        };
        match TopicAssignment::decode(topic, &data) {
            Ok(assignment) => Ok(Some((assignment, stat.version))),
            Err(error) => {
                error!(target: LOG_TARGET, "Ignoring topic {topic} with an unreadable assignment: {error}");
                Ok(None)
            }
        }
    }

    pub(super) async fn process_topic_change(&mut self) -> Outcome {
        let topics: BTreeSet<String> = self
            .zk
            .get_children(BROKER_TOPICS_PATH)
            .await?
            .into_iter()
            .collect();
        let known: BTreeSet<String> = self.ctx.assignments.keys().cloned().collect();
        for deleted in known.difference(&topics) {
            self.watches.unwatch(&topic_path(deleted));
            self.ctx.remove_topic(deleted);
        }
        let mut added = Vec::new();
        for topic in topics.difference(&known) {
            self.watch_topic(topic).await;
            if let Some((assignment, _)) = self.read_topic_assignment(topic).await? {
                self.ctx
                    .assignments
                    .insert(topic.clone(), assignment.partitions);
                added.extend(self.ctx.partitions_of(topic));
            }
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] New topics: {:?}, deleted topics: {:?}",
            self.config.broker_id,
            topics.difference(&known).collect::<Vec<_>>(),
            known.difference(&topics).collect::<Vec<_>>()
        );
        self.on_new_partition_creation(&added).await
    }

    pub(super) async fn process_partition_modifications(&mut self, topic: &str) -> Outcome {
        let Some((assignment, version)) = self.read_topic_assignment(topic).await? else {
            return Ok(());
        };
        let Some(known) = self.ctx.assignments.get(topic) else {
            return Ok(());
        };
        let to_add: BTreeMap<i32, Vec<i32>> = assignment
            .partitions
            .iter()
            .filter(|(partition, _)| !known.contains_key(partition))
            .map(|(partition, replicas)| (*partition, replicas.clone()))
            .collect();
        if to_add.is_empty() {
            return Ok(());
        }
        if self.ctx.is_topic_queued_for_deletion(topic) {
            warn!(target: LOG_TARGET, "[Controller id={}] Skipping adding partitions {:?} for topic {topic} since it is currently being deleted; restoring its assignment",
                self.config.broker_id, to_add.keys().collect::<Vec<_>>());
            let restored = TopicAssignment::new(known.clone());
            self.fenced()?
                .set_data(&topic_path(topic), &restored.encode(), version)
                .await
                .map_err(ZkError::from)?;
            return Ok(());
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] New partitions to be added {to_add:?}",
            self.config.broker_id
        );
        let entry = self.ctx.assignments.entry(topic.to_string()).or_default();
        entry.extend(to_add.clone());
        let added: Vec<TopicPartition> = to_add
            .keys()
            .map(|&partition| TopicPartition {
                topic: topic.to_string(),
                partition,
            })
            .collect();
        self.on_new_partition_creation(&added).await
    }

    /// Kafka's `onNewPartitionCreation`: New, then Online with the first-leader rule.
    async fn on_new_partition_creation(&mut self, partitions: &[TopicPartition]) -> Outcome {
        if partitions.is_empty() {
            return Ok(());
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] New partition creation callback for {:?}",
            self.config.broker_id,
            partitions
                .iter()
                .map(|p| format!("{}-{}", p.topic, p.partition))
                .collect::<Vec<_>>()
        );
        let offline = ElectionStrategy::Offline {
            allow_unclean: false,
        };
        let replicas = self.ctx.replicas_of(partitions);
        self.handle_partition_state_changes(partitions, PartitionState::New, offline)
            .await?;
        self.handle_replica_state_changes(&replicas, ReplicaState::New)
            .await?;
        self.handle_partition_state_changes(partitions, PartitionState::Online, offline)
            .await?;
        self.handle_replica_state_changes(&replicas, ReplicaState::Online)
            .await
    }

    /// Leaders changed ISRs: refresh the cache, tell every broker, delete the notifications.
    pub(super) async fn process_isr_change_notification(&mut self) -> Outcome {
        let children = self.zk.get_children(ISR_CHANGE_NOTIFICATION_PATH).await?;
        if children.is_empty() {
            return Ok(());
        }
        let mut partitions = BTreeSet::new();
        for child in &children {
            let path = format!("{ISR_CHANGE_NOTIFICATION_PATH}/{child}");
            let Some((data, _)) = self.zk.get_data(&path).await? else {
                continue;
            };
            match IsrChangeNotification::decode(&path, &data) {
                Ok(notification) => partitions.extend(notification.partitions),
                Err(error) => {
                    warn!(target: LOG_TARGET, "Ignoring invalid ISR change notification {path}: {error}")
                }
            }
        }
        let result = self.refresh_and_announce(partitions).await;
        for child in &children {
            let path = format!("{ISR_CHANGE_NOTIFICATION_PATH}/{child}");
            self.fenced()?.delete(&path).await.map_err(ZkError::from)?;
        }
        result
    }

    async fn refresh_and_announce(&mut self, partitions: BTreeSet<TopicPartition>) -> Outcome {
        let mut known = Vec::new();
        for partition in partitions {
            if self.ctx.replicas(&partition).is_empty() {
                continue;
            }
            if let Some(leadership) = self.read_leadership(&partition).await? {
                self.ctx.leadership.insert(partition.clone(), leadership);
            }
            known.push(partition);
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Processing ISR change notifications for {} partitions",
            self.config.broker_id,
            known.len()
        );
        let everyone = self.ctx.live_or_shutting_down_ids();
        self.batch.add_update_metadata(&self.ctx, &everyone, &known);
        self.send_batch();
        Ok(())
    }
}
