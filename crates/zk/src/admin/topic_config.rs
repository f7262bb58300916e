//! Topic config validation (Kafka's `LogConfig.validate`): the known topic config names of
//! Kafka 2.4 (kafka-2.4.md §4.13 plus the two replication-throttle lists) and a check of each
//! value against its type and range, with `ConfigException`'s message format
//! `Invalid value <v> for configuration <name>: <why>`.

use std::collections::BTreeMap;

use super::AdminError;

/// Every topic-level config name Kafka 2.4 accepts, sorted (Kafka's `LogConfig.configNames`,
/// also listed in kafka-topics' help).
pub const TOPIC_CONFIG_NAMES: [&str; 26] = [
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

/// The type and constraint of one config's value (Kafka's `ConfigDef` type + validator).
enum Rule {
    /// An `INT` at least this value.
    Int(i64),
    /// A `LONG` at least this value (`None` = unconstrained).
    Long(Option<i64>),
    /// A `DOUBLE` within the bounds.
    Double(f64, f64),
    /// A `BOOLEAN`.
    Boolean,
    /// A `STRING` from this set.
    OneOf(&'static [&'static str]),
    /// A `LIST` whose items come from this set.
    ListOf(&'static [&'static str]),
    /// A Kafka version (`message.format.version`, Kafka's `ApiVersionValidator`).
    Version,
    /// `*` or `partition:broker,...` (Kafka's `ThrottledReplicaListValidator`).
    ThrottledReplicas,
}

/// Every version name Kafka 2.4's `ApiVersion` knows, short and inter-broker ("IV") forms.
const KNOWN_VERSIONS: [&str; 37] = [
    "0.8.0",
    "0.8.1",
    "0.8.2",
    "0.9.0",
    "0.10.0-IV0",
    "0.10.0-IV1",
    "0.10.0",
    "0.10.1-IV0",
    "0.10.1-IV1",
    "0.10.1-IV2",
    "0.10.1",
    "0.10.2-IV0",
    "0.10.2",
    "0.11.0-IV0",
    "0.11.0-IV1",
    "0.11.0-IV2",
    "0.11.0",
    "1.0-IV0",
    "1.0",
    "1.1-IV0",
    "1.1",
    "2.0-IV0",
    "2.0-IV1",
    "2.0",
    "2.1-IV0",
    "2.1-IV1",
    "2.1-IV2",
    "2.1",
    "2.2-IV0",
    "2.2-IV1",
    "2.2",
    "2.3-IV0",
    "2.3-IV1",
    "2.3",
    "2.4-IV0",
    "2.4-IV1",
    "2.4",
];

/// Kafka's `ApiVersion.apply`: the first three dot-separated parts of a `0.x` version, the
/// first two otherwise, must name a known version (`2.4.1` → `2.4`).
fn is_known_version(value: &str) -> bool {
    let parts = if value.starts_with("0.") { 3 } else { 2 };
    let key: Vec<&str> = value.split('.').take(parts).collect();
    KNOWN_VERSIONS.contains(&key.join(".").as_str())
}

fn rule(name: &str) -> Rule {
    match name {
        // LegacyRecord.RECORD_OVERHEAD_V0: a segment must hold at least one record header.
        "segment.bytes" => Rule::Int(14),
        "segment.index.bytes" | "max.message.bytes" | "index.interval.bytes" => Rule::Int(0),
        "min.insync.replicas" => Rule::Int(1),
        "segment.ms" | "max.compaction.lag.ms" => Rule::Long(Some(1)),
        "segment.jitter.ms"
        | "flush.messages"
        | "flush.ms"
        | "delete.retention.ms"
        | "min.compaction.lag.ms"
        | "file.delete.delay.ms"
        | "message.timestamp.difference.max.ms" => Rule::Long(Some(0)),
        "retention.ms" | "retention.bytes" => Rule::Long(None),
        "min.cleanable.dirty.ratio" => Rule::Double(0.0, 1.0),
        "unclean.leader.election.enable" | "preallocate" | "message.downconversion.enable" => {
            Rule::Boolean
        }
        "cleanup.policy" => Rule::ListOf(&["compact", "delete"]),
        "compression.type" => {
            Rule::OneOf(&["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"])
        }
        "message.timestamp.type" => Rule::OneOf(&["CreateTime", "LogAppendTime"]),
        "message.format.version" => Rule::Version,
        _ => Rule::ThrottledReplicas,
    }
}

/// Kafka's `LogConfig.validateNames`: every key must be a topic config.
pub fn validate_topic_config_names<'a>(
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), AdminError> {
    for name in names {
        if !TOPIC_CONFIG_NAMES.contains(&name.as_str()) {
            return Err(AdminError::InvalidConfig(format!(
                "Unknown topic config name: {name}"
            )));
        }
    }
    Ok(())
}

/// Kafka's `LogConfig.validate`: known names, then each value parsed by its type and checked
/// against its range or allowed set.
pub fn validate_topic_config(config: &BTreeMap<String, String>) -> Result<(), AdminError> {
    validate_topic_config_names(config.keys())?;
    for (name, value) in config {
        if let Some(why) = check_value(rule(name), value.trim()) {
            // A list names the offending item, as Kafka's `ValidList` does.
            let offending = match why.1 {
                Some(item) => item,
                None => value.clone(),
            };
            // The throttle validator names the config again in its reason.
            let reason = if why.0.starts_with("must be") {
                format!("{name} {}", why.0)
            } else {
                why.0
            };
            return Err(AdminError::InvalidConfig(format!(
                "Invalid value {offending} for configuration {name}: {reason}"
            )));
        }
    }
    let lag = |name: &str| config.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    if let (Some(min), Some(max)) = (lag("min.compaction.lag.ms"), lag("max.compaction.lag.ms")) {
        if min > max {
            return Err(AdminError::InvalidConfig(format!("conflict topic config setting min.compaction.lag.ms ({min}) > max.compaction.lag.ms ({max})")));
        }
    }
    Ok(())
}

