//! Fetch (key 1), versions 0–11, never flexible (§4.4). Response records are [`RecordsData`]:
//! in-memory bytes, or an external region the network layer sends with sendfile.

use crate::error_code::ErrorCode;
use crate::frame::RecordsData;
use crate::macros::{api_message, message};

message! {
    /// One partition to fetch.
    FetchRequestPartition {
        /// Partition.
        partition: i32 = (0..),
        /// Fencing epoch, -1 = don't check (v9+).
        current_leader_epoch: i32 = (9.., def: -1),
        /// Offset to start reading at.
        fetch_offset: i64 = (0..),
        /// Follower's log start offset (v5+).
        log_start_offset: i64 = (5.., def: -1),
        /// Per-partition byte cap.
        partition_max_bytes: i32 = (0..),
    }
}

message! {
    /// Partitions of one topic to fetch.
    FetchRequestTopic {
        /// Topic.
        topic: String = (0..),
        /// Partitions.
        partitions: Vec<FetchRequestPartition> = (0..),
    }
}

message! {
    /// Partitions to drop from an incremental fetch session.
    FetchRequestForgottenTopic {
        /// Topic.
        topic: String = (7..),
        /// Partition ids.
        partitions: Vec<i32> = (7..),
    }
}

message! {
    /// Reads records from partition leaders (consumers and followers).
    FetchRequest {
        /// -1 for consumers, the broker id for followers.
        replica_id: i32 = (0..),
        /// Longest time to wait for `min_bytes`.
        max_wait_ms: i32 = (0..),
        /// Minimum bytes to accumulate.
        min_bytes: i32 = (0..),
        /// Response size cap (v3+).
        max_bytes: i32 = (3.., def: i32::MAX),
        /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED (v4+).
        isolation_level: i8 = (4.., strict: true),
        /// Fetch session id (v7+).
        session_id: i32 = (7.., strict: true),
        /// Fetch session epoch (v7+).
        session_epoch: i32 = (7.., def: -1, strict: true),
        /// Topics to fetch.
        topics: Vec<FetchRequestTopic> = (0..),
        /// Partitions to forget (v7+).
        forgotten_topics_data: Vec<FetchRequestForgottenTopic> = (7.., strict: true),
        /// Consumer's rack (v11+).
        rack_id: String = (11..),
    }
}

message! {
    /// An aborted transaction overlapping the returned data.
    FetchResponseAbortedTransaction {
        /// Producer of the aborted transaction.
        producer_id: i64 = (4..),
        /// Its first offset.
        first_offset: i64 = (4..),
    }
}

message! {
    /// Data of one partition.
    FetchResponsePartition {
        /// Partition.
        partition: i32 = (0..),
        /// Per-partition error.
        error_code: ErrorCode = (0..),
        /// High watermark (-1 on error).
        high_watermark: i64 = (0..),
        /// Last stable offset (v4+).
        last_stable_offset: i64 = (4.., def: -1),
        /// Log start offset (v5+).
        log_start_offset: i64 = (5.., def: -1),
        /// Aborted transactions, null when not applicable (v4+).
        aborted_transactions: Option<Vec<FetchResponseAbortedTransaction>> = (4.., null: 4.., def: None),
        /// Replica to fetch from next, -1 = none (v11+).
        preferred_read_replica: i32 = (11.., def: -1),
        /// Record data.
        records: Option<RecordsData> = (0.., null: 0.., def: None),
    }
}

message! {
    /// Data of one topic.
    FetchResponseTopic {
        /// Topic.
        topic: String = (0..),
        /// Per partition.
        partitions: Vec<FetchResponsePartition> = (0..),
    }
}

message! {
    /// Fetched records.
    FetchResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Top-level error (v7+).
        error_code: ErrorCode = (7..),
        /// Fetch session id (v7+).
        session_id: i32 = (7..),
        /// Per topic.
        responses: Vec<FetchResponseTopic> = (0..),
    }
}

api_message!(FetchRequest => Fetch, FetchResponse => Fetch);
