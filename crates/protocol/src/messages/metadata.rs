//! Metadata (key 3), versions 0–9, flexible from 9 (§4.2).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A topic the client asks about.
    MetadataRequestTopic {
        /// Topic name.
        name: String = (0..),
    }
}

message! {
    /// Asks for brokers, controller and topic metadata.
    MetadataRequest {
        /// Topics wanted. v0: empty = all; v1+: null = all, empty = none.
        topics: Option<Vec<MetadataRequestTopic>> = (0.., null: 1..),
        /// May the broker auto-create missing topics (v4+; readers of older versions assume true).
        allow_auto_topic_creation: bool = (4.., def: true, strict: true),
        /// Fill `cluster_authorized_operations` (v8+).
        include_cluster_authorized_operations: bool = (8..),
        /// Fill each topic's `topic_authorized_operations` (v8+).
        include_topic_authorized_operations: bool = (8..),
    }
}

message! {
    /// A live broker.
    MetadataResponseBroker {
        /// Broker id.
        node_id: i32 = (0..),
        /// Advertised host.
        host: String = (0..),
        /// Advertised port.
        port: i32 = (0..),
        /// Rack, or null (v1+).
        rack: Option<String> = (1.., null: 1..),
    }
}

message! {
    /// Metadata of one partition.
    MetadataResponsePartition {
        /// Partition-level error.
        error_code: ErrorCode = (0..),
        /// Partition id.
        partition_index: i32 = (0..),
        /// Leader broker id, -1 if none.
        leader_id: i32 = (0..),
        /// Leader epoch (v7+).
        leader_epoch: i32 = (7.., def: -1),
        /// All assigned replicas.
        replica_nodes: Vec<i32> = (0..),
        /// In-sync replicas.
        isr_nodes: Vec<i32> = (0..),
        /// Offline replicas (v5+).
        offline_replicas: Vec<i32> = (5..),
    }
}

message! {
    /// Metadata of one topic.
    MetadataResponseTopic {
        /// Topic-level error.
        error_code: ErrorCode = (0..),
        /// Topic name.
        name: String = (0..),
        /// Internal topic (v1+).
        is_internal: bool = (1..),
        /// Per-partition metadata.
        partitions: Vec<MetadataResponsePartition> = (0..),
        /// Allowed ACL operations bit field (v8+).
        topic_authorized_operations: i32 = (8.., def: i32::MIN),
    }
}

message! {
    /// Brokers, controller and topic metadata.
    MetadataResponse {
        /// Quota throttle (v3+).
        throttle_time_ms: i32 = (3..),
        /// Live brokers with an endpoint on the request's listener.
        brokers: Vec<MetadataResponseBroker> = (0..),
        /// Cluster id (v2+).
        cluster_id: Option<String> = (2.., null: 2.., def: None),
        /// Active controller id, -1 if unknown (v1+).
        controller_id: i32 = (1.., def: -1),
        /// Per-topic metadata.
        topics: Vec<MetadataResponseTopic> = (0..),
        /// Allowed cluster ACL operations bit field (v8+).
        cluster_authorized_operations: i32 = (8.., def: i32::MIN),
    }
}

api_message!(MetadataRequest => Metadata, MetadataResponse => Metadata);
