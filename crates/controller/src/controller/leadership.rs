//! Moving leadership on request: controlled shutdown of a broker (Kafka's
//! `doControlledShutdown`) and the periodic preferred-leader rebalance
//! (`checkAndTriggerAutoLeaderRebalance`).

use std::collections::BTreeMap;

use gregor_zk::TopicPartition;
use log::info;

use super::{KafkaController, Outcome};
use crate::election::ElectionStrategy;
use crate::error::ControllerError;
use crate::state::{PartitionState, ReplicaState};

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

impl KafkaController {
    /// Kafka's `doControlledShutdown`: returns the replicated partitions `broker_id` still leads.
    pub(super) async fn controlled_shutdown(
        &mut self,
        broker_id: i32,
        broker_epoch: i64,
    ) -> Result<Vec<TopicPartition>, ControllerError> {
        if !self.is_active() {
            return Err(ControllerError::ControllerMoved);
        }
        info!(target: LOG_TARGET,
            "[Controller id={}] Shutting down broker {broker_id}",
            self.config.broker_id
        );
        let Some(live) = self.ctx.live_brokers.get(&broker_id) else {
            return Err(ControllerError::BrokerNotAvailable(broker_id));
        };
        if broker_epoch != -1 && broker_epoch < live.epoch {
            return Err(ControllerError::StaleBrokerEpoch {
                broker_id,
                request_epoch: broker_epoch,
                current_epoch: live.epoch,
            });
        }
        self.ctx.shutting_down.insert(broker_id);
        let acted_on: Vec<TopicPartition> = self
            .ctx
            .partitions_on_broker(broker_id)
            .into_iter()
            .filter(|partition| {
                self.ctx.replicas(partition).len() > 1
                    && self.ctx.leadership.contains_key(partition)
                    && !self.ctx.is_topic_queued_for_deletion(&partition.topic)
            })
            .collect();
        let (led, followed): (Vec<_>, Vec<_>) = acted_on.into_iter().partition(|partition| {
            self.ctx
                .leadership
                .get(partition)
                .is_some_and(|l| l.state.leader == broker_id)
        });
        self.handle_partition_state_changes(
            &led,
            PartitionState::Online,
            ElectionStrategy::ControlledShutdown,
        )
        .await?;
        for partition in &followed {
            self.batch.add_stop_replica(&[broker_id], partition, false);
        }
        self.send_batch();
        let followers: Vec<_> = followed
            .into_iter()
            .map(|partition| crate::context::PartitionReplica {
                partition,
                replica: broker_id,
            })
            .collect();
        self.handle_replica_state_changes(&followers, ReplicaState::Offline)
            .await?;
        let mut remaining: Vec<TopicPartition> = self
            .ctx
            .leadership
            .iter()
            .filter(|(partition, leadership)| {
                leadership.state.leader == broker_id && self.ctx.replicas(partition).len() > 1
            })
            .map(|(partition, _)| partition.clone())
            .collect();
        remaining.sort();
        Ok(remaining)
    }

    /// Kafka's `checkAndTriggerAutoLeaderRebalance`.
    pub(super) async fn check_and_trigger_auto_leader_rebalance(&mut self) -> Outcome {
        let mut by_preferred: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        for partition in self.ctx.all_partitions() {
            if self.ctx.is_topic_queued_for_deletion(&partition.topic) {
                continue;
            }
            if let Some(&preferred) = self.ctx.replicas(&partition).first() {
                by_preferred.entry(preferred).or_default().push(partition);
            }
        }
        let threshold = f64::from(self.config.leader_imbalance_per_broker_percentage) / 100.0;
        for (broker, partitions) in by_preferred {
            let not_led: Vec<TopicPartition> = partitions
                .iter()
                .filter(|partition| {
                    self.ctx
                        .leadership
                        .get(*partition)
                        .is_some_and(|l| l.state.leader != broker)
                })
                .cloned()
                .collect();
            let ratio = not_led.len() as f64 / partitions.len() as f64;
            if ratio <= threshold {
                continue;
            }
            let candidates: Vec<TopicPartition> = not_led
                .into_iter()
                .filter(|partition| {
                    self.ctx.is_replica_online(broker, partition)
                        && self
                            .ctx
                            .leadership
                            .get(partition)
                            .is_some_and(|l| l.state.isr.contains(&broker))
                })
                .collect();
            if candidates.is_empty() {
                continue;
            }
            info!(target: LOG_TARGET, "[Controller id={}] Starting preferred replica leader election for partitions {candidates:?}", self.config.broker_id);
            self.handle_partition_state_changes(
                &candidates,
                PartitionState::Online,
                ElectionStrategy::Preferred,
            )
            .await?;
        }
        Ok(())
    }
}
