//! LeaderAndIsr and StopReplica as the replica manager applies them (Kafka's
//! `becomeLeaderOrFollower` and `stopReplicas`): controller epoch fencing, per-partition leader
//! epoch checks, log creation with the topic's config, role changes, log deletion.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use gregor_log::dir::TopicPartition;
use gregor_protocol::ErrorCode;

use super::{ReplicaManager, TopicOverrides};
use crate::cluster::{Partition, PartitionState};

/// One partition of a LeaderAndIsr request, flattened from any request version.
#[derive(Debug, Clone)]
pub struct PartitionStateChange {
    /// Topic.
    pub topic: String,
    /// Partition id.
    pub partition: i32,
    /// The new state.
    pub state: PartitionState,
}

/// What a LeaderAndIsr or StopReplica did.
#[derive(Debug, Default)]
pub struct StateChangeOutcome {
    /// Top-level error (STALE_CONTROLLER_EPOCH); partitions are then left alone.
    pub error: ErrorCode,
    /// Per-partition result.
    pub partition_errors: Vec<(String, i32, ErrorCode)>,
    /// Partitions that became (or stay) followers: (partition, leader id, leader epoch), for
    /// the caller to start their fetchers.
    pub followers: Vec<(TopicPartition, i32, i32)>,
}

impl ReplicaManager {
    /// Fences an old controller; records a newer epoch.
    fn accept_controller_epoch(&self, controller_epoch: i32) -> bool {
        let current = self.controller_epoch.load(Ordering::Acquire);
        if controller_epoch < current {
            return false;
        }
        self.controller_epoch
            .fetch_max(controller_epoch, Ordering::AcqRel);
        true
    }

    /// Kafka's `becomeLeaderOrFollower`. `overrides` holds the `/config/topics` entries of the
    /// request's topics, read by the caller.
    pub fn become_leader_or_follower(
        &self,
        controller_id: i32,
        controller_epoch: i32,
        changes: Vec<PartitionStateChange>,
        overrides: &TopicOverrides,
        now_ms: i64,
    ) -> StateChangeOutcome {
        if !self.accept_controller_epoch(controller_epoch) {
            log::warn!(target: "state.change.logger", "[Broker id={}] Ignoring LeaderAndIsr request from controller {controller_id} with correlation id since its controller epoch {controller_epoch} is old. Latest known controller epoch is {}", self.broker_id, self.controller_epoch.load(Ordering::Acquire));
            return StateChangeOutcome {
                error: ErrorCode::StaleControllerEpoch,
                ..StateChangeOutcome::default()
            };
        }
        let mut outcome = StateChangeOutcome::default();
        for change in changes {
            let error = self.apply_change(&change, overrides, now_ms);
            if error == ErrorCode::None && change.state.leader != self.broker_id {
                outcome.followers.push((
                    TopicPartition::new(&change.topic, change.partition),
                    change.state.leader,
                    change.state.leader_epoch,
                ));
            }
            outcome
                .partition_errors
                .push((change.topic, change.partition, error));
        }
        self.purgatory.wake_all();
        outcome
    }

