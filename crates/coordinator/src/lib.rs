//! Kafka 2.4's group coordinator (`kafka.coordinator.group`): consumer groups with their
//! state machine, membership and session timers, and committed offsets kept in the
//! `__consumer_offsets` topic in Kafka's record formats.
//!
//! The crate knows nothing of sockets or of the replica manager: the broker hands it an
//! [`OffsetsLog`] (append a batch to an offsets partition with acks=all, read a partition back)
//! and tells it when it becomes leader of an offsets partition ([`GroupCoordinator::on_elected`])
//! or stops being one ([`GroupCoordinator::on_resigned`]). Request handlers translate the wire
//! versions into the calls here.

pub mod admin;
pub mod config;
pub mod coordinator;
pub mod group;
mod loader;
pub mod membership;
pub mod offsets;
mod rebalance;
pub mod records;

pub use config::{GroupConfig, LogChunk, OffsetsLog};
pub use coordinator::{partition_for, GroupCoordinator, GROUP_METADATA_TOPIC};
pub use group::{GroupState, JoinResult, SyncResult};
pub use membership::JoinRequest;
pub use offsets::CommitRequest;
