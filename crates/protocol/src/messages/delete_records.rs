//! DeleteRecords (key 21), versions 0–1, never flexible (§4.23).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// One partition to truncate from the start.
    DeleteRecordsPartition {
        /// Partition.
        partition: i32 = (0..),
        /// Delete below this offset; -1 = up to the high watermark.
        offset: i64 = (0..),
    }
}

message! {
    /// Partitions of one topic.
    DeleteRecordsTopic {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<DeleteRecordsPartition> = (0..),
    }
}

message! {
    /// Deletes records below offsets.
    DeleteRecordsRequest {
        /// Topics.
        topics: Vec<DeleteRecordsTopic> = (0..),
        /// How long to wait for replicas.
        timeout_ms: i32 = (0..),
    }
}

message! {
    /// Result for one partition (error after low watermark).
    DeleteRecordsPartitionResult {
        /// Partition.
        partition: i32 = (0..),
        /// New log start offset.
        low_watermark: i64 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Results of one topic.
    DeleteRecordsTopicResult {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<DeleteRecordsPartitionResult> = (0..),
    }
}

message! {
    /// Deletion results.
    DeleteRecordsResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Topics.
        topics: Vec<DeleteRecordsTopicResult> = (0..),
    }
}

api_message!(DeleteRecordsRequest => DeleteRecords, DeleteRecordsResponse => DeleteRecords);