    fn apply_change(
        &self,
        change: &PartitionStateChange,
        overrides: &TopicOverrides,
        now_ms: i64,
    ) -> ErrorCode {
        let tp = TopicPartition::new(&change.topic, change.partition);
        if let Some(existing) = self.partition(&tp) {
            // Kafka 2.4 answers a stale leader epoch with STALE_CONTROLLER_EPOCH.
            if change.state.leader_epoch <= existing.leader_epoch() {
                log::warn!(target: "state.change.logger", "[Broker id={}] Ignoring LeaderAndIsr request for partition {tp} since its associated leader epoch {} is not higher than the current leader epoch {}", self.broker_id, change.state.leader_epoch, existing.leader_epoch());
                return ErrorCode::StaleControllerEpoch;
            }
        }
        if !change.state.replicas.contains(&self.broker_id) {
            return ErrorCode::UnknownTopicOrPartition;
        }
        let config = self.topic_log_config(overrides.get(&change.topic));
        let log = match self.log_manager.get_or_create_log(&tp, config, now_ms) {
            Ok(log) => log,
            Err(e) => {
                log::error!(target: "state.change.logger", "[Broker id={}] Error while making broker the leader or follower for partition {tp}: {e}", self.broker_id);
                return ErrorCode::from_i16(e.kafka_error_code());
            }
        };
        let becomes_leader = change.state.leader == self.broker_id;
        if change.state.leader < 0 {
            return self.keep_role_without_leader(&tp, log, &change.state);
        }
        self.stop_fetcher(&tp);
        if becomes_leader {
            // The leader epoch cache starts the new epoch at the current log end offset.
            let mut guard = log.lock();
            let log_end_offset = guard.log_end_offset();
            if let Err(e) =
                guard.assign_epoch_start_offset(change.state.leader_epoch, log_end_offset)
            {
                log::error!("Cannot record leader epoch for {tp}: {e}");
                return ErrorCode::from_i16(e.kafka_error_code());
            }
        }
        let existing = self.partition(&tp);
        match existing {
            Some(partition) => partition.apply_state(change.state.clone()),
            None => {
                let hw = self
                    .checkpointed_high_watermarks
                    .lock()
                    .get(&tp)
                    .copied()
                    .unwrap_or(0);
                let partition =
                    Partition::new(tp.clone(), self.broker_id, log, change.state.clone(), hw);
                partition.apply_state(change.state.clone());
                self.partitions
                    .write()
                    .insert(tp.clone(), Arc::new(partition));
            }
        }
        if !becomes_leader {
            // Kafka without leader epochs: a new follower truncates to its high watermark,
            // dropping what the new leader may not have.
            if let Some(partition) = self.partition(&tp) {
                let hw = partition.high_watermark();
                if let Err(e) = partition.log().lock().truncate_to(hw) {
                    log::error!("Cannot truncate {tp} to {hw}: {e}");
                    return ErrorCode::from_i16(e.kafka_error_code());
                }
            }
        }
        let role = if becomes_leader { "leader" } else { "follower" };
        log::info!(target: "state.change.logger", "[Broker id={}] Became {role} for partition {tp} with leader epoch {} and ISR {:?}", self.broker_id, change.state.leader_epoch, change.state.isr);
        ErrorCode::None
    }

    /// Kafka's `makeFollowers` when the new leader is not alive (the controller took the old
    /// leader out of the ISR and has not elected yet): only the log is created. The role, the
    /// leader epoch and the log stay as they are — truncating to the high watermark here
    /// would drop acknowledged records from the replica about to be elected.
    fn keep_role_without_leader(
        &self,
        tp: &TopicPartition,
        log: gregor_log::manager::SharedLog,
        state: &PartitionState,
    ) -> ErrorCode {
        if self.partition(tp).is_none() {
            let hw = self
                .checkpointed_high_watermarks
                .lock()
                .get(tp)
                .copied()
                .unwrap_or(0);
            let partition = Partition::new(tp.clone(), self.broker_id, log, state.clone(), hw);
            self.partitions
                .write()
                .entry(tp.clone())
                .or_insert_with(|| Arc::new(partition));
        }
        log::info!(target: "state.change.logger", "[Broker id={}] Partition {tp} has no live leader (leader epoch {}); keeping its current state and log", self.broker_id, state.leader_epoch);
        ErrorCode::None
    }

