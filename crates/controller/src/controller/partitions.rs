//! The partition state machine (Kafka's `ZkPartitionStateMachine`): transitions checked
//! against [`PartitionState`]'s table; New → Online creates the state znode with the first
//! leader, Offline/Online → Online runs an election and rewrites the znode conditionally.

use std::collections::BTreeSet;

use gregor_zk::paths::topic_partition_state_path;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{EntityConfig, LeaderIsrAndControllerEpoch, TopicPartition, ZkError};
use log::{error, info, warn};

use super::{KafkaController, Outcome};
use crate::context::Leadership;
use crate::election::{
    controlled_shutdown_election, offline_election, preferred_election, Elected, ElectionStrategy,
};
use crate::error::ControllerError;
use crate::fenced::FencedError;
use crate::state::PartitionState;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.ZkPartitionStateMachine";

/// Bound on conditional-update retries of one partition (a leader rewriting the ISR races us).
const MAX_ELECTION_ATTEMPTS: usize = 10;

/// Maps a fenced write failure: the fence → controller moved; anything else stays local.
fn moved_or(error: FencedError) -> Result<FencedError, ControllerError> {
    match error {
        FencedError::ControllerMoved => Err(ControllerError::ControllerMoved),
        other => Ok(other),
    }
}

impl KafkaController {
    /// Moves `partitions` to `target`, then sends the requests this produced.
    pub(super) async fn handle_partition_state_changes(
        &mut self,
        partitions: &[TopicPartition],
        target: PartitionState,
        strategy: ElectionStrategy,
    ) -> Outcome {
        if partitions.is_empty() {
            return Ok(());
        }
        let result = self
            .do_partition_state_changes(partitions, target, strategy)
            .await;
        self.send_batch();
        result
    }

    async fn do_partition_state_changes(
        &mut self,
        partitions: &[TopicPartition],
        target: PartitionState,
        strategy: ElectionStrategy,
    ) -> Outcome {
        let mut valid = Vec::new();
        for partition in partitions {
            let current = self.ctx.partition_state(partition);
            match target.check_transition(current) {
                Ok(()) => valid.push(partition.clone()),
                Err(invalid) => error!(target: LOG_TARGET,
                    "Controller {} epoch {} failed to change state for partition {}-{} {invalid}",
                    self.config.broker_id, self.ctx.epoch, partition.topic, partition.partition
                ),
            }
        }
        if target != PartitionState::Online {
            for partition in valid {
                self.ctx.partition_states.insert(partition, target);
            }
            return Ok(());
        }
        let (uninitialized, to_elect): (Vec<_>, Vec<_>) = valid
            .into_iter()
            .partition(|partition| self.ctx.partition_state(partition) == PartitionState::New);
        for partition in uninitialized {
            if self.initialize_leader_and_isr(&partition).await? {
                self.ctx
                    .partition_states
                    .insert(partition, PartitionState::Online);
            }
        }
        for partition in to_elect {
            if self.elect_leader(&partition, strategy).await? {
                self.ctx
                    .partition_states
                    .insert(partition, PartitionState::Online);
            }
        }
        Ok(())
    }

    /// New → Online: first live replica leads, live replicas are the ISR, state znode created.
    async fn initialize_leader_and_isr(
        &mut self,
        partition: &TopicPartition,
    ) -> Result<bool, ControllerError> {
        let replicas = self.ctx.replicas(partition).to_vec();
        let live: Vec<i32> = replicas
            .iter()
            .copied()
            .filter(|&replica| self.ctx.is_replica_online(replica, partition))
            .collect();
        let Some(&leader) = live.first() else {
            error!(target: LOG_TARGET, "Controller {} epoch {} encountered error during state change of partition {}-{} from New to Online, assigned replicas are {replicas:?}, live brokers are {:?}. No assigned replica is alive.",
                self.config.broker_id, self.ctx.epoch, partition.topic, partition.partition, self.ctx.live_broker_ids());
            return Ok(false);
        };
        let state = LeaderIsrAndControllerEpoch {
            leader,
            leader_epoch: 0,
            isr: live.clone(),
            controller_epoch: self.ctx.epoch,
        };
        let created = self
            .fenced()?
            .create_partition_state(&partition.topic, partition.partition, &state)
            .await;
        match created {
            Ok(zk_version) => {
                // The cache first: the batch's UpdateMetadata reads leadership from it.
                let leadership = Leadership { state, zk_version };
                self.ctx
                    .leadership
                    .insert(partition.clone(), leadership.clone());
                self.batch
                    .add_leader_and_isr(&self.ctx, &live, partition, &leadership, true);
                Ok(true)
            }
            Err(error) => {
                let error = moved_or(error)?;
                error!(target: LOG_TARGET,
                    "Controller {} epoch {} failed to initialize partition {}-{}: {error}",
                    self.config.broker_id, self.ctx.epoch, partition.topic, partition.partition
                );
                Ok(false)
            }
        }
    }

