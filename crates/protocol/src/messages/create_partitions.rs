//! CreatePartitions (key 37), versions 0–1, never flexible (§4.8).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Replicas of one new partition.
    CreatePartitionsAssignment {
        /// Replica broker ids.
        broker_ids: Vec<i32> = (0..),
    }
}

message! {
    /// New partition count for one topic.
    CreatePartitionsTopic {
        /// Topic.
        name: String = (0..),
        /// New total partition count.
        count: i32 = (0..),
        /// Replica lists of the new partitions, or null for automatic placement.
        assignments: Option<Vec<CreatePartitionsAssignment>> = (0.., null: 0.., def: None),
    }
}

message! {
    /// Adds partitions to topics (sent to the controller).
    CreatePartitionsRequest {
        /// Topics.
        topics: Vec<CreatePartitionsTopic> = (0..),
        /// How long to wait.
        timeout_ms: i32 = (0..),
        /// Only validate.
        validate_only: bool = (0..),
    }
}

message! {
    /// Result for one topic.
    CreatePartitionsTopicResult {
        /// Topic.
        name: String = (0..),
        /// Result.
        error_code: ErrorCode = (0..),
        /// Detail or null.
        error_message: Option<String> = (0.., null: 0.., def: None),
    }
}

message! {
    /// Partition creation results.
    CreatePartitionsResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Per topic.
        results: Vec<CreatePartitionsTopicResult> = (0..),
    }
}

api_message!(CreatePartitionsRequest => CreatePartitions, CreatePartitionsResponse => CreatePartitions);