    /// Kafka's `stopReplicas`: with `delete_partitions`, drop the partitions and delete their
    /// logs; without, keep them (Kafka only stops the follower fetchers then).
    pub fn stop_replicas(
        &self,
        controller_epoch: i32,
        delete_partitions: bool,
        partitions: Vec<(String, i32)>,
        now_ms: i64,
    ) -> StateChangeOutcome {
        if !self.accept_controller_epoch(controller_epoch) {
            return StateChangeOutcome {
                error: ErrorCode::StaleControllerEpoch,
                ..StateChangeOutcome::default()
            };
        }
        let mut outcome = StateChangeOutcome::default();
        for (topic, partition) in partitions {
            let tp = TopicPartition::new(&topic, partition);
            let mut error = ErrorCode::None;
            // As in Kafka 2.4, a StopReplica without delete only stops fetching; the
            // partition stays hosted with its high watermark.
            self.stop_fetcher(&tp);
            if delete_partitions {
                self.partitions.write().remove(&tp);
                self.fetch_sessions
                    .lock()
                    .forget_partition(&topic, partition);
                if let Err(e) = self.log_manager.delete_log(&tp, now_ms) {
                    log::error!(target: "state.change.logger", "[Broker id={}] Ignoring stop replica (delete={delete_partitions}) for partition {tp} due to storage exception: {e}", self.broker_id);
                    error = ErrorCode::KafkaStorageError;
                }
            }
            outcome.partition_errors.push((topic, partition, error));
        }
        self.purgatory.wake_all();
        outcome
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cluster::MetadataCache;
    use gregor_log::manager::{LogManager, LogManagerConfig};

    /// A replica manager over a fresh log dir (also used by the append tests).
    pub(crate) fn manager(dir: &std::path::Path) -> ReplicaManager {
        let config = LogManagerConfig {
            log_dirs: vec![dir.to_path_buf()],
            ..LogManagerConfig::default()
        };
        let logs = LogManager::open(config, &Default::default(), 0).unwrap();
        ReplicaManager::new(1, Arc::new(logs), Arc::new(MetadataCache::new()), 10)
    }

    /// Broker 1 leads `t-0` with `replicas` as replicas and ISR.
    pub(crate) fn change(leader_epoch: i32, replicas: Vec<i32>) -> PartitionStateChange {
        PartitionStateChange {
            topic: "t".into(),
            partition: 0,
            state: PartitionState {
                leader: 1,
                leader_epoch,
                isr: replicas.clone(),
                replicas,
                controller_epoch: 1,
                zk_version: 0,
            },
        }
    }

    fn errors(outcome: &StateChangeOutcome) -> Vec<ErrorCode> {
        outcome.partition_errors.iter().map(|e| e.2).collect()
    }

    #[test]
    fn leader_and_isr_is_fenced_by_controller_and_leader_epochs() {
        let dir = tempfile::tempdir().unwrap();
        let rm = manager(dir.path());
        let none = TopicOverrides::new();
        let first = rm.become_leader_or_follower(0, 5, vec![change(3, vec![1])], &none, 0);
        assert_eq!(first.error, ErrorCode::None);
        assert_eq!(errors(&first), vec![ErrorCode::None]);
        assert!(rm
            .partition(&TopicPartition::new("t", 0))
            .unwrap()
            .is_leader());
        let old_controller = rm.become_leader_or_follower(0, 4, vec![change(4, vec![1])], &none, 0);
        assert_eq!(old_controller.error, ErrorCode::StaleControllerEpoch);
        let same_epoch = rm.become_leader_or_follower(0, 5, vec![change(3, vec![1])], &none, 0);
        assert_eq!(errors(&same_epoch), vec![ErrorCode::StaleControllerEpoch]);
        let not_a_replica = PartitionStateChange {
            partition: 1,
            ..change(0, vec![2])
        };
        let outcome = rm.become_leader_or_follower(0, 5, vec![not_a_replica], &none, 0);
        assert_eq!(errors(&outcome), vec![ErrorCode::UnknownTopicOrPartition]);
    }

    #[test]
    fn a_state_without_live_leader_keeps_the_followers_log_for_the_election() {
        let dir = tempfile::tempdir().unwrap();
        let rm = manager(dir.path());
        let none = TopicOverrides::new();
        let follow = |leader: i32, leader_epoch: i32| PartitionStateChange {
            state: PartitionState {
                leader,
                leader_epoch,
                isr: vec![1, 2],
                ..change(leader_epoch, vec![1, 2]).state
            },
            ..change(leader_epoch, vec![1, 2])
        };
        rm.become_leader_or_follower(0, 1, vec![follow(2, 0)], &none, 0);
        let tp = TopicPartition::new("t", 0);
        let partition = rm.partition(&tp).unwrap();
        let records = gregor_protocol::records::RecordBatchBuilder::new()
            .append(0, None, Some(b"acked"), &[])
            .build()
            .unwrap();
        partition
            .log()
            .lock()
            .append_as_follower(&records, 0)
            .unwrap();
        assert_eq!(partition.high_watermark(), 0, "leader's HW not fetched yet");
        // The controller takes dead leader 2 out of the ISR before electing broker 1.
        let no_leader = rm.become_leader_or_follower(0, 1, vec![follow(-1, 1)], &none, 0);
        assert_eq!(errors(&no_leader), vec![ErrorCode::None]);
        assert_eq!(partition.log().lock().log_end_offset(), 1, "not truncated");
        assert_eq!(
            partition.leader_epoch(),
            0,
            "state kept until a leader exists"
        );
        rm.become_leader_or_follower(0, 1, vec![follow(1, 2)], &none, 0);
        assert!(partition.is_leader());
        assert_eq!(partition.log().lock().log_end_offset(), 1);
    }

    #[test]
    fn stop_replica_keeps_the_partition_unless_asked_to_delete() {
        let dir = tempfile::tempdir().unwrap();
        let rm = manager(dir.path());
        let none = TopicOverrides::new();
        rm.become_leader_or_follower(0, 1, vec![change(0, vec![1])], &none, 0);
        let tp = TopicPartition::new("t", 0);
        rm.stop_replicas(1, false, vec![("t".into(), 0)], 0);
        assert!(rm.partition(&tp).is_some());
        assert!(dir.path().join("t-0").exists());
        rm.stop_replicas(1, true, vec![("t".into(), 0)], 0);
        assert!(rm.partition(&tp).is_none());
        assert!(!dir.path().join("t-0").exists(), "renamed to -delete");
    }
}
