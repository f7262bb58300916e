//! The replica state machine (Kafka's `ZkReplicaStateMachine`): transitions checked against
//! [`ReplicaState`]'s table. Online sends the replica its partition's LeaderAndIsr; Offline
//! sends StopReplica(delete=false) and removes the replica from the ISR in ZooKeeper (leader
//! -1 if it led, never an empty ISR); DeletionStarted sends StopReplica(delete=true).

use std::collections::BTreeMap;

use gregor_zk::zookeeper_client as zk;
use gregor_zk::{LeaderIsrAndControllerEpoch, TopicPartition};
use log::{error, warn};

use super::{KafkaController, Outcome};
use crate::context::{Leadership, PartitionReplica};
use crate::error::ControllerError;
use crate::fenced::FencedError;
use crate::state::ReplicaState;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.ZkReplicaStateMachine";

/// Bound on conditional-update retries of one ISR removal.
const MAX_ISR_UPDATE_ATTEMPTS: usize = 10;

impl KafkaController {
    /// Moves `replicas` to `target`, then sends the requests this produced.
    pub(super) async fn handle_replica_state_changes(
        &mut self,
        replicas: &[PartitionReplica],
        target: ReplicaState,
    ) -> Outcome {
        if replicas.is_empty() {
            return Ok(());
        }
        let result = self.do_replica_state_changes(replicas, target).await;
        self.send_batch();
        result
    }

    async fn do_replica_state_changes(
        &mut self,
        replicas: &[PartitionReplica],
        target: ReplicaState,
    ) -> Outcome {
        let mut valid = Vec::new();
        for replica in replicas {
            let current = self.ctx.replica_state(replica);
            match target.check_transition(current) {
                Ok(()) => valid.push((replica.clone(), current)),
                Err(invalid) => error!(target: LOG_TARGET,
                    "Controller {} epoch {} failed to change state of replica {} for partition {}-{} {invalid}",
                    self.config.broker_id, self.ctx.epoch, replica.replica, replica.partition.topic, replica.partition.partition
                ),
            }
        }
        match target {
            ReplicaState::New | ReplicaState::Online => {
                for (replica, current) in &valid {
                    let leadership = self.ctx.leadership.get(&replica.partition).cloned();
                    let Some(leadership) = leadership else {
                        continue;
                    };
                    if target == ReplicaState::New && leadership.state.leader == replica.replica {
                        error!(target: LOG_TARGET, "Replica {} for partition {}-{} cannot be moved to NewReplica state as it is being requested to become leader",
                            replica.replica, replica.partition.topic, replica.partition.partition);
                        continue;
                    }
                    if target == ReplicaState::Online && *current == ReplicaState::New {
                        continue;
                    }
                    self.batch.add_leader_and_isr(
                        &self.ctx,
                        &[replica.replica],
                        &replica.partition,
                        &leadership,
                        false,
                    );
                }
            }
            ReplicaState::Offline => self.take_replicas_offline(&valid).await?,
            ReplicaState::DeletionStarted => {
                for (replica, _) in &valid {
                    self.batch
                        .add_stop_replica(&[replica.replica], &replica.partition, true);
                }
            }
            ReplicaState::DeletionIneligible | ReplicaState::DeletionSuccessful => {}
            ReplicaState::NonExistent => {
                for (replica, _) in &valid {
                    self.ctx.replica_states.remove(replica);
                }
                return Ok(());
            }
        }
        for (replica, _) in valid {
            self.ctx.replica_states.insert(replica, target);
        }
        Ok(())
    }

    async fn take_replicas_offline(
        &mut self,
        replicas: &[(PartitionReplica, ReplicaState)],
    ) -> Outcome {
        let mut by_broker: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        for (replica, _) in replicas {
            self.batch
                .add_stop_replica(&[replica.replica], &replica.partition, false);
            by_broker
                .entry(replica.replica)
                .or_default()
                .push(replica.partition.clone());
        }
        for (broker, partitions) in by_broker {
            let (with_leadership, without): (Vec<_>, Vec<_>) = partitions
                .into_iter()
                .partition(|partition| self.ctx.leadership.contains_key(partition));
            for partition in with_leadership {
                let Some(leadership) = self.remove_replica_from_isr(broker, &partition).await?
                else {
                    continue;
                };
                if !self.ctx.is_topic_queued_for_deletion(&partition.topic) {
                    let recipients: Vec<i32> = self
                        .ctx
                        .replicas(&partition)
                        .iter()
                        .copied()
                        .filter(|&r| r != broker)
                        .collect();
                    self.batch.add_leader_and_isr(
                        &self.ctx,
                        &recipients,
                        &partition,
                        &leadership,
                        false,
                    );
                }
            }
            let everyone = self.ctx.live_or_shutting_down_ids();
            self.batch
                .add_update_metadata(&self.ctx, &everyone, &without);
        }
        Ok(())
    }

