//! The coordinator's settings (Kafka's `GroupConfig` and `OffsetConfig`) and the log it
//! writes to.

use std::future::Future;
use std::pin::Pin;

use gregor_protocol::ErrorCode;

/// Broker settings the coordinator follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// This broker's id (log lines).
    pub broker_id: i32,
    /// `offsets.topic.num.partitions`.
    pub offsets_topic_partitions: i32,
    /// `group.min.session.timeout.ms`.
    pub min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`.
    pub max_session_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`.
    pub initial_rebalance_delay_ms: i32,
    /// `group.max.size`.
    pub max_group_size: i32,
    /// `offset.metadata.max.bytes`.
    pub offset_metadata_max_bytes: i32,
    /// `offsets.retention.minutes` in ms.
    pub offsets_retention_ms: i64,
    /// `offsets.retention.check.interval.ms`.
    pub offsets_retention_check_interval_ms: i64,
    /// `offsets.load.buffer.size`: bytes read per step while loading a partition.
    pub load_buffer_size: usize,
    /// A member that never completes its first join is dropped after this long (Kafka's
    /// `NewMemberJoinTimeoutMs`, 5 minutes).
    pub new_member_join_timeout_ms: i64,
}

impl Default for GroupConfig {
    /// Kafka 2.4's defaults.
    fn default() -> GroupConfig {
        GroupConfig {
            broker_id: 0,
            offsets_topic_partitions: 50,
            min_session_timeout_ms: 6000,
            max_session_timeout_ms: 1_800_000,
            initial_rebalance_delay_ms: 3000,
            max_group_size: i32::MAX,
            offset_metadata_max_bytes: 4096,
            offsets_retention_ms: 10080 * 60 * 1000,
            offsets_retention_check_interval_ms: 600_000,
            load_buffer_size: 5 * 1024 * 1024,
            new_member_join_timeout_ms: 300_000,
        }
    }
}

/// A future answering an append.
pub type AppendFuture = Pin<Box<dyn Future<Output = Result<(), ErrorCode>> + Send>>;

/// Bytes read from an offsets partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogChunk {
    /// The partition's log start offset.
    pub log_start_offset: i64,
    /// The partition's log end offset.
    pub log_end_offset: i64,
    /// Whole record batches starting with the one holding the offset asked for (empty at the
    /// end of the log).
    pub bytes: Vec<u8>,
}

/// The `__consumer_offsets` partitions, as the broker's replica manager offers them.
pub trait OffsetsLog: Send + Sync + 'static {
    /// Appends one record batch to `partition` as its leader and resolves once every in-sync
    /// replica has it (acks=all), with the produce error code otherwise.
    fn append(&self, partition: i32, batch: Vec<u8>) -> AppendFuture;

    /// Reads at most about `max_bytes` (at least one batch) of `partition` from `offset` (the
    /// log start offset if `offset` is below it), up to the log end offset.
    fn read(&self, partition: i32, offset: i64, max_bytes: usize) -> Result<LogChunk, ErrorCode>;
}