/// Why `value` breaks `rule`, in `ConfigDef`'s words, and the offending list item if any;
/// `None` when it is fine.
fn check_value(rule: Rule, value: &str) -> Option<(String, Option<String>)> {
    match rule {
        Rule::ListOf(allowed) => value
            .split(',')
            .map(str::trim)
            .find(|item| !allowed.contains(item))
            .map(|item| {
                (
                    format!("String must be one of: {}", allowed.join(", ")),
                    Some(item.to_string()),
                )
            }),
        Rule::ThrottledReplicas => {
            let items: Vec<&str> = value.split(',').map(str::trim).collect();
            let pair = |item: &&str| {
                item.is_empty()
                    || item.split_once(':').is_some_and(|(p, b)| {
                        [p, b]
                            .iter()
                            .all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
                    })
            };
            // Kafka prints the parsed Java list, `[a, b]`.
            (!(items.iter().all(pair) || items.first() == Some(&"*"))).then(|| {
                (
                    "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...".to_string(),
                    Some(format!("[{}]", items.join(", "))),
                )
            })
        }
        scalar => check_scalar(scalar, value).map(|why| (why, None)),
    }
}

/// [`check_value`] for rules about the whole value.
fn check_scalar(rule: Rule, value: &str) -> Option<String> {
    match rule {
        Rule::Int(min) => match value.parse::<i32>() {
            Err(_) => Some("Not a number of type INT".to_string()),
            Ok(n) if i64::from(n) < min => Some(format!("Value must be at least {min}")),
            Ok(_) => None,
        },
        Rule::Long(min) => match value.parse::<i64>() {
            Err(_) => Some("Not a number of type LONG".to_string()),
            Ok(n) => min
                .filter(|min| n < *min)
                .map(|min| format!("Value must be at least {min}")),
        },
        Rule::Double(min, max) => match value.parse::<f64>() {
            Err(_) => Some("Not a number of type DOUBLE".to_string()),
            Ok(n) if n < min => Some(format!("Value must be at least {min:?}")),
            Ok(n) if n > max => Some(format!("Value must be no more than {max:?}")),
            Ok(_) => None,
        },
        Rule::Boolean => match value.to_ascii_lowercase().as_str() {
            "true" | "false" => None,
            _ => Some("Expected value to be either true or false".to_string()),
        },
        Rule::OneOf(allowed) => (!allowed.contains(&value))
            .then(|| format!("String must be one of: {}", allowed.join(", "))),
        Rule::Version => {
            (!is_known_version(value)).then(|| format!("Version `{value}` is not a valid version"))
        }
        Rule::ListOf(_) | Rule::ThrottledReplicas => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn unknown_names_are_refused_with_kafkas_message() {
        let error = validate_topic_config(&config(&[("x", "1")])).unwrap_err();
        assert_eq!(error.to_string(), "Unknown topic config name: x");
        assert_eq!(error.kafka_error_code(), 40);
    }

    #[test]
    fn values_are_checked_by_type_and_range() {
        assert!(validate_topic_config(&config(&[
            ("cleanup.policy", "compact,delete"),
            ("retention.ms", "1000"),
            ("min.cleanable.dirty.ratio", "0.5"),
            ("preallocate", "TRUE"),
            ("compression.type", "zstd"),
        ]))
        .is_ok());
        let message = |k: &str, v: &str| {
            validate_topic_config(&config(&[(k, v)]))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message("retention.ms", "abc"),
            "Invalid value abc for configuration retention.ms: Not a number of type LONG"
        );
        assert_eq!(
            message("segment.bytes", "10"),
            "Invalid value 10 for configuration segment.bytes: Value must be at least 14"
        );
        assert_eq!(
            message("min.cleanable.dirty.ratio", "2"),
            "Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1.0"
        );
        assert_eq!(
            message("cleanup.policy", "compact,forever"),
            "Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete"
        );
        assert_eq!(
            message("compression.type", "brotli"),
            "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"
        );
    }

    #[test]
    fn versions_and_throttle_lists_follow_kafkas_validators() {
        let ok = |k: &str, v: &str| validate_topic_config(&config(&[(k, v)])).is_ok();
        assert!(ok("message.format.version", "2.4.1"));
        assert!(ok("message.format.version", "0.10.2-IV0"));
        assert!(ok("message.format.version", "0.10.2.1"));
        assert!(!ok("message.format.version", "3.0"));
        assert!(ok("leader.replication.throttled.replicas", "*"));
        assert!(ok(
            "leader.replication.throttled.replicas",
            "0:1001, 1:1002"
        ));
        let error = validate_topic_config(&config(&[("message.format.version", "9")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid value 9 for configuration message.format.version: Version `9` is not a valid version"
        );
        let error = validate_topic_config(&config(&[(
            "follower.replication.throttled.replicas",
            "0:1,x",
        )]))
        .unwrap_err();
        assert_eq!(error.to_string(), "Invalid value [0:1, x] for configuration follower.replication.throttled.replicas: follower.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
    }

    #[test]
    fn names_are_sorted_and_include_reference_ones() {
        let mut sorted = TOPIC_CONFIG_NAMES;
        sorted.sort_unstable();
        assert_eq!(sorted, TOPIC_CONFIG_NAMES);
        assert!(TOPIC_CONFIG_NAMES.contains(&"min.insync.replicas"));
    }
}
