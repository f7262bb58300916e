//! OffsetCommit (key 8), versions 0–8, flexible from 8 (§4.16).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Offset to commit for one partition.
    OffsetCommitRequestPartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// Next offset to consume.
        committed_offset: i64 = (0..),
        /// Leader epoch of the last consumed record (v6+).
        committed_leader_epoch: i32 = (6.., def: -1),
        /// Commit time, -1 = broker's now (v1 only).
        commit_timestamp: i64 = (1..=1, def: -1),
        /// Client metadata.
        committed_metadata: Option<String> = (0.., null: 0..),
    }
}

message! {
    /// Offsets of one topic.
    OffsetCommitRequestTopic {
        /// Topic.
        name: String = (0..),
        /// Partitions.
        partitions: Vec<OffsetCommitRequestPartition> = (0..),
    }
}

message! {
    /// Commits consumer offsets.
    OffsetCommitRequest {
        /// Group.
        group_id: String = (0..),
        /// Generation, -1 for standalone commits (v1+).
        generation_id: i32 = (1.., def: -1),
        /// Member, "" for standalone commits (v1+).
        member_id: String = (1..),
        /// Static id (v7+).
        group_instance_id: Option<String> = (7.., null: 7.., def: None, strict: true),
        /// Retention, -1 = broker default (v2–4).
        retention_time_ms: i64 = (2..=4, def: -1),
        /// Topics.
        topics: Vec<OffsetCommitRequestTopic> = (0..),
    }
}

message! {
    /// Result for one partition.
    OffsetCommitResponsePartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Results of one topic.
    OffsetCommitResponseTopic {
        /// Topic.
        name: String = (0..),
        /// Partitions.
        partitions: Vec<OffsetCommitResponsePartition> = (0..),
    }
}

message! {
    /// Commit results.
    OffsetCommitResponse {
        /// Quota throttle (v3+).
        throttle_time_ms: i32 = (3..),
        /// Topics.
        topics: Vec<OffsetCommitResponseTopic> = (0..),
    }
}

api_message!(OffsetCommitRequest => OffsetCommit, OffsetCommitResponse => OffsetCommit);
