//! `ControllerContext`: what the active controller knows (Kafka's class of the same name):
//! live brokers with their epochs, every topic's replica assignment, the leadership cache
//! (leader, ISR, epochs and the state znode's version per partition), the state machines'
//! states and the topic-deletion bookkeeping. Filled at failover from ZooKeeper and kept up to
//! date by the event handlers; it does no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use gregor_zk::{BrokerInfo, LeaderIsrAndControllerEpoch, TopicPartition};

use crate::state::{PartitionState, ReplicaState};

/// A registered broker.
#[derive(Debug, Clone)]
pub struct LiveBroker {
    /// Its registration (endpoints, rack).
    pub info: BrokerInfo,
    /// Its broker epoch: the czxid of `/brokers/ids/<id>`.
    pub epoch: i64,
}

/// A partition's leadership as last written to its state znode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leadership {
    /// Leader, ISR, leader epoch, controller epoch.
    pub state: LeaderIsrAndControllerEpoch,
    /// Data version of the state znode (Kafka's zkVersion), for conditional updates.
    pub zk_version: i32,
}

/// One replica: a partition on a broker (Kafka's `PartitionAndReplica`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionReplica {
    /// The partition.
    pub partition: TopicPartition,
    /// The broker holding it.
    pub replica: i32,
}

/// The active controller's state.
#[derive(Debug, Default)]
pub struct ControllerContext {
    /// Our controller epoch (value of `/controller_epoch`).
    pub epoch: i32,
    /// Data version of `/controller_epoch`, the fence of every write.
    pub epoch_zk_version: i32,
    /// Registered brokers by id.
    pub live_brokers: BTreeMap<i32, LiveBroker>,
    /// Brokers in controlled shutdown (still registered).
    pub shutting_down: BTreeSet<i32>,
    /// Topic → partition → replicas (first = preferred leader).
    pub assignments: BTreeMap<String, BTreeMap<i32, Vec<i32>>>,
    /// Leadership of every partition that has a state znode.
    pub leadership: HashMap<TopicPartition, Leadership>,
    /// Partition state machine states.
    pub partition_states: HashMap<TopicPartition, PartitionState>,
    /// Replica state machine states.
    pub replica_states: HashMap<PartitionReplica, ReplicaState>,
    /// Topics queued for deletion.
    pub topics_to_delete: BTreeSet<String>,
    /// Queued topics whose deletion has begun (partitions taken offline).
    pub topics_with_deletion_started: BTreeSet<String>,
    /// Queued topics that cannot progress now (a replica's broker is down, or a deletion failed).
    pub topics_ineligible_for_deletion: BTreeSet<String>,
    /// Replicas a live broker reported offline (KAFKA_STORAGE_ERROR: their log dir failed).
    pub replicas_on_offline_dirs: HashMap<i32, BTreeSet<TopicPartition>>,
}

impl ControllerContext {
    /// Registered brokers not in controlled shutdown (Kafka's `liveBrokerIds`).
    pub fn live_broker_ids(&self) -> BTreeSet<i32> {
        self.live_brokers
            .keys()
            .copied()
            .filter(|id| !self.shutting_down.contains(id))
            .collect()
    }

    /// Every registered broker (Kafka's `liveOrShuttingDownBrokerIds`).
    pub fn live_or_shutting_down_ids(&self) -> BTreeSet<i32> {
        self.live_brokers.keys().copied().collect()
    }

    /// Whether the replica of `partition` on `broker_id` can serve: its broker is live, not
    /// shutting down, and has not reported the replica's log dir offline.
    pub fn is_replica_online(&self, broker_id: i32, partition: &TopicPartition) -> bool {
        !self.shutting_down.contains(&broker_id)
            && self.is_replica_online_or_shutting_down(broker_id, partition)
    }

    /// [`Self::is_replica_online`], counting brokers in controlled shutdown as live.
    pub fn is_replica_online_or_shutting_down(
        &self,
        broker_id: i32,
        partition: &TopicPartition,
    ) -> bool {
        self.live_brokers.contains_key(&broker_id)
            && !self
                .replicas_on_offline_dirs
                .get(&broker_id)
                .is_some_and(|offline| offline.contains(partition))
    }

    /// The assigned replicas of `partition` that are online (the candidates of elections).
    pub fn online_replicas(&self, partition: &TopicPartition) -> BTreeSet<i32> {
        self.replicas(partition)
            .iter()
            .copied()
            .filter(|&replica| self.is_replica_online(replica, partition))
            .collect()
    }

    /// Replicas of a partition; empty if unknown.
    pub fn replicas(&self, partition: &TopicPartition) -> &[i32] {
        self.assignments
            .get(&partition.topic)
            .and_then(|partitions| partitions.get(&partition.partition))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// All partitions of `topic`.
    pub fn partitions_of(&self, topic: &str) -> Vec<TopicPartition> {
        self.assignments
            .get(topic)
            .map(|partitions| {
                partitions
                    .keys()
                    .map(|&partition| TopicPartition {
                        topic: topic.to_string(),
                        partition,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every known partition.
    pub fn all_partitions(&self) -> Vec<TopicPartition> {
        self.assignments
            .keys()
            .flat_map(|topic| self.partitions_of(topic))
            .collect()
    }

    /// Every replica of `partitions`.
    pub fn replicas_of(&self, partitions: &[TopicPartition]) -> Vec<PartitionReplica> {
        partitions
            .iter()
            .flat_map(|partition| {
                self.replicas(partition)
                    .iter()
                    .map(|&replica| PartitionReplica {
                        partition: partition.clone(),
                        replica,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Every replica hosted on one of `brokers`.
    pub fn replicas_on_brokers(&self, brokers: &BTreeSet<i32>) -> Vec<PartitionReplica> {
        self.replicas_of(&self.all_partitions())
            .into_iter()
            .filter(|replica| brokers.contains(&replica.replica))
            .collect()
    }

    /// Partitions with a replica on `broker_id`.
    pub fn partitions_on_broker(&self, broker_id: i32) -> Vec<TopicPartition> {
        self.all_partitions()
            .into_iter()
            .filter(|partition| self.replicas(partition).contains(&broker_id))
            .collect()
    }

    /// Current state of a partition (NonExistent when untracked).
    pub fn partition_state(&self, partition: &TopicPartition) -> PartitionState {
        self.partition_states
            .get(partition)
            .copied()
            .unwrap_or(PartitionState::NonExistent)
    }

    /// Current state of a replica (NonExistent when untracked).
    pub fn replica_state(&self, replica: &PartitionReplica) -> ReplicaState {
        self.replica_states
            .get(replica)
            .copied()
            .unwrap_or(ReplicaState::NonExistent)
    }

    /// Replicas of `topic` currently in `state`.
    pub fn replicas_in_state(&self, topic: &str, state: ReplicaState) -> Vec<PartitionReplica> {
        let partitions = self.partitions_of(topic);
        self.replicas_of(&partitions)
            .into_iter()
            .filter(|replica| self.replica_state(replica) == state)
            .collect()
    }

    /// Whether `topic` is queued for deletion.
    pub fn is_topic_queued_for_deletion(&self, topic: &str) -> bool {
        self.topics_to_delete.contains(topic)
    }

    /// Forgets a topic entirely (after deletion, or when its znode vanished).
    pub fn remove_topic(&mut self, topic: &str) {
        for partition in self.partitions_of(topic) {
            self.leadership.remove(&partition);
            self.partition_states.remove(&partition);
        }
        self.replica_states
            .retain(|replica, _| replica.partition.topic != topic);
        self.assignments.remove(topic);
    }
}
