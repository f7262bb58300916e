//! Broker membership (Kafka's `processBrokerChange`, `onBrokerStartup`, `onBrokerFailure`,
//! `processBrokerModification`), controlled shutdown and the automatic preferred-leader
//! rebalance.

use std::collections::{BTreeMap, BTreeSet};

use gregor_protocol::{ErrorCode, LeaderAndIsrPartitionError, LeaderAndIsrResponse};
use gregor_zk::paths::broker_id_path;
use gregor_zk::{BrokerInfo, TopicPartition};
use log::{error, info, warn};

use super::{KafkaController, Outcome};
use crate::context::{LiveBroker, PartitionReplica};
use crate::election::ElectionStrategy;
use crate::error::ControllerError;
use crate::event::ControllerEvent;
use crate::state::{PartitionState, ReplicaState};
use crate::watches::WatchKind;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

impl KafkaController {
    /// Reads every registration under `/brokers/ids`.
    pub(super) async fn read_live_brokers(
        &self,
    ) -> Result<BTreeMap<i32, LiveBroker>, ControllerError> {
        let mut brokers = BTreeMap::new();
        for id in self.zk.get_sorted_broker_list().await? {
            match self.zk.get_broker(id).await {
                Ok(Some((info, epoch))) => {
                    brokers.insert(id, LiveBroker { info, epoch });
                }
                Ok(None) => {}
                Err(error) => {
                    warn!(target: LOG_TARGET, "Ignoring broker {id} with an unreadable registration: {error}")
                }
            }
        }
        Ok(brokers)
    }

    /// Starts a channel to `broker` and watches its registration data.
    pub(super) async fn add_broker_channel(&mut self, id: i32, info: &BrokerInfo) {
        let listener = &self.config.inter_broker_listener_name;
        match info
            .endpoints
            .iter()
            .find(|endpoint| &endpoint.listener_name == listener)
        {
            Some(endpoint) => self
                .channel
                .add_broker(id, endpoint.host.clone(), endpoint.port),
            None => warn!(target: LOG_TARGET,
                "Broker {id} has no endpoint for listener {listener}; cannot send it requests"
            ),
        }
        self.watches
            .watch(
                &self.zk,
                broker_id_path(id),
                WatchKind::Exists,
                &self.events,
                |path, _| {
                    let id = path.rsplit('/').next()?.parse().ok()?;
                    Some(ControllerEvent::BrokerModification(id))
                },
            )
            .await;
    }

    pub(super) async fn process_broker_change(&mut self) -> Outcome {
        let current = self.read_live_brokers().await?;
        let mut new = Vec::new();
        let mut bounced = Vec::new();
        for (id, broker) in &current {
            match self.ctx.live_brokers.get(id) {
                None => new.push((*id, broker.clone())),
                // Same id, newer registration: it restarted between two watch events.
                Some(known) if broker.epoch > known.epoch => bounced.push((*id, broker.clone())),
                Some(_) => {}
            }
        }
        let dead: Vec<i32> = self
            .ctx
            .live_brokers
            .keys()
            .copied()
            .filter(|id| !current.contains_key(id))
            .collect();
        let new_ids: Vec<i32> = new.iter().map(|(id, _)| *id).collect();
        let bounced_ids: Vec<i32> = bounced.iter().map(|(id, _)| *id).collect();
        info!(target: LOG_TARGET, "[Controller id={}] Newly added brokers: {new_ids:?}, deleted brokers: {dead:?}, bounced brokers: {bounced_ids:?}, all live brokers: {:?}",
            self.config.broker_id, current.keys().collect::<Vec<_>>());
        for id in bounced_ids.iter().chain(&dead) {
            self.channel.remove_broker(*id);
        }
        for (id, broker) in new.iter().chain(&bounced) {
            self.add_broker_channel(*id, &broker.info).await;
        }
        if !new.is_empty() {
            self.ctx.live_brokers.extend(new);
            self.on_broker_startup(&new_ids).await?;
        }
        if !bounced.is_empty() {
            for id in &bounced_ids {
                self.ctx.live_brokers.remove(id);
            }
            self.on_broker_failure(&bounced_ids).await?;
            self.ctx.live_brokers.extend(bounced);
            self.on_broker_startup(&bounced_ids).await?;
        }
        if !dead.is_empty() {
            for id in &dead {
                self.ctx.live_brokers.remove(id);
                self.watches.unwatch(&broker_id_path(*id));
            }
            self.on_broker_failure(&dead).await?;
        }
        Ok(())
    }

