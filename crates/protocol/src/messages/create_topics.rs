//! CreateTopics (key 19), versions 0–5, flexible from 5 (§4.6). The v5 response carries the
//! only tagged field of 2.4.1: `topic_config_error_code` (tag 0).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Manual replica assignment of one partition.
    CreatableReplicaAssignment {
        /// Partition.
        partition_index: i32 = (0..),
        /// Replicas, preferred leader first.
        broker_ids: Vec<i32> = (0..),
    }
}

message! {
    /// A topic config override.
    CreateableTopicConfig {
        /// Config key.
        name: String = (0..),
        /// Config value.
        value: Option<String> = (0.., null: 0..),
    }
}

message! {
    /// A topic to create.
    CreatableTopic {
        /// Topic name.
        name: String = (0..),
        /// Partition count, or -1.
        num_partitions: i32 = (0..),
        /// Replication factor, or -1.
        replication_factor: i16 = (0..),
        /// Manual assignment; empty = automatic.
        assignments: Vec<CreatableReplicaAssignment> = (0..),
        /// Config overrides.
        configs: Vec<CreateableTopicConfig> = (0..),
    }
}

message! {
    /// Creates topics (sent to the controller).
    CreateTopicsRequest {
        /// Topics to create.
        topics: Vec<CreatableTopic> = (0..),
        /// How long to wait for creation.
        timeout_ms: i32 = (0.., def: 60000),
        /// Only validate (v1+).
        validate_only: bool = (1.., strict: true),
    }
}

message! {
    /// An effective config of a created topic (v5+).
    CreatableTopicConfigs {
        /// Config key.
        name: String = (5..),
        /// Value, null if sensitive.
        value: Option<String> = (5.., null: 5..),
        /// Read-only config.
        read_only: bool = (5..),
        /// Source enum.
        config_source: i8 = (5.., def: -1),
        /// Sensitive config.
        is_sensitive: bool = (5..),
    }
}

message! {
    /// Result for one topic.
    CreatableTopicResult {
        /// Topic.
        name: String = (0..),
        /// Result.
        error_code: ErrorCode = (0..),
        /// Detail or null (v1+).
        error_message: Option<String> = (1.., null: 1.., def: None),
        /// Why `configs` were not returned (tagged 0, v5+).
        topic_config_error_code: ErrorCode = (5.., tag: 0),
        /// Resulting partition count (v5+).
        num_partitions: i32 = (5.., def: -1),
        /// Resulting replication factor (v5+).
        replication_factor: i16 = (5.., def: -1),
        /// Effective configs (v5+).
        configs: Option<Vec<CreatableTopicConfigs>> = (5.., null: 5.., def: None),
    }
}

message! {
    /// Topic creation results.
    CreateTopicsResponse {
        /// Quota throttle (v2+).
        throttle_time_ms: i32 = (2..),
        /// One result per requested topic.
        topics: Vec<CreatableTopicResult> = (0..),
    }
}

api_message!(CreateTopicsRequest => CreateTopics, CreateTopicsResponse => CreateTopics);
