//! The events of the controller's single event loop (Kafka's `ControllerEvent`s). Watches,
//! the channel, timers and the broker's API handlers only enqueue these; all state changes
//! happen in the loop, one event at a time.

use gregor_protocol::{LeaderAndIsrResponse, StopReplicaResponse};
use gregor_zk::{KafkaZkClient, TopicPartition};
use tokio::sync::oneshot;

use crate::error::ControllerError;

/// Capacity of the event queue: watches and the channel wait when it is full.
pub const EVENT_QUEUE_CAPACITY: usize = 10_000;

/// Reply channel of a ControlledShutdown request.
pub type ShutdownReply = oneshot::Sender<Result<Vec<TopicPartition>, ControllerError>>;

/// One unit of controller work.
#[derive(Debug)]
pub enum ControllerEvent {
    /// First event: arm the `/controller` watch and run the election.
    Startup,
    /// `/controller` was created or changed: resign if it is no longer us.
    ControllerChange,
    /// `/controller` was deleted: resign if needed and run the election.
    Reelect,
    /// Children of `/brokers/ids` changed.
    BrokerChange,
    /// Data of `/brokers/ids/<id>` changed (endpoints).
    BrokerModification(i32),
    /// Children of `/brokers/topics` changed.
    TopicChange,
    /// Data of `/brokers/topics/<t>` changed (partitions added).
    PartitionModifications(String),
    /// Children of `/admin/delete_topics` changed.
    TopicDeletion,
    /// Children of `/isr_change_notification` changed.
    IsrChangeNotification,
    /// Children of `/log_dir_event_notification` changed.
    LogDirEventNotification,
    /// `/admin/preferred_replica_election` was created.
    PreferredReplicaElection,
    /// A broker answered a LeaderAndIsr (its per-partition errors reveal offline log dirs).
    LeaderAndIsrResponse {
        /// The broker.
        broker_id: i32,
        /// Its response.
        response: LeaderAndIsrResponse,
    },
    /// A broker answered (or failed to answer) a StopReplica(delete=true).
    TopicDeletionStopReplicaResponse {
        /// The broker.
        broker_id: i32,
        /// Its response; `None` when the request could not be sent.
        response: Option<StopReplicaResponse>,
        /// The partitions the request named.
        partitions: Vec<TopicPartition>,
    },
    /// A broker asks to shut down in a controlled way.
    ControlledShutdown {
        /// The broker.
        broker_id: i32,
        /// Its broker epoch from the request (-1 when the request version has none).
        broker_epoch: i64,
        /// Where to answer with the partitions it still leads.
        reply: ShutdownReply,
    },
    /// Periodic leader-imbalance check (`auto.leader.rebalance.enable`).
    AutoPreferredReplicaLeaderElection,
    /// The ZooKeeper session expired: resign.
    SessionExpired,
    /// The broker connected a new session (after re-registering): use it and re-elect.
    NewSession(KafkaZkClient),
    /// Resign and stop the loop.
    Shutdown,
}
