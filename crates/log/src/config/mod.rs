//! Per-topic log configuration (`LogConfig`), kafka-2.4.md §4.13.
//!
//! Owns the topic config keys, their Kafka 2.4 defaults and validation, and the mapping from the
//! broker keys (`log.segment.bytes`, `log.retention.hours`, ...) that provide the defaults.
//! Values are built from the broker's defaults and then the topic's overrides, both as string
//! maps exactly as they appear in `server.properties` and in `/config/topics/<topic>`.
//! `cleanup.policy=compact` is parsed and stored; compaction itself is not implemented.

mod broker;
mod parse;

use crate::error::{LogError, Result};
use parse::{
    invalid, parse_bool, parse_cleanup_policy, parse_i32_at_least, parse_i64, parse_i64_at_least,
};

/// `message.timestamp.type`: which timestamp the log stores in each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// Keep the producer's timestamps.
    CreateTime,
    /// Overwrite the batch max timestamp with the broker's append time.
    LogAppendTime,
}

/// One entry of `cleanup.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupPolicy {
    /// Delete old segments by time and size.
    Delete,
    /// Keep the latest value per key (stored, not yet acted on).
    Compact,
}

/// Every topic config key of Kafka 2.4 (`LogConfig.configNames`).
pub const TOPIC_CONFIG_NAMES: &[&str] = &[
    "cleanup.policy",
    "compression.type",
    "delete.retention.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "max.compaction.lag.ms",
    "max.message.bytes",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.difference.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
];

/// Compression codecs accepted by `compression.type`.
const COMPRESSION_TYPES: &[&str] = &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// The effective configuration of one partition log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// `segment.bytes`: roll when the active segment would exceed this size.
    pub segment_bytes: i32,
    /// `segment.ms`: roll when the active segment's first batch is this old.
    pub segment_ms: i64,
    /// `segment.jitter.ms`: random reduction of `segment_ms` so partitions do not roll together.
    pub segment_jitter_ms: i64,
    /// `segment.index.bytes`: preallocated size of `.index` / `.timeindex`.
    pub segment_index_bytes: i32,
    /// `index.interval.bytes`: bytes between offset index entries.
    pub index_interval_bytes: i32,
    /// `max.message.bytes`: largest accepted batch.
    pub max_message_bytes: i32,
    /// `message.timestamp.type`.
    pub message_timestamp_type: TimestampType,
    /// `message.timestamp.difference.max.ms`: allowed CreateTime distance from the broker clock.
    pub message_timestamp_difference_max_ms: i64,
    /// `retention.ms`: delete segments whose newest record is older; negative = forever.
    pub retention_ms: i64,
    /// `retention.bytes`: delete oldest segments while the log is larger; negative = off.
    pub retention_bytes: i64,
    /// `cleanup.policy`: `delete`, `compact` or both.
    pub cleanup_policy: Vec<CleanupPolicy>,
    /// `file.delete.delay.ms`: how long `.deleted` files linger.
    pub file_delete_delay_ms: i64,
    /// `flush.messages`: fsync after this many messages (default never).
    pub flush_messages: i64,
    /// `flush.ms`: fsync after this long (default never).
    pub flush_ms: i64,
    /// `min.insync.replicas`: used by acks=all produce.
    pub min_insync_replicas: i32,
    /// `compression.type`: `producer` keeps what the client sent.
    pub compression_type: String,
    /// `preallocate`: preallocate segment files (accepted, not acted on).
    pub preallocate: bool,
    /// `delete.retention.ms`: tombstone retention for compacted topics.
    pub delete_retention_ms: i64,
    /// `min.cleanable.dirty.ratio`: compaction trigger.
    pub min_cleanable_dirty_ratio: f64,
    /// `min.compaction.lag.ms`.
    pub min_compaction_lag_ms: i64,
    /// `max.compaction.lag.ms`.
    pub max_compaction_lag_ms: i64,
    /// `unclean.leader.election.enable`: used by the controller.
    pub unclean_leader_election_enable: bool,
    /// `message.downconversion.enable`: used by fetch for old clients.
    pub message_downconversion_enable: bool,
    /// `message.format.version`: the log always writes magic 2.
    pub message_format_version: String,
    /// `leader.replication.throttled.replicas`, stored verbatim.
    pub leader_replication_throttled_replicas: String,
    /// `follower.replication.throttled.replicas`, stored verbatim.
    pub follower_replication_throttled_replicas: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            segment_jitter_ms: 0,
            segment_index_bytes: 10_485_760,
            index_interval_bytes: 4096,
            max_message_bytes: 1_000_012,
            message_timestamp_type: TimestampType::CreateTime,
            message_timestamp_difference_max_ms: i64::MAX,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            cleanup_policy: vec![CleanupPolicy::Delete],
            file_delete_delay_ms: 60_000,
            flush_messages: i64::MAX,
            flush_ms: i64::MAX,
            min_insync_replicas: 1,
            compression_type: "producer".to_string(),
            preallocate: false,
            delete_retention_ms: 86_400_000,
            min_cleanable_dirty_ratio: 0.5,
            min_compaction_lag_ms: 0,
            max_compaction_lag_ms: i64::MAX,
            unclean_leader_election_enable: false,
            message_downconversion_enable: true,
            message_format_version: "2.4-IV1".to_string(),
            leader_replication_throttled_replicas: String::new(),
            follower_replication_throttled_replicas: String::new(),
        }
    }
}

