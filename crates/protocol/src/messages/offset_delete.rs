//! OffsetDelete (key 47), version 0 (KIP-496, new in Kafka 2.4): deletes committed offsets of
//! a group. Not flexible. The response's error code comes before the throttle time.

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A partition whose offset goes.
    OffsetDeleteRequestPartition {
        /// Partition.
        partition_index: i32 = (0..),
    }
}

message! {
    /// A topic's partitions.
    OffsetDeleteRequestTopic {
        /// Topic.
        name: String = (0..),
        /// Partitions.
        partitions: Vec<OffsetDeleteRequestPartition> = (0..),
    }
}

message! {
    /// Deletes committed offsets of a group.
    OffsetDeleteRequest {
        /// Group.
        group_id: String = (0..),
        /// Topics and partitions.
        topics: Vec<OffsetDeleteRequestTopic> = (0..),
    }
}

message! {
    /// Result for one partition.
    OffsetDeleteResponsePartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Results of a topic.
    OffsetDeleteResponseTopic {
        /// Topic.
        name: String = (0..),
        /// Per partition.
        partitions: Vec<OffsetDeleteResponsePartition> = (0..),
    }
}

message! {
    /// Deletion results.
    OffsetDeleteResponse {
        /// Group-level error.
        error_code: ErrorCode = (0..),
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Per topic.
        topics: Vec<OffsetDeleteResponseTopic> = (0..),
    }
}

api_message!(OffsetDeleteRequest => OffsetDelete, OffsetDeleteResponse => OffsetDelete);
