//! The segmented log in Kafka's on-disk format (kafka-2.4.md §4, §3.4).
//!
//! Layers, bottom up: `index` (memory-mapped `.index` / `.timeindex`), `segment` (one `.log`
//! file with its indexes), `log` (one partition directory: append, read, roll, retention,
//! truncation, recovery), `epoch` (the leader epoch cache), `checkpoint` (the text checkpoint
//! files), `dir` (one log directory's top-level files) and `manager` (all log dirs of a broker).
//! This crate knows nothing of the network, ZooKeeper or the controller.

pub mod checkpoint;
pub mod config;
pub mod dir;
pub mod epoch;
pub mod error;
pub mod index;
pub mod log;
pub mod manager;
pub mod producer;
pub mod segment;

pub use self::log::{
    FetchDataInfo, Log, LogAppendInfo, LogLoadOptions, LogOffsetMetadata, LogReader, LogSnapshot,
};
pub use checkpoint::{CheckpointFile, EpochEntry};
pub use config::{CleanupPolicy, LogConfig, TimestampType};
pub use epoch::LeaderEpochCache;
pub use error::{LogError, Result};
pub use segment::{FileRegion, TimestampAndOffset};
