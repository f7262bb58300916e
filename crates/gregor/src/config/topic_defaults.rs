//! The broker's defaults for topic configs, and which broker keys stand behind each.
//!
//! A topic config (`retention.ms`) that a topic does not override takes the broker's value,
//! which may come from several keys (`log.retention.ms`, `.minutes`, `.hours`). Kafka encodes
//! this in `LogConfig.TopicConfigSynonyms` and `DynamicBrokerConfig.brokerConfigSynonyms`;
//! DescribeConfigs reports the synonyms, and the log crate builds a topic's `LogConfig` over
//! [`KafkaConfig::topic_config_defaults`] (Kafka's `KafkaServer.copyKafkaConfigToLog`).

use std::collections::BTreeMap;

use super::kafka_config::KafkaConfig;
use super::value::Value;

/// Topic config → broker keys that supply its default, most specific first.
pub const TOPIC_CONFIG_SYNONYMS: &[(&str, &[&str])] = &[
    ("segment.bytes", &["log.segment.bytes"]),
    ("segment.ms", &["log.roll.ms", "log.roll.hours"]),
    (
        "segment.jitter.ms",
        &["log.roll.jitter.ms", "log.roll.jitter.hours"],
    ),
    ("segment.index.bytes", &["log.index.size.max.bytes"]),
    ("flush.messages", &["log.flush.interval.messages"]),
    (
        "flush.ms",
        &["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
    ),
    ("retention.bytes", &["log.retention.bytes"]),
    (
        "retention.ms",
        &[
            "log.retention.ms",
            "log.retention.minutes",
            "log.retention.hours",
        ],
    ),
    ("max.message.bytes", &["message.max.bytes"]),
    ("index.interval.bytes", &["log.index.interval.bytes"]),
    ("delete.retention.ms", &["log.cleaner.delete.retention.ms"]),
    (
        "min.compaction.lag.ms",
        &["log.cleaner.min.compaction.lag.ms"],
    ),
    (
        "max.compaction.lag.ms",
        &["log.cleaner.max.compaction.lag.ms"],
    ),
    ("file.delete.delay.ms", &["log.segment.delete.delay.ms"]),
    (
        "min.cleanable.dirty.ratio",
        &["log.cleaner.min.cleanable.ratio"],
    ),
    ("cleanup.policy", &["log.cleanup.policy"]),
    (
        "unclean.leader.election.enable",
        &["unclean.leader.election.enable"],
    ),
    ("min.insync.replicas", &["min.insync.replicas"]),
    ("compression.type", &["compression.type"]),
    ("preallocate", &["log.preallocate"]),
    ("message.format.version", &["log.message.format.version"]),
    ("message.timestamp.type", &["log.message.timestamp.type"]),
    (
        "message.timestamp.difference.max.ms",
        &["log.message.timestamp.difference.max.ms"],
    ),
    (
        "message.downconversion.enable",
        &["log.message.downconversion.enable"],
    ),
];

/// The broker keys behind a topic config, most specific first; empty for unknown names.
pub fn topic_config_synonyms(topic_config: &str) -> &'static [&'static str] {
    TOPIC_CONFIG_SYNONYMS
        .iter()
        .find(|(name, _)| *name == topic_config)
        .map_or(&[], |(_, keys)| keys)
}

impl KafkaConfig {
    /// Every topic config of [`TOPIC_CONFIG_SYNONYMS`] with the broker's effective value, as
    /// text in Kafka's format (`cleanup.policy` comma-joined, e.g. `compact,delete`).
    pub fn topic_config_defaults(&self) -> BTreeMap<&'static str, String> {
        TOPIC_CONFIG_SYNONYMS
            .iter()
            .map(|(name, _)| (*name, self.topic_config_default(name).unwrap_or_default()))
            .collect()
    }

    /// The broker's effective value for one topic config, `None` for unknown names.
    pub fn topic_config_default(&self, topic_config: &str) -> Option<String> {
        let text = match topic_config {
            // Derived from several keys: use the resolved value, not the first synonym.
            "segment.ms" => self.log_roll_time_millis.to_string(),
            "segment.jitter.ms" => self.log_roll_time_jitter_millis.to_string(),
            "flush.ms" => self.log_flush_interval_ms.to_string(),
            "retention.ms" => self.log_retention_time_millis.to_string(),
            "cleanup.policy" => self.log_cleanup_policy.join(","),
            "message.format.version" => self.log_message_format_version.to_string(),
            other => match self.value(topic_config_synonyms(other).first()?)? {
                Value::Null => return None,
                value => value.to_string(),
            },
        };
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> KafkaConfig {
        let mut props: BTreeMap<String, String> =
            [("zookeeper.connect".to_string(), "zk:2181".to_string())].into();
        props.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        KafkaConfig::from_props(props).unwrap()
    }

    #[test]
    fn defaults_follow_the_broker_keys() {
        let c = config(&[
            ("log.retention.minutes", "3"),
            ("log.cleanup.policy", "compact,delete"),
            ("message.max.bytes", "2000000"),
            ("log.message.format.version", "2.1"),
        ]);
        let t = c.topic_config_defaults();
        assert_eq!(t.len(), TOPIC_CONFIG_SYNONYMS.len());
        assert_eq!(t["retention.ms"], "180000");
        assert_eq!(t["cleanup.policy"], "compact,delete");
        assert_eq!(t["max.message.bytes"], "2000000");
        assert_eq!(t["segment.bytes"], "1073741824");
        assert_eq!(t["segment.ms"], "604800000");
        assert_eq!(t["message.format.version"], "2.1-IV2");
        assert_eq!(t["min.cleanable.dirty.ratio"], "0.5");
        assert_eq!(t["flush.messages"], "9223372036854775807");
        assert_eq!(t["message.timestamp.type"], "CreateTime");
        assert_eq!(t["unclean.leader.election.enable"], "false");
        assert_eq!(c.topic_config_default("no.such.config"), None);
    }

    #[test]
    fn synonyms_are_most_specific_first_and_all_defined() {
        assert_eq!(
            topic_config_synonyms("retention.ms"),
            [
                "log.retention.ms",
                "log.retention.minutes",
                "log.retention.hours"
            ]
        );
        assert!(topic_config_synonyms("bogus").is_empty());
        for (_, keys) in TOPIC_CONFIG_SYNONYMS {
            for key in *keys {
                assert!(
                    super::super::definitions::find(key).is_some(),
                    "{key} is not a broker key"
                );
            }
        }
    }
}
