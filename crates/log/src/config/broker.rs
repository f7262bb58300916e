//! Topic defaults from broker properties (`server.properties` keys such as
//! `log.segment.bytes`, `log.retention.hours`), kafka-2.4.md §4.13.

use super::parse::parse_i64;
use super::LogConfig;
use crate::error::{LogError, Result};

/// Broker keys that provide topic defaults: (broker key, topic key, multiplier to ms).
/// Listed from least to most specific so later entries win (`log.retention.ms` beats `.hours`).
const BROKER_KEYS: &[(&str, &str, i64)] = &[
    ("log.segment.bytes", "segment.bytes", 1),
    ("log.roll.hours", "segment.ms", 3_600_000),
    ("log.roll.ms", "segment.ms", 1),
    ("log.roll.jitter.hours", "segment.jitter.ms", 3_600_000),
    ("log.roll.jitter.ms", "segment.jitter.ms", 1),
    ("log.index.size.max.bytes", "segment.index.bytes", 1),
    ("log.index.interval.bytes", "index.interval.bytes", 1),
    ("message.max.bytes", "max.message.bytes", 1),
    ("log.message.timestamp.type", "message.timestamp.type", 1),
    (
        "log.message.timestamp.difference.max.ms",
        "message.timestamp.difference.max.ms",
        1,
    ),
    ("log.retention.hours", "retention.ms", 3_600_000),
    ("log.retention.minutes", "retention.ms", 60_000),
    ("log.retention.ms", "retention.ms", 1),
    ("log.retention.bytes", "retention.bytes", 1),
    ("log.cleanup.policy", "cleanup.policy", 1),
    ("log.segment.delete.delay.ms", "file.delete.delay.ms", 1),
    ("log.flush.interval.messages", "flush.messages", 1),
    ("log.flush.scheduler.interval.ms", "flush.ms", 1),
    ("log.flush.interval.ms", "flush.ms", 1),
    ("min.insync.replicas", "min.insync.replicas", 1),
    ("compression.type", "compression.type", 1),
    ("log.preallocate", "preallocate", 1),
    ("log.cleaner.delete.retention.ms", "delete.retention.ms", 1),
    (
        "log.cleaner.min.cleanable.ratio",
        "min.cleanable.dirty.ratio",
        1,
    ),
    (
        "log.cleaner.min.compaction.lag.ms",
        "min.compaction.lag.ms",
        1,
    ),
    (
        "log.cleaner.max.compaction.lag.ms",
        "max.compaction.lag.ms",
        1,
    ),
    (
        "unclean.leader.election.enable",
        "unclean.leader.election.enable",
        1,
    ),
    (
        "log.message.downconversion.enable",
        "message.downconversion.enable",
        1,
    ),
    ("log.message.format.version", "message.format.version", 1),
];

impl LogConfig {
    /// Topic defaults from broker properties (`server.properties` keys); other keys are ignored.
    pub fn from_broker_props<I, K, V>(props: I) -> Result<LogConfig>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let props: Vec<(String, String)> = props
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().trim().to_string()))
            .collect();
        let mut config = LogConfig::default();
        for (broker_key, topic_key, multiplier_ms) in BROKER_KEYS {
            let Some((_, value)) = props.iter().rev().find(|(k, _)| k == broker_key) else {
                continue;
            };
            let topic_value = if *multiplier_ms == 1 {
                value.clone()
            } else {
                let units = parse_i64(broker_key, value)?;
                units.saturating_mul(*multiplier_ms).to_string()
            };
            config
                .set(topic_key, &topic_value)
                .map_err(|err| rename_key(err, broker_key))?;
        }
        Ok(config)
    }
}

/// Reports a broker-key parse failure under the broker key the user actually wrote.
fn rename_key(err: LogError, broker_key: &str) -> LogError {
    match err {
        LogError::InvalidConfig { value, reason, .. } => LogError::InvalidConfig {
            key: broker_key.to_string(),
            value,
            reason,
        },
        other => other,
    }
}