impl LogConfig {
    /// This config with per-topic overrides applied (keys of [`TOPIC_CONFIG_NAMES`]).
    /// An unknown key or a bad value is an error naming the key.
    pub fn with_overrides<I, K, V>(&self, overrides: I) -> Result<LogConfig>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = self.clone();
        for (key, value) in overrides {
            config.set(key.as_ref(), value.as_ref().trim())?;
        }
        Ok(config)
    }

    /// True when `cleanup.policy` contains `delete` (time/size retention applies).
    pub fn delete_enabled(&self) -> bool {
        self.cleanup_policy.contains(&CleanupPolicy::Delete)
    }

    /// True when `cleanup.policy` contains `compact`.
    pub fn compact_enabled(&self) -> bool {
        self.cleanup_policy.contains(&CleanupPolicy::Compact)
    }

    /// The `segment.index.bytes` limit for an offset index (rounded down to 8-byte entries).
    pub fn max_index_bytes(&self) -> usize {
        usize::try_from(self.segment_index_bytes).unwrap_or(0)
    }

    /// Every topic key with its current value as Kafka prints it (for DescribeConfigs).
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let policy: Vec<&str> = self
            .cleanup_policy
            .iter()
            .map(|p| match p {
                CleanupPolicy::Delete => "delete",
                CleanupPolicy::Compact => "compact",
            })
            .collect();
        let timestamp_type = match self.message_timestamp_type {
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        };
        vec![
            ("cleanup.policy", policy.join(",")),
            ("compression.type", self.compression_type.clone()),
            ("delete.retention.ms", self.delete_retention_ms.to_string()),
            (
                "file.delete.delay.ms",
                self.file_delete_delay_ms.to_string(),
            ),
            ("flush.messages", self.flush_messages.to_string()),
            ("flush.ms", self.flush_ms.to_string()),
            (
                "follower.replication.throttled.replicas",
                self.follower_replication_throttled_replicas.clone(),
            ),
            (
                "index.interval.bytes",
                self.index_interval_bytes.to_string(),
            ),
            (
                "leader.replication.throttled.replicas",
                self.leader_replication_throttled_replicas.clone(),
            ),
            (
                "max.compaction.lag.ms",
                self.max_compaction_lag_ms.to_string(),
            ),
            ("max.message.bytes", self.max_message_bytes.to_string()),
            (
                "message.downconversion.enable",
                self.message_downconversion_enable.to_string(),
            ),
            (
                "message.format.version",
                self.message_format_version.clone(),
            ),
            (
                "message.timestamp.difference.max.ms",
                self.message_timestamp_difference_max_ms.to_string(),
            ),
            ("message.timestamp.type", timestamp_type.to_string()),
            (
                "min.cleanable.dirty.ratio",
                self.min_cleanable_dirty_ratio.to_string(),
            ),
            (
                "min.compaction.lag.ms",
                self.min_compaction_lag_ms.to_string(),
            ),
            ("min.insync.replicas", self.min_insync_replicas.to_string()),
            ("preallocate", self.preallocate.to_string()),
            ("retention.bytes", self.retention_bytes.to_string()),
            ("retention.ms", self.retention_ms.to_string()),
            ("segment.bytes", self.segment_bytes.to_string()),
            ("segment.index.bytes", self.segment_index_bytes.to_string()),
            ("segment.jitter.ms", self.segment_jitter_ms.to_string()),
            ("segment.ms", self.segment_ms.to_string()),
            (
                "unclean.leader.election.enable",
                self.unclean_leader_election_enable.to_string(),
            ),
        ]
    }

    /// Sets one topic key, validating as Kafka's `LogConfig` ConfigDef does.
    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "segment.bytes" => self.segment_bytes = parse_i32_at_least(key, value, 14)?,
            "segment.ms" => self.segment_ms = parse_i64_at_least(key, value, 1)?,
            "segment.jitter.ms" => self.segment_jitter_ms = parse_i64_at_least(key, value, 0)?,
            "segment.index.bytes" => self.segment_index_bytes = parse_i32_at_least(key, value, 0)?,
            "index.interval.bytes" => {
                self.index_interval_bytes = parse_i32_at_least(key, value, 0)?
            }
            "max.message.bytes" => self.max_message_bytes = parse_i32_at_least(key, value, 0)?,
            "message.timestamp.type" => {
                self.message_timestamp_type = match value {
                    "CreateTime" => TimestampType::CreateTime,
                    "LogAppendTime" => TimestampType::LogAppendTime,
                    _ => {
                        return Err(invalid(
                            key,
                            value,
                            "String must be one of: CreateTime, LogAppendTime",
                        ))
                    }
                }
            }
            "message.timestamp.difference.max.ms" => {
                self.message_timestamp_difference_max_ms = parse_i64_at_least(key, value, 0)?
            }
            "retention.ms" => self.retention_ms = parse_i64(key, value)?,
            "retention.bytes" => self.retention_bytes = parse_i64(key, value)?,
            "cleanup.policy" => self.cleanup_policy = parse_cleanup_policy(key, value)?,
            "file.delete.delay.ms" => {
                self.file_delete_delay_ms = parse_i64_at_least(key, value, 0)?
            }
            "flush.messages" => self.flush_messages = parse_i64_at_least(key, value, 0)?,
            "flush.ms" => self.flush_ms = parse_i64_at_least(key, value, 0)?,
            "min.insync.replicas" => self.min_insync_replicas = parse_i32_at_least(key, value, 1)?,
            "compression.type" => {
                if !COMPRESSION_TYPES.contains(&value) {
                    return Err(invalid(
                        key,
                        value,
                        "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
                    ));
                }
                self.compression_type = value.to_string();
            }
            "preallocate" => self.preallocate = parse_bool(key, value)?,
            "delete.retention.ms" => self.delete_retention_ms = parse_i64_at_least(key, value, 0)?,
            "min.cleanable.dirty.ratio" => {
                let ratio: f64 = value
                    .parse()
                    .map_err(|_| invalid(key, value, "Expected value to be a double number."))?;
                if !(0.0..=1.0).contains(&ratio) {
                    return Err(invalid(key, value, "Value must be between 0 and 1"));
                }
                self.min_cleanable_dirty_ratio = ratio;
            }
            "min.compaction.lag.ms" => {
                self.min_compaction_lag_ms = parse_i64_at_least(key, value, 0)?
            }
            "max.compaction.lag.ms" => {
                self.max_compaction_lag_ms = parse_i64_at_least(key, value, 1)?
            }
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable = parse_bool(key, value)?
            }
            "message.downconversion.enable" => {
                self.message_downconversion_enable = parse_bool(key, value)?
            }
            "message.format.version" => self.message_format_version = value.to_string(),
            "leader.replication.throttled.replicas" => {
                self.leader_replication_throttled_replicas = value.to_string()
            }
            "follower.replication.throttled.replicas" => {
                self.follower_replication_throttled_replicas = value.to_string()
            }
            _ => {
                return Err(LogError::UnknownConfig {
                    key: key.to_string(),
                })
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_kafka_2_4() {
        let c = LogConfig::default();
        assert_eq!(c.segment_bytes, 1_073_741_824);
        assert_eq!(c.segment_ms, 604_800_000);
        assert_eq!(c.segment_index_bytes, 10_485_760);
        assert_eq!(c.max_message_bytes, 1_000_012);
        assert_eq!(c.retention_bytes, -1);
        assert!(c.delete_enabled() && !c.compact_enabled());
        assert_eq!(c.describe().len(), TOPIC_CONFIG_NAMES.len());
    }

    #[test]
    fn broker_props_prefer_ms_over_hours_and_rename_keys() {
        let c = LogConfig::from_broker_props([
            ("log.retention.ms", "1000"),
            ("log.retention.hours", "1"),
            ("log.roll.hours", "2"),
            ("log.segment.bytes", "2048"),
            ("broker.id", "3"),
        ])
        .unwrap();
        assert_eq!(c.retention_ms, 1000);
        assert_eq!(c.segment_ms, 7_200_000);
        assert_eq!(c.segment_bytes, 2048);
        let err = LogConfig::from_broker_props([("log.segment.bytes", "big")]).unwrap_err();
        assert!(err.to_string().contains("log.segment.bytes"), "{err}");
    }

    #[test]
    fn topic_overrides_validate_and_name_the_key() {
        let base = LogConfig::default();
        let c = base
            .with_overrides([("cleanup.policy", "compact,delete"), ("retention.ms", "-1")])
            .unwrap();
        assert!(c.compact_enabled() && c.delete_enabled());
        assert_eq!(c.retention_ms, -1);
        let err = base.with_overrides([("segment.bytes", "10")]).unwrap_err();
        assert!(err.to_string().contains("segment.bytes"));
        assert_eq!(err.kafka_error_code(), 40);
        let err = base
            .with_overrides([("message.timestamp.type", "Now")])
            .unwrap_err();
        assert!(err.to_string().contains("message.timestamp.type"));
        assert!(base.with_overrides([("no.such.key", "1")]).is_err());
    }
}
