//! OffsetFetch (key 9), versions 0–6, flexible from 6 (§4.17).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Partitions of one topic.
    OffsetFetchRequestTopic {
        /// Topic.
        name: String = (0..),
        /// Partitions.
        partition_indexes: Vec<i32> = (0..),
    }
}

message! {
    /// Reads committed offsets.
    OffsetFetchRequest {
        /// Group.
        group_id: String = (0..),
        /// Partitions wanted; null (v2+) = all the group has.
        topics: Option<Vec<OffsetFetchRequestTopic>> = (0.., null: 2..),
    }
}

message! {
    /// Committed offset of one partition.
    OffsetFetchResponsePartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// Stored offset, -1 if none.
        committed_offset: i64 = (0..),
        /// Stored leader epoch (v5+).
        committed_leader_epoch: i32 = (5.., def: -1),
        /// Stored metadata.
        metadata: Option<String> = (0.., null: 0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Offsets of one topic.
    OffsetFetchResponseTopic {
        /// Topic.
        name: String = (0..),
        /// Partitions.
        partitions: Vec<OffsetFetchResponsePartition> = (0..),
    }
}

message! {
    /// Committed offsets; the top-level `error_code` is the LAST field.
    OffsetFetchResponse {
        /// Quota throttle (v3+).
        throttle_time_ms: i32 = (3..),
        /// Topics.
        topics: Vec<OffsetFetchResponseTopic> = (0..),
        /// Group-level error (v2+).
        error_code: ErrorCode = (2..),
    }
}

api_message!(OffsetFetchRequest => OffsetFetch, OffsetFetchResponse => OffsetFetch);