    /// Kafka's `onBrokerStartup` (kafka-2.4.md §2.4).
    async fn on_broker_startup(&mut self, new: &[i32]) -> Outcome {
        for id in new {
            self.ctx.replicas_on_offline_dirs.remove(id);
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] New broker startup callback for {new:?}",
            self.config.broker_id
        );
        let new_set: BTreeSet<i32> = new.iter().copied().collect();
        let existing: BTreeSet<i32> = self
            .ctx
            .live_or_shutting_down_ids()
            .difference(&new_set)
            .copied()
            .collect();
        self.batch.add_update_metadata(&self.ctx, &existing, &[]);
        self.send_batch();
        let mut with_leaders: Vec<TopicPartition> = self.ctx.leadership.keys().cloned().collect();
        with_leaders.sort();
        self.batch
            .add_update_metadata(&self.ctx, &new_set, &with_leaders);
        self.send_batch();
        let replicas = self.ctx.replicas_on_brokers(&new_set);
        self.handle_replica_state_changes(&replicas, ReplicaState::Online)
            .await?;
        self.trigger_online_partition_state_change().await?;
        let deleting: BTreeSet<String> = replicas
            .iter()
            .map(|replica| replica.partition.topic.clone())
            .filter(|topic| self.ctx.is_topic_queued_for_deletion(topic))
            .collect();
        if !deleting.is_empty() {
            self.resume_deletion_for_topics(&deleting).await?;
        }
        Ok(())
    }

    /// Kafka's `onBrokerFailure` / `onReplicasBecomeOffline` (kafka-2.4.md §2.4).
    async fn on_broker_failure(&mut self, dead: &[i32]) -> Outcome {
        info!(target: LOG_TARGET,
            "[Controller id={}] Broker failure callback for {dead:?}",
            self.config.broker_id
        );
        let dead_set: BTreeSet<i32> = dead.iter().copied().collect();
        for id in dead {
            self.ctx.shutting_down.remove(id);
            self.ctx.replicas_on_offline_dirs.remove(id);
        }
        let replicas = self.ctx.replicas_on_brokers(&dead_set);
        self.on_replicas_become_offline(replicas).await
    }

    /// Kafka's `onReplicasBecomeOffline`: elect new leaders where the leader is gone, take the
    /// replicas offline (ISR shrink), and fail deletions that needed them.
    pub(super) async fn on_replicas_become_offline(
        &mut self,
        replicas: Vec<PartitionReplica>,
    ) -> Outcome {
        let (for_deletion, not_for_deletion): (Vec<_>, Vec<_>) =
            replicas.into_iter().partition(|replica| {
                self.ctx
                    .is_topic_queued_for_deletion(&replica.partition.topic)
            });
        let mut without_leader: Vec<TopicPartition> = self
            .ctx
            .leadership
            .iter()
            .filter(|(partition, leadership)| {
                !self
                    .ctx
                    .is_replica_online(leadership.state.leader, partition)
                    && !self.ctx.is_topic_queued_for_deletion(&partition.topic)
            })
            .map(|(partition, _)| partition.clone())
            .collect();
        without_leader.sort();
        let offline = ElectionStrategy::Offline {
            allow_unclean: false,
        };
        self.handle_partition_state_changes(&without_leader, PartitionState::Offline, offline)
            .await?;
        self.trigger_online_partition_state_change().await?;
        self.handle_replica_state_changes(&not_for_deletion, ReplicaState::Offline)
            .await?;
        if !for_deletion.is_empty() {
            self.fail_replica_deletion(&for_deletion).await?;
        }
        if without_leader.is_empty() {
            let everyone = self.ctx.live_or_shutting_down_ids();
            self.batch.add_update_metadata(&self.ctx, &everyone, &[]);
            self.send_batch();
        }
        Ok(())
    }

    /// A registration's data changed: new endpoints reach everyone by UpdateMetadata.
    pub(super) async fn process_broker_modification(&mut self, id: i32) -> Outcome {
        let Some((info, epoch)) = self.zk.get_broker(id).await? else {
            return Ok(());
        };
        let Some(known) = self.ctx.live_brokers.get(&id) else {
            return Ok(());
        };
        if known.info.endpoints == info.endpoints && known.info.rack == info.rack {
            return Ok(());
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Updated broker {id} endpoints: {:?}",
            self.config.broker_id, info.endpoints
        );
        self.ctx.live_brokers.insert(id, LiveBroker { info, epoch });
        let everyone = self.ctx.live_or_shutting_down_ids();
        self.batch.add_update_metadata(&self.ctx, &everyone, &[]);
        self.send_batch();
        Ok(())
    }

    /// Kafka's `LeaderAndIsrResponseReceived`: replicas answered with KAFKA_STORAGE_ERROR are
    /// on a failed log dir and go offline (new leaders, ISR shrink); answered-OK ones are back.
    pub(super) async fn process_leader_and_isr_response(
        &mut self,
        broker_id: i32,
        response: LeaderAndIsrResponse,
    ) -> Outcome {
        if response.error_code != ErrorCode::None {
            error!(target: LOG_TARGET, "Received error {:?} in LeaderAndIsr response from broker {broker_id}", response.error_code);
            return Ok(());
        }
        let partition_of = |error: &LeaderAndIsrPartitionError| TopicPartition {
            topic: error.topic_name.clone(),
            partition: error.partition_index,
        };
        let previous = self
            .ctx
            .replicas_on_offline_dirs
            .get(&broker_id)
            .cloned()
            .unwrap_or_default();
        let mut current = previous.clone();
        for error in &response.partition_errors {
            match error.error_code {
                ErrorCode::None => {
                    current.remove(&partition_of(error));
                }
                ErrorCode::KafkaStorageError => {
                    current.insert(partition_of(error));
                }
                _ => {}
            }
        }
        let new_offline: Vec<PartitionReplica> = current
            .difference(&previous)
            .map(|partition| PartitionReplica {
                partition: partition.clone(),
                replica: broker_id,
            })
            .collect();
        self.ctx.replicas_on_offline_dirs.insert(broker_id, current);
        if new_offline.is_empty() {
            return Ok(());
        }
        info!(target: LOG_TARGET, "[Controller id={}] Mark replicas {:?} on broker {broker_id} as offline",
            self.config.broker_id, new_offline.iter().map(|r| format!("{}-{}", r.partition.topic, r.partition.partition)).collect::<Vec<_>>());
        self.on_replicas_become_offline(new_offline).await
    }
}
