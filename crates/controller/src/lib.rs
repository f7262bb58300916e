//! Kafka 2.4's controller in ZooKeeper mode (kafka-2.4.md §2).
//!
//! Every broker starts it with [`Controller::start`]; the broker that wins the election through
//! the ephemeral `/controller` and `/controller_epoch` becomes active. The active controller
//! runs one event loop ([`controller`]) fed by ZooKeeper watches ([`watches`]); it keeps a
//! [`context::ControllerContext`], drives the partition and replica state machines
//! ([`state`], [`election`]), writes ZooKeeper only through fenced multi-ops ([`fenced`]) and
//! tells brokers what to do with LeaderAndIsr, UpdateMetadata and StopReplica over the Kafka
//! protocol ([`batch`], [`channel`]) — to its own broker too, over TCP.
//!
//! The controller never touches the log and knows nothing of the broker's insides.
//!
//! How the broker uses it (after registering `/brokers/ids/<id>`):
//!
//! ```no_run
//! # async fn broker(zk: gregor_zk::KafkaZkClient) {
//! use gregor_controller::{Controller, ControllerConfig};
//! let mut config = ControllerConfig::new(1);
//! config.delete_topic_enable = true;
//! let controller = Controller::start(zk, config);
//! // Metadata and ControlledShutdown handlers hold clones of the handle.
//! let _is_controller = controller.is_active();
//! let remaining = controller.controlled_shutdown(1, 42).await;
//! // After a session expiry: re-register on a new session, then
//! // controller.new_session(new_zk).await;
//! controller.shutdown().await;
//! # let _ = remaining;
//! # }
//! ```

#![warn(missing_docs)]

pub mod batch;
pub mod channel;
pub mod config;
pub mod context;
mod controller;
pub mod election;
pub mod error;
pub mod event;
pub mod fenced;
mod handle;
pub mod state;
pub mod watches;

pub use config::ControllerConfig;
pub use error::ControllerError;
pub use handle::{Controller, ControllerHandle};
