//! LeaderAndIsr (key 4), versions 0–4, flexible from 4 (§4.24). Controller → broker only.

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Leader, ISR and replicas of one partition (common struct of both partition lists).
    LeaderAndIsrPartitionState {
        /// Topic (only in the ungrouped v0–1 form).
        topic_name: String = (0..=1),
        /// Partition.
        partition_index: i32 = (0..),
        /// Epoch of the controller that last changed this state.
        controller_epoch: i32 = (0..),
        /// Leader broker id.
        leader: i32 = (0..),
        /// Leader epoch.
        leader_epoch: i32 = (0..),
        /// In-sync replicas.
        isr: Vec<i32> = (0..),
        /// ZooKeeper version of the partition state znode.
        zk_version: i32 = (0..),
        /// All replicas.
        replicas: Vec<i32> = (0..),
        /// Replicas being added by a reassignment (v3+).
        adding_replicas: Vec<i32> = (3..),
        /// Replicas being removed by a reassignment (v3+).
        removing_replicas: Vec<i32> = (3..),
        /// The replica is being created now (v1+).
        is_new: bool = (1..),
    }
}

message! {
    /// Partition states of one topic (v2+).
    LeaderAndIsrTopicState {
        /// Topic.
        topic_name: String = (2..),
        /// Its partitions.
        partition_states: Vec<LeaderAndIsrPartitionState> = (2..),
    }
}

message! {
    /// A broker leading at least one of the partitions.
    LeaderAndIsrLiveLeader {
        /// Broker id.
        broker_id: i32 = (0..),
        /// Host.
        host_name: String = (0..),
        /// Port.
        port: i32 = (0..),
    }
}

message! {
    /// Tells a broker which partitions it leads or follows.
    LeaderAndIsrRequest {
        /// Sending controller.
        controller_id: i32 = (0..),
        /// Controller epoch.
        controller_epoch: i32 = (0..),
        /// Receiving broker's epoch, -1 = unknown (v2+).
        broker_epoch: i64 = (2.., def: -1),
        /// Flat partition states (v0–1).
        ungrouped_partition_states: Vec<LeaderAndIsrPartitionState> = (0..=1, strict: true),
        /// Partition states by topic (v2+).
        topic_states: Vec<LeaderAndIsrTopicState> = (2.., strict: true),
        /// Live leaders.
        live_leaders: Vec<LeaderAndIsrLiveLeader> = (0..),
    }
}

message! {
    /// Result for one partition.
    LeaderAndIsrPartitionError {
        /// Topic.
        topic_name: String = (0..),
        /// Partition.
        partition_index: i32 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// LeaderAndIsr result.
    LeaderAndIsrResponse {
        /// Top-level error.
        error_code: ErrorCode = (0..),
        /// Per partition.
        partition_errors: Vec<LeaderAndIsrPartitionError> = (0..),
    }
}

api_message!(LeaderAndIsrRequest => LeaderAndIsr, LeaderAndIsrResponse => LeaderAndIsr);
