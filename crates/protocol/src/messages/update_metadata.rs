//! UpdateMetadata (key 6), versions 0–6, flexible from 6 (§4.25). Controller → broker only.

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Metadata of one partition (common struct of both partition lists).
    UpdateMetadataPartitionState {
        /// Topic (only in the ungrouped v0–4 form).
        topic_name: String = (0..=4),
        /// Partition.
        partition_index: i32 = (0..),
        /// Controller epoch of the last change.
        controller_epoch: i32 = (0..),
        /// Leader id (-2 while the topic is being deleted).
        leader: i32 = (0..),
        /// Leader epoch.
        leader_epoch: i32 = (0..),
        /// ISR.
        isr: Vec<i32> = (0..),
        /// Znode version.
        zk_version: i32 = (0..),
        /// All replicas.
        replicas: Vec<i32> = (0..),
        /// Offline replicas (v4+).
        offline_replicas: Vec<i32> = (4..),
    }
}

message! {
    /// Partition states of one topic (v5+).
    UpdateMetadataTopicState {
        /// Topic.
        topic_name: String = (5..),
        /// Its partitions.
        partition_states: Vec<UpdateMetadataPartitionState> = (5..),
    }
}

message! {
    /// One listener endpoint of a broker (v1+).
    UpdateMetadataEndpoint {
        /// Port.
        port: i32 = (1..),
        /// Host.
        host: String = (1..),
        /// Listener name (v3+).
        listener: String = (3..),
        /// 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL.
        security_protocol: i16 = (1..),
    }
}

message! {
    /// A live broker.
    UpdateMetadataBroker {
        /// Broker id.
        id: i32 = (0..),
        /// Single host (v0 only).
        v0_host: String = (0..=0),
        /// Single port (v0 only).
        v0_port: i32 = (0..=0),
        /// Endpoints (v1+).
        endpoints: Vec<UpdateMetadataEndpoint> = (1..),
        /// Rack or null (v2+).
        rack: Option<String> = (2.., null: 2.., def: None),
    }
}

message! {
    /// Pushes cluster metadata to a broker.
    UpdateMetadataRequest {
        /// Sending controller.
        controller_id: i32 = (0..),
        /// Controller epoch.
        controller_epoch: i32 = (0..),
        /// Receiving broker's epoch (v5+).
        broker_epoch: i64 = (5.., def: -1),
        /// Flat partition states (v0–4).
        ungrouped_partition_states: Vec<UpdateMetadataPartitionState> = (0..=4, strict: true),
        /// Partition states by topic (v5+).
        topic_states: Vec<UpdateMetadataTopicState> = (5.., strict: true),
        /// All live brokers.
        live_brokers: Vec<UpdateMetadataBroker> = (0..),
    }
}

message! {
    /// UpdateMetadata result.
    UpdateMetadataResponse {
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

api_message!(UpdateMetadataRequest => UpdateMetadata, UpdateMetadataResponse => UpdateMetadata);
