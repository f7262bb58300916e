//! OffsetForLeaderEpoch (key 23), versions 0–3, never flexible (§4.22).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// One partition to look up.
    OffsetForLeaderPartition {
        /// Partition.
        partition: i32 = (0..),
        /// Fencing epoch (v2+).
        current_leader_epoch: i32 = (2.., def: -1),
        /// Epoch whose end offset is wanted.
        leader_epoch: i32 = (0..),
    }
}

message! {
    /// Partitions of one topic.
    OffsetForLeaderTopic {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<OffsetForLeaderPartition> = (0..),
    }
}

message! {
    /// Finds the end offset of leader epochs.
    OffsetForLeaderEpochRequest {
        /// Follower id, -1 consumer; absent = -2 (v3+).
        replica_id: i32 = (3.., def: -2),
        /// Topics.
        topics: Vec<OffsetForLeaderTopic> = (0..),
    }
}

message! {
    /// Result for one partition (error first).
    EpochEndOffset {
        /// Error.
        error_code: ErrorCode = (0..),
        /// Partition.
        partition: i32 = (0..),
        /// Largest known epoch <= the requested one (v1+).
        leader_epoch: i32 = (1.., def: -1),
        /// End offset of that epoch.
        end_offset: i64 = (0..),
    }
}

message! {
    /// Results of one topic.
    OffsetForLeaderTopicResult {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<EpochEndOffset> = (0..),
    }
}

message! {
    /// Epoch end offsets.
    OffsetForLeaderEpochResponse {
        /// Quota throttle (v2+).
        throttle_time_ms: i32 = (2..),
        /// Topics.
        topics: Vec<OffsetForLeaderTopicResult> = (0..),
    }
}

api_message!(
    OffsetForLeaderEpochRequest => OffsetForLeaderEpoch,
    OffsetForLeaderEpochResponse => OffsetForLeaderEpoch,
);
