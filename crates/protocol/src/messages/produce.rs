//! Produce (key 0), versions 0–8, never flexible (§4.3). Record data stays an opaque
//! zero-copy `Bytes` slice; the records module parses it.

use bytes::Bytes;

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Records for one partition.
    ProduceRequestPartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// The record set (nullable int32-length bytes).
        records: Option<Bytes> = (0.., null: 0..),
    }
}

message! {
    /// Records for one topic.
    ProduceRequestTopic {
        /// Topic.
        name: String = (0..),
        /// Per partition.
        partitions: Vec<ProduceRequestPartition> = (0..),
    }
}

message! {
    /// Writes record batches to partition leaders.
    ProduceRequest {
        /// Transactional id or null (v3+, first field).
        transactional_id: Option<String> = (3.., null: 3.., def: None, strict: true),
        /// 0 = no response, 1 = leader, -1 = all in-sync replicas.
        acks: i16 = (0..),
        /// How long the broker may wait for the acks.
        timeout_ms: i32 = (0..),
        /// Per topic.
        topics: Vec<ProduceRequestTopic> = (0..),
    }
}

message! {
    /// A record that made the batch be rejected (KIP-467).
    ProduceResponseRecordError {
        /// Index of the record in its batch.
        batch_index: i32 = (8..),
        /// Why it was rejected.
        batch_index_error_message: Option<String> = (8.., null: 8.., def: None),
    }
}

message! {
    /// Result for one partition.
    ProduceResponsePartition {
        /// Partition.
        partition_index: i32 = (0..),
        /// Per-partition error.
        error_code: ErrorCode = (0..),
        /// Offset of the first record written (-1 on error).
        base_offset: i64 = (0..),
        /// Broker append time for LogAppendTime topics, else -1 (v2+).
        log_append_time_ms: i64 = (2.., def: -1),
        /// Log start offset (v5+).
        log_start_offset: i64 = (5.., def: -1),
        /// Rejected records (v8+).
        record_errors: Vec<ProduceResponseRecordError> = (8..),
        /// Summary message (v8+).
        error_message: Option<String> = (8.., null: 8.., def: None),
    }
}

message! {
    /// Results for one topic.
    ProduceResponseTopic {
        /// Topic.
        name: String = (0..),
        /// Per partition.
        partitions: Vec<ProduceResponsePartition> = (0..),
    }
}

message! {
    /// Produce results; `throttle_time_ms` is the LAST field.
    ProduceResponse {
        /// Per topic.
        responses: Vec<ProduceResponseTopic> = (0..),
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
    }
}

api_message!(ProduceRequest => Produce, ProduceResponse => Produce);