    /// Reads the state znode of `partition` into a [`Leadership`].
    pub(super) async fn read_leadership(
        &self,
        partition: &TopicPartition,
    ) -> Result<Option<Leadership>, ControllerError> {
        let path = topic_partition_state_path(&partition.topic, partition.partition);
        let Some((data, stat)) = self.zk.get_data(&path).await? else {
            return Ok(None);
        };
        let state =
            LeaderIsrAndControllerEpoch::decode(&partition.topic, partition.partition, &data)
                .map_err(ZkError::from)?;
        Ok(Some(Leadership {
            state,
            zk_version: stat.version,
        }))
    }

    /// Online/Offline → Online with `strategy`; true when a leader was elected and written.
    async fn elect_leader(
        &mut self,
        partition: &TopicPartition,
        strategy: ElectionStrategy,
    ) -> Result<bool, ControllerError> {
        for _ in 0..MAX_ELECTION_ATTEMPTS {
            let Some(current) = self.read_leadership(partition).await? else {
                error!(target: LOG_TARGET, "Controller {} epoch {} failed to elect a leader for {}-{}: its state znode does not exist",
                    self.config.broker_id, self.ctx.epoch, partition.topic, partition.partition);
                return Ok(false);
            };
            if current.state.controller_epoch > self.ctx.epoch {
                error!(target: LOG_TARGET, "Aborted leader election for partition {}-{} since the LeaderAndIsr path was already written by another controller. This probably means that the current controller {} went through a soft failure and another controller was elected with epoch {}.",
                    partition.topic, partition.partition, self.config.broker_id, current.state.controller_epoch);
                return Ok(false);
            }
            let Some(elected) = self.run_election(partition, &current, strategy).await? else {
                error!(target: LOG_TARGET, "Controller {} epoch {} failed to elect a leader for partition {}-{} with strategy {strategy:?}: no eligible replica (assigned {:?}, isr {:?}, live brokers {:?})",
                    self.config.broker_id, self.ctx.epoch, partition.topic, partition.partition,
                    self.ctx.replicas(partition), current.state.isr, self.ctx.live_broker_ids());
                return Ok(false);
            };
            let state = LeaderIsrAndControllerEpoch {
                leader: elected.leader,
                leader_epoch: current.state.leader_epoch + 1,
                isr: elected.isr,
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
                    let include_shutting_down = strategy == ElectionStrategy::ControlledShutdown;
                    let recipients: Vec<i32> = self
                        .ctx
                        .replicas(partition)
                        .iter()
                        .copied()
                        .filter(|&replica| {
                            if include_shutting_down {
                                self.ctx
                                    .is_replica_online_or_shutting_down(replica, partition)
                            } else {
                                self.ctx.is_replica_online(replica, partition)
                            }
                        })
                        .collect();
                    info!(target: LOG_TARGET,
                        "Elected leader {} for partition {}-{} (leader epoch {}, isr {:?})",
                        leadership.state.leader,
                        partition.topic,
                        partition.partition,
                        leadership.state.leader_epoch,
                        leadership.state.isr
                    );
                    self.ctx
                        .leadership
                        .insert(partition.clone(), leadership.clone());
                    self.batch.add_leader_and_isr(
                        &self.ctx,
                        &recipients,
                        partition,
                        &leadership,
                        false,
                    );
                    return Ok(true);
                }
                Err(error) => match moved_or(error)? {
                    error if matches!(error.write_error(), Some(zk::Error::BadVersion)) => {
                        warn!(target: LOG_TARGET,
                            "State znode of {}-{} changed during election; retrying",
                            partition.topic, partition.partition
                        );
                    }
                    error => {
                        error!(target: LOG_TARGET,
                            "Failed to write the leader of {}-{}: {error}",
                            partition.topic, partition.partition
                        );
                        return Ok(false);
                    }
                },
            }
        }
        Ok(false)
    }

    async fn run_election(
        &self,
        partition: &TopicPartition,
        current: &Leadership,
        strategy: ElectionStrategy,
    ) -> Result<Option<Elected>, ControllerError> {
        let assignment = self.ctx.replicas(partition);
        let isr = &current.state.isr;
        Ok(match strategy {
            ElectionStrategy::Offline { allow_unclean } => {
                let live = self.ctx.online_replicas(partition);
                let clean = offline_election(assignment, isr, &live, false);
                if clean.is_some() {
                    clean
                } else if allow_unclean || self.unclean_election_enabled(&partition.topic).await? {
                    let elected = offline_election(assignment, isr, &live, true);
                    if elected.is_some() {
                        warn!(target: LOG_TARGET, "Unclean leader election. Partition {}-{} has been assigned leader from non-ISR replica", partition.topic, partition.partition);
                    }
                    elected
                } else {
                    None
                }
            }
            ElectionStrategy::Preferred => {
                preferred_election(assignment, isr, &self.ctx.online_replicas(partition))
            }
            ElectionStrategy::ControlledShutdown => {
                let live_or_shutting_down: BTreeSet<i32> = assignment
                    .iter()
                    .copied()
                    .filter(|&r| self.ctx.is_replica_online_or_shutting_down(r, partition))
                    .collect();
                controlled_shutdown_election(
                    assignment,
                    isr,
                    &live_or_shutting_down,
                    &self.ctx.shutting_down,
                )
            }
        })
    }

    /// The topic's effective `unclean.leader.election.enable` (override in `/config/topics/<t>`).
    async fn unclean_election_enabled(&self, topic: &str) -> Result<bool, ControllerError> {
        let path = gregor_zk::paths::topic_config_path(topic);
        let config = match self.zk.get_data(&path).await? {
            Some((data, _)) => EntityConfig::decode(&path, &data).ok(),
            None => None,
        };
        let value =
            config.and_then(|config| config.config.get("unclean.leader.election.enable").cloned());
        Ok(match value {
            Some(value) => value.trim().eq_ignore_ascii_case("true"),
            None => self.config.unclean_leader_election_enable,
        })
    }

    /// New/Offline partitions (not being deleted) → Online (Kafka's
    /// `triggerOnlinePartitionStateChange`).
    pub(super) async fn trigger_online_partition_state_change(&mut self) -> Outcome {
        let mut partitions: Vec<TopicPartition> = self
            .ctx
            .partition_states
            .iter()
            .filter(|(partition, state)| {
                matches!(state, PartitionState::New | PartitionState::Offline)
                    && !self.ctx.is_topic_queued_for_deletion(&partition.topic)
            })
            .map(|(partition, _)| partition.clone())
            .collect();
        partitions.sort();
        self.handle_partition_state_changes(
            &partitions,
            PartitionState::Online,
            ElectionStrategy::Offline {
                allow_unclean: false,
            },
        )
        .await
    }

    /// Start-up of the state machine: Online if the leader is live, Offline if not, New
    /// without a state znode; then elect where needed.
    pub(super) async fn partition_state_machine_startup(&mut self) -> Outcome {
        for partition in self.ctx.all_partitions() {
            let state = match self.ctx.leadership.get(&partition) {
                Some(leadership)
                    if self
                        .ctx
                        .is_replica_online(leadership.state.leader, &partition) =>
                {
                    PartitionState::Online
                }
                Some(_) => PartitionState::Offline,
                None => PartitionState::New,
            };
            self.ctx.partition_states.insert(partition, state);
        }
        self.trigger_online_partition_state_change().await
    }
}
