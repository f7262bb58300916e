//! A small internal Kafka 2.4 client, used by the tools, the replica fetchers and the
//! controller's channel to brokers. It talks to any Kafka 2.4-compatible broker.
//!
//! * [`BrokerConnection`]: one negotiated, pipelined connection to one broker;
//! * [`KafkaClient`]: cluster-aware routing by metadata (leaders, controller, coordinators),
//!   with Kafka's retry policy, and thin typed helpers for the APIs the tools need;
//! * [`group`]: consumer groups: coordinator lookup, a group member ([`group::GroupMember`]),
//!   offset commit/fetch and the group admin calls;
//! * [`ClientError`]: what can fail; Kafka's error codes come back as [`ErrorCode`] values.
//!
//! This crate owns no broker state and never touches logs, ZooKeeper or the network server.

#![deny(missing_docs)]

mod admin;
mod client;
mod connection;
mod error;
pub mod group;
mod metadata;
mod operations;
mod request;
mod versions;
mod wire;

pub use admin::{RESOURCE_TYPE_BROKER, RESOURCE_TYPE_BROKER_LOGGER, RESOURCE_TYPE_TOPIC};
pub use client::{ClientConfig, KafkaClient};
pub use connection::{BrokerConnection, ConnectionConfig, CLIENT_SOFTWARE_NAME};
pub use error::ClientError;
pub use gregor_protocol::ErrorCode;
pub use metadata::{BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo};
pub use operations::{Coordinator, FetchOptions, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP};
pub use request::KafkaRequest;
pub use versions::{client_range, BrokerApiVersions};
