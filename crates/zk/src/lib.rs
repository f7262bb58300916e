//! Gregor's ZooKeeper layer, in Kafka's three layers: the raw client (`zookeeper-client`, see
//! DESIGN.md for why), Kafka's operations ([`KafkaZkClient`]), and one type per znode with its
//! JSON ([`znode`], paths in [`paths`]).
//!
//! This crate knows nothing of the wire protocol, the log or the controller's logic; it only
//! reads and writes znodes exactly as Kafka 2.4 does. With the `test-support` feature,
//! `test_support::TestZooKeeper` starts a real ZooKeeper for tests.
//!
//! What the raw client (`zookeeper-client` 0.11) gives, as checked by this crate's tests against
//! ZooKeeper 3.8:
//! * multi-ops: `Client::new_multi_writer()` with `add_check_version`/`add_create`/
//!   `add_set_data`/`add_delete`, atomic; a failure is `MultiWriteError::OperationFailed { index,
//!   source }` naming the first failing op (how registration and the election tell NODEEXISTS
//!   from BADVERSION). `new_check_writer(path, version)` prepends a version check, the shape of
//!   the controller's `/controller_epoch` fencing.
//! * watches: one-shot (`get_and_watch_data`, `list_and_watch_children`, `check_and_watch_stat`,
//!   re-armed by the caller like Kafka's) and persistent (`watch(path, AddWatchMode)`, ZooKeeper
//!   3.6+). Events on a persistent watch can be lost across a reconnect (ZOOKEEPER-4698): re-read
//!   state after `Disconnected` → `SyncConnected`.
//! * session expiry: `state_watcher()` reports `Disconnected`, `SyncConnected` and the terminal
//!   `Expired` (also detected client-side when no server answers within the session timeout) or
//!   `Closed`. A client never opens a new session by itself: after `Expired` every request fails
//!   with `SessionExpired`, and the broker must connect a new [`KafkaZkClient`] and re-register.
//! * chroot: `Client::chroot`, on the same session; paths in events are relative to it.
//! * limitation: znodes cannot be created with *null* data, only empty data (Kafka creates its
//!   top-level paths with null).

pub mod admin;
pub mod client;
pub mod connect_string;
pub mod consumer_offsets;
pub mod controller_election;
pub mod error;
pub mod paths;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod znode;

pub use admin::{AdminError, AdminZkClient, BrokerMetadata, RackAwareMode};
pub use client::KafkaZkClient;
pub use connect_string::ConnectString;
pub use error::{ZkError, ZnodeError};
pub use znode::broker::{BrokerInfo, EndPoint};
pub use znode::cluster_id::ClusterId;
pub use znode::config::{ConfigChangeNotification, EntityConfig};
pub use znode::controller::{ControllerEpoch, ControllerInfo};
pub use znode::delete_topic::DeleteTopicRequest;
pub use znode::isr_change::{IsrChangeNotification, TopicPartition};
pub use znode::partition_state::LeaderIsrAndControllerEpoch;
pub use znode::producer_id_block::ProducerIdBlock;
pub use znode::topic::{ReplicaAssignment, TopicAssignment};
/// The raw client, re-exported so users of [`KafkaZkClient::raw`] need no own dependency.
pub use zookeeper_client;
