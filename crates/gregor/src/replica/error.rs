//! Why a replica operation failed, with the one exhaustive mapping to Kafka's error codes.

use gregor_log::manager::ManagerError;
use gregor_log::LogError;
use gregor_protocol::records::RecordsError;
use gregor_protocol::ErrorCode;

/// Failures of the replica manager, per partition.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// The partition is known to the cluster but this broker does not lead it.
    #[error("This server is not the leader for partition {0}")]
    NotLeaderForPartition(String),
    /// Neither this broker nor the metadata cache knows the partition.
    #[error("This server does not host this topic-partition: {0}")]
    UnknownTopicOrPartition(String),
    /// acks=-1 and the ISR is smaller than `min.insync.replicas`.
    #[error("The size of the current ISR {isr_size} is insufficient to satisfy the min.isr requirement of {min_isr} for partition {partition}")]
    NotEnoughReplicas {
        /// `topic-partition`.
        partition: String,
        /// Current ISR size.
        isr_size: usize,
        /// The topic's `min.insync.replicas`.
        min_isr: i32,
    },
    /// The request carries an older leader epoch than the partition's.
    #[error("The leader epoch in the request is older than the epoch on the broker")]
    FencedLeaderEpoch,
    /// The request carries a newer leader epoch than the partition's.
    #[error("The leader epoch in the request is newer than the epoch on the broker")]
    UnknownLeaderEpoch,
    /// The records failed the leader's validation.
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// The log refused the append or read.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The log manager could not create or find the log.
    #[error(transparent)]
    Manager(#[from] ManagerError),
}

impl ReplicaError {
    /// The Kafka error code a response carries for this failure.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ReplicaError::NotLeaderForPartition(_) => ErrorCode::NotLeaderForPartition,
            ReplicaError::UnknownTopicOrPartition(_) => ErrorCode::UnknownTopicOrPartition,
            ReplicaError::NotEnoughReplicas { .. } => ErrorCode::NotEnoughReplicas,
            ReplicaError::FencedLeaderEpoch => ErrorCode::FencedLeaderEpoch,
            ReplicaError::UnknownLeaderEpoch => ErrorCode::UnknownLeaderEpoch,
            ReplicaError::Records(e) => e.error_code(),
            ReplicaError::Log(e) => ErrorCode::from_i16(e.kafka_error_code()),
            ReplicaError::Manager(e) => ErrorCode::from_i16(e.kafka_error_code()),
        }
    }
}
