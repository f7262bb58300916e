//! Broker-level log settings (`server.properties` keys, kafka-2.4.md §4.13 and §5.5) for the
//! log manager: where the log dirs are, how many recovery threads, how often the periodic
//! tasks run, and the topic defaults every log starts from (built by `LogConfig`).
//!
//! Unknown keys are ignored here (the broker logs them); a bad value is an error naming the key.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::LogConfig;

/// Kafka's `log.dirs` default.
const DEFAULT_LOG_DIR: &str = "/tmp/kafka-logs";
/// Kafka's `LogManager.InitialTaskDelayMs`: periodic tasks start 30 s after start-up.
const INITIAL_TASK_DELAY_MS: i64 = 30_000;

/// A broker setting with a value the log manager cannot use.
#[derive(Debug, thiserror::Error)]
#[error("Invalid value {value} for configuration {key}: {reason}")]
pub struct ConfigError {
    /// The `server.properties` key, verbatim.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

/// Everything the log manager reads from the broker configuration.
#[derive(Debug, Clone)]
pub struct LogManagerConfig {
    /// `log.dirs` (or `log.dir`), comma-separated in the file.
    pub log_dirs: Vec<PathBuf>,
    /// Topic defaults from the `log.*` keys; topics override them.
    pub default_log_config: LogConfig,
    /// `num.recovery.threads.per.data.dir` (1): parallelism of loading and closing logs.
    pub num_recovery_threads_per_data_dir: usize,
    /// `log.retention.check.interval.ms` (300000).
    pub retention_check_interval_ms: i64,
    /// `log.flush.offset.checkpoint.interval.ms` (60000): recovery-point checkpoint period.
    pub flush_offset_checkpoint_interval_ms: i64,
    /// `log.flush.start.offset.checkpoint.interval.ms` (60000).
    pub flush_start_offset_checkpoint_interval_ms: i64,
    /// `log.flush.scheduler.interval.ms` (Long.MAX): how often logs are checked against `flush.ms`.
    pub flush_scheduler_interval_ms: i64,
    /// Delay before the first run of every periodic task (Kafka: fixed 30000).
    pub initial_task_delay_ms: i64,
}

impl Default for LogManagerConfig {
    fn default() -> Self {
        LogManagerConfig {
            log_dirs: vec![PathBuf::from(DEFAULT_LOG_DIR)],
            default_log_config: LogConfig::default(),
            num_recovery_threads_per_data_dir: 1,
            retention_check_interval_ms: 300_000,
            flush_offset_checkpoint_interval_ms: 60_000,
            flush_start_offset_checkpoint_interval_ms: 60_000,
            flush_scheduler_interval_ms: i64::MAX,
            initial_task_delay_ms: INITIAL_TASK_DELAY_MS,
        }
    }
}

impl LogManagerConfig {
    /// Builds the settings from `server.properties` keys, with Kafka 2.4's defaults for
    /// everything absent. `log.dirs` wins over `log.dir`.
    pub fn from_props(props: &HashMap<String, String>) -> Result<LogManagerConfig, ConfigError> {
        let mut config = LogManagerConfig {
            default_log_config: LogConfig::from_broker_props(props.iter()).map_err(
                |e| match e {
                    crate::LogError::InvalidConfig { key, value, reason } => {
                        ConfigError { key, value, reason }
                    }
                    other => ConfigError {
                        key: String::new(),
                        value: String::new(),
                        reason: other.to_string(),
                    },
                },
            )?,
            ..LogManagerConfig::default()
        };
        let dirs_key = if props.contains_key("log.dirs") {
            Some("log.dirs")
        } else if props.contains_key("log.dir") {
            Some("log.dir")
        } else {
            None
        };
        if let Some(key) = dirs_key {
            config.log_dirs = parse_dirs(key, &props[key])?;
        }
        if let Some(threads) = int_at_least(props, "num.recovery.threads.per.data.dir", 1)? {
            config.num_recovery_threads_per_data_dir = usize::try_from(threads).unwrap_or(1);
        }
        let periods: [(&str, i64, &mut i64); 4] = [
            (
                "log.retention.check.interval.ms",
                1,
                &mut config.retention_check_interval_ms,
            ),
            (
                "log.flush.offset.checkpoint.interval.ms",
                0,
                &mut config.flush_offset_checkpoint_interval_ms,
            ),
            (
                "log.flush.start.offset.checkpoint.interval.ms",
                0,
                &mut config.flush_start_offset_checkpoint_interval_ms,
            ),
            (
                "log.flush.scheduler.interval.ms",
                i64::MIN,
                &mut config.flush_scheduler_interval_ms,
            ),
        ];
        for (key, min, slot) in periods {
            if let Some(value) = int_at_least(props, key, min)? {
                *slot = value;
            }
        }
        Ok(config)
    }
}

/// Comma-separated list, entries trimmed, empty entries dropped; at least one dir.
fn parse_dirs(key: &str, value: &str) -> Result<Vec<PathBuf>, ConfigError> {
    let dirs: Vec<PathBuf> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    if dirs.is_empty() {
        return Err(ConfigError {
            key: key.to_string(),
            value: value.to_string(),
            reason: "at least one log directory is required".to_string(),
        });
    }
    Ok(dirs)
}

fn int_at_least(
    props: &HashMap<String, String>,
    key: &str,
    min: i64,
) -> Result<Option<i64>, ConfigError> {
    let Some(raw) = props.get(key) else {
        return Ok(None);
    };
    let err = |reason: String| ConfigError {
        key: key.to_string(),
        value: raw.clone(),
        reason,
    };
    let value: i64 = raw
        .trim()
        .parse()
        .map_err(|_| err("Expected value to be a 64-bit integer (long).".to_string()))?;
    if value < min {
        return Err(err(format!("Value must be at least {min}")));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_kafkas() {
        let c = LogManagerConfig::from_props(&HashMap::new()).unwrap();
        assert_eq!(c.log_dirs, [PathBuf::from("/tmp/kafka-logs")]);
        assert_eq!(c.num_recovery_threads_per_data_dir, 1);
        assert_eq!(c.retention_check_interval_ms, 300_000);
        assert_eq!(c.flush_offset_checkpoint_interval_ms, 60_000);
        assert_eq!(c.flush_start_offset_checkpoint_interval_ms, 60_000);
        assert_eq!(c.default_log_config, LogConfig::default());
    }

    #[test]
    fn stock_server_properties_parse() {
        let c = LogManagerConfig::from_props(&props(&[
            ("broker.id", "0"),
            ("log.dirs", "/a, /b,"),
            ("log.dir", "/ignored"),
            ("num.recovery.threads.per.data.dir", "2"),
            ("log.retention.hours", "1"),
            ("log.retention.minutes", "2"),
            ("log.segment.bytes", "1048576"),
            ("log.retention.check.interval.ms", "1000"),
            ("message.max.bytes", "2000000"),
        ]))
        .unwrap();
        assert_eq!(c.log_dirs, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(c.num_recovery_threads_per_data_dir, 2);
        assert_eq!(c.retention_check_interval_ms, 1000);
        // .minutes is more specific than .hours.
        assert_eq!(c.default_log_config.retention_ms, 120_000);
        assert_eq!(c.default_log_config.segment_bytes, 1_048_576);
        assert_eq!(c.default_log_config.max_message_bytes, 2_000_000);
        let c = LogManagerConfig::from_props(&props(&[("log.dir", "/x")])).unwrap();
        assert_eq!(c.log_dirs, [PathBuf::from("/x")]);
    }

    #[test]
    fn bad_values_name_the_key() {
        for (key, value) in [
            ("num.recovery.threads.per.data.dir", "0"),
            ("log.retention.check.interval.ms", "soon"),
            ("log.dirs", " , "),
            ("log.segment.bytes", "huge"),
            ("log.retention.hours", "x"),
        ] {
            let err = LogManagerConfig::from_props(&props(&[(key, value)])).unwrap_err();
            assert_eq!(err.key, key, "{err}");
            assert!(err.to_string().contains(key));
        }
    }
}
