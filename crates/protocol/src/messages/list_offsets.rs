//! ListOffsets (key 2), versions 0–5, never flexible (§4.5).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// One partition to look up.
    ListOffsetsRequestPartition {
        /// Partition.
        partition: i32 = (0..),
        /// Fencing epoch (v4+).
        current_leader_epoch: i32 = (4.., def: -1),
        /// Target time; -1 latest, -2 earliest.
        timestamp: i64 = (0..),
        /// How many offsets v0 may return (v0 only).
        max_num_offsets: i32 = (0..=0, def: 1),
    }
}

message! {
    /// Partitions of one topic to look up.
    ListOffsetsRequestTopic {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<ListOffsetsRequestPartition> = (0..),
    }
}

message! {
    /// Finds offsets by timestamp.
    ListOffsetsRequest {
        /// -1 consumer, -2 debug, >= 0 broker.
        replica_id: i32 = (0..),
        /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED (v2+).
        isolation_level: i8 = (2.., strict: true),
        /// Topics.
        topics: Vec<ListOffsetsRequestTopic> = (0..),
    }
}

message! {
    /// Result for one partition.
    ListOffsetsResponsePartition {
        /// Partition.
        partition: i32 = (0..),
        /// Per-partition error.
        error_code: ErrorCode = (0..),
        /// v0 result list, newest first (v0 only).
        offsets: Vec<i64> = (0..=0),
        /// Timestamp of the found record (v1+).
        timestamp: i64 = (1.., def: -1),
        /// The found offset (v1+).
        offset: i64 = (1.., def: -1),
        /// Leader epoch of the found offset (v4+).
        leader_epoch: i32 = (4.., def: -1),
    }
}

message! {
    /// Results for one topic.
    ListOffsetsResponseTopic {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<ListOffsetsResponsePartition> = (0..),
    }
}

message! {
    /// Offsets found.
    ListOffsetsResponse {
        /// Quota throttle (v2+).
        throttle_time_ms: i32 = (2..),
        /// Topics.
        topics: Vec<ListOffsetsResponseTopic> = (0..),
    }
}

api_message!(ListOffsetsRequest => ListOffsets, ListOffsetsResponse => ListOffsets);