    /// Removes `broker` from the partition's ISR in ZooKeeper (Kafka's `removeReplicasFromIsr`):
    /// the leader becomes -1 if it was `broker`; the last ISR member stays. Returns the
    /// partition's (possibly unchanged) leadership.
    async fn remove_replica_from_isr(
        &mut self,
        broker: i32,
        partition: &TopicPartition,
    ) -> Result<Option<Leadership>, ControllerError> {
        for _ in 0..MAX_ISR_UPDATE_ATTEMPTS {
            let Some(current) = self.read_leadership(partition).await? else {
                return Ok(None);
            };
            if current.state.controller_epoch > self.ctx.epoch {
                error!(target: LOG_TARGET, "Leader and isr path of {}-{} written by a newer controller (epoch {}); not removing replica {broker}",
                    partition.topic, partition.partition, current.state.controller_epoch);
                return Ok(None);
            }
            if !current.state.isr.contains(&broker) {
                self.ctx
                    .leadership
                    .insert(partition.clone(), current.clone());
                return Ok(Some(current));
            }
            let leader = if current.state.leader == broker {
                -1
            } else {
                current.state.leader
            };
            let isr = if current.state.isr.len() == 1 {
                current.state.isr.clone()
            } else {
                current
                    .state
                    .isr
                    .iter()
                    .copied()
                    .filter(|&id| id != broker)
                    .collect()
            };
            let state = LeaderIsrAndControllerEpoch {
                leader,
                leader_epoch: current.state.leader_epoch + 1,
                isr,
                controller_epoch: self.ctx.epoch,
            };
            let written = self
                .fenced()?
                .update_partition_state(
                    &partition.topic,
                    partition.partition,
                    &state,
                    current.zk_version,
                )
                .await;
            match written {
                Ok(zk_version) => {
                    let leadership = Leadership { state, zk_version };
                    self.ctx
                        .leadership
                        .insert(partition.clone(), leadership.clone());
                    return Ok(Some(leadership));
                }
                Err(FencedError::ControllerMoved) => return Err(ControllerError::ControllerMoved),
                Err(error) if matches!(error.write_error(), Some(zk::Error::BadVersion)) => {
                    warn!(target: LOG_TARGET,
                        "State znode of {}-{} changed while removing replica {broker}; retrying",
                        partition.topic, partition.partition
                    );
                }
                Err(error) => {
                    error!(target: LOG_TARGET,
                        "Failed to remove replica {broker} from the ISR of {}-{}: {error}",
                        partition.topic, partition.partition
                    );
                    return Ok(None);
                }
            }
        }
        Ok(None)
    }

    /// Start-up: replicas on live brokers → Online (LeaderAndIsr to each), others →
    /// DeletionIneligible, then Offline (out of the ISRs).
    pub(super) async fn replica_state_machine_startup(&mut self) -> Outcome {
        let all = self.ctx.replicas_of(&self.ctx.all_partitions());
        let mut online = Vec::new();
        let mut offline = Vec::new();
        for replica in all {
            if self
                .ctx
                .is_replica_online(replica.replica, &replica.partition)
            {
                self.ctx
                    .replica_states
                    .insert(replica.clone(), ReplicaState::Online);
                online.push(replica);
            } else {
                self.ctx
                    .replica_states
                    .insert(replica.clone(), ReplicaState::DeletionIneligible);
                offline.push(replica);
            }
        }
        self.handle_replica_state_changes(&online, ReplicaState::Online)
            .await?;
        // A broker that died with the previous controller is in the assignments but not in
        // /brokers/ids: nobody else will take its replicas out of the ISRs (Kafka's
        // `startup` moves them to OfflineReplica, which shrinks the ISRs in ZooKeeper and
        // sets leader -1 where it led, for the partition state machine to elect).
        self.handle_replica_state_changes(&offline, ReplicaState::Offline)
            .await
    }
}
