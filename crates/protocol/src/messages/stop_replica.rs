//! StopReplica (key 5), versions 0–2, flexible from 2 (§4.26). Controller → broker only.

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// One partition (v0 flat form).
    StopReplicaPartitionV0 {
        /// Topic.
        topic_name: String = (0..=0),
        /// Partition.
        partition_index: i32 = (0..=0),
    }
}

message! {
    /// Partitions of one topic (v1+).
    StopReplicaTopic {
        /// Topic.
        name: String = (1..),
        /// Partitions.
        partition_indexes: Vec<i32> = (1..),
    }
}

message! {
    /// Stops (and optionally deletes) replicas.
    StopReplicaRequest {
        /// Sending controller.
        controller_id: i32 = (0..),
        /// Controller epoch.
        controller_epoch: i32 = (0..),
        /// Receiving broker's epoch (v1+).
        broker_epoch: i64 = (1.., def: -1),
        /// Also delete the logs.
        delete_partitions: bool = (0..),
        /// Flat list (v0 only).
        ungrouped_partitions: Vec<StopReplicaPartitionV0> = (0..=0, strict: true),
        /// By topic (v1+).
        topics: Vec<StopReplicaTopic> = (1.., strict: true),
    }
}

message! {
    /// Result for one partition.
    StopReplicaPartitionError {
        /// Topic.
        topic_name: String = (0..),
        /// Partition.
        partition_index: i32 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// StopReplica result.
    StopReplicaResponse {
        /// Top-level error.
        error_code: ErrorCode = (0..),
        /// Per partition.
        partition_errors: Vec<StopReplicaPartitionError> = (0..),
    }
}

api_message!(StopReplicaRequest => StopReplica, StopReplicaResponse => StopReplica);
