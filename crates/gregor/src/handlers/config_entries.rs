//! Config entries as DescribeConfigs and CreateTopics v5 report them (Kafka's
//! `AdminManager.createTopicConfigEntry` / `createBrokerConfigEntry` / `configSynonyms`): each
//! value with its source, read-only and sensitive flags and its synonyms, highest precedence
//! first. Gregor has no dynamic broker configs in effect, so the broker-level sources are the
//! static `server.properties` value and the `ConfigDef` default.

use std::collections::BTreeMap;

use gregor_zk::admin::TOPIC_CONFIG_NAMES;

use crate::config::definitions::{self, ConfigKey};
use crate::config::topic_defaults::topic_config_synonyms;
use crate::config::value::{java_double, DefaultValue};
use crate::config::{KafkaConfig, Value};

/// Kafka's `DescribeConfigsResponse.ConfigSource` ids.
pub mod source {
    /// A topic override in `/config/topics/<t>`.
    pub const DYNAMIC_TOPIC_CONFIG: i8 = 1;
    /// `server.properties` (or `--override`).
    pub const STATIC_BROKER_CONFIG: i8 = 4;
    /// The `ConfigDef` default.
    pub const DEFAULT_CONFIG: i8 = 5;
    /// A broker logger's level.
    pub const DYNAMIC_BROKER_LOGGER_CONFIG: i8 = 6;
}

/// Broker keys that can be changed dynamically (Kafka's `DynamicBrokerConfig.AllDynamicConfigs`
/// in 2.4.1); every other key is read-only.
pub const DYNAMIC_BROKER_CONFIGS: &[&str] = &[
    // DynamicLogConfig: the first broker synonym of each topic config but the format version.
    "log.segment.bytes",
    "log.roll.ms",
    "log.roll.jitter.ms",
    "log.index.size.max.bytes",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "log.retention.bytes",
    "log.retention.ms",
    "message.max.bytes",
    "log.index.interval.bytes",
    "log.cleaner.delete.retention.ms",
    "log.cleaner.min.compaction.lag.ms",
    "log.cleaner.max.compaction.lag.ms",
    "log.segment.delete.delay.ms",
    "log.cleaner.min.cleanable.ratio",
    "log.cleanup.policy",
    "unclean.leader.election.enable",
    "min.insync.replicas",
    "compression.type",
    "log.preallocate",
    "log.message.timestamp.type",
    "log.message.timestamp.difference.max.ms",
    "log.message.downconversion.enable",
    // DynamicThreadPool.
    "num.io.threads",
    "num.network.threads",
    "num.replica.fetchers",
    "num.recovery.threads.per.data.dir",
    "background.threads",
    // LogCleaner.ReconfigurableConfigs.
    "log.cleaner.threads",
    "log.cleaner.dedupe.buffer.size",
    "log.cleaner.io.buffer.size",
    "log.cleaner.io.buffer.load.factor",
    "log.cleaner.io.max.bytes.per.second",
    "log.cleaner.backoff.ms",
    // DynamicListenerConfig.
    "advertised.listeners",
    "listeners",
    "listener.security.protocol.map",
    // DynamicConnectionQuota.
    "max.connections",
    "max.connections.per.ip",
    "max.connections.per.ip.overrides",
    // DynamicMetricsReporters.
    "metric.reporters",
];

/// One synonym: a key and value at one precedence level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonym {
    /// The key.
    pub name: String,
    /// Its value (None when sensitive).
    pub value: Option<String>,
    /// Where it comes from ([`source`]).
    pub source: i8,
}

/// One described config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// The key.
    pub name: String,
    /// Effective value (None when sensitive or null).
    pub value: Option<String>,
    /// Where the value comes from ([`source`]).
    pub source: i8,
    /// Password-like.
    pub is_sensitive: bool,
    /// Cannot be altered dynamically.
    pub read_only: bool,
    /// Every level that sets it, highest precedence first (empty unless asked for).
    pub synonyms: Vec<Synonym>,
}

/// A typed value as `ConfigDef.convertToString` prints it; `None` for Java null.
pub fn kafka_string(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null | Value::Password(_) => return None,
        Value::List(items) => items.join(","),
        Value::Class(name) => name.clone(),
        Value::Double(d) => java_double(*d),
        other => other.to_string(),
    })
}

/// The `ConfigDef` default of a key as a string, `None` when it has none or it is null.
fn static_default(key: &ConfigKey) -> Option<String> {
    match key.default {
        DefaultValue::Text(text) => key
            .config_type
            .parse(key.name, text)
            .ok()
            .and_then(|v| kafka_string(&v)),
        DefaultValue::Null | DefaultValue::Required => None,
    }
}

/// Kafka's `configSynonyms`: the static and default levels of `names`, dropping entries before
/// the first one named `name` (how Kafka hides the less specific keys' levels).
fn config_synonyms(
    config: &KafkaConfig,
    name: &str,
    names: &[&str],
    sensitive: bool,
) -> Vec<Synonym> {
    let mut all = Vec::new();
    let shown = |v: String| (!sensitive).then_some(v);
    for key in names {
        if let Some(raw) = config.originals().get(*key) {
            all.push(Synonym {
                name: (*key).to_string(),
                value: shown(raw.trim().to_string()),
                source: source::STATIC_BROKER_CONFIG,
            });
        }
    }
    for key in names {
        if let Some(default) = definitions::find(key).and_then(static_default) {
            all.push(Synonym {
                name: (*key).to_string(),
                value: shown(default),
                source: source::DEFAULT_CONFIG,
            });
        }
    }
    let first = all.iter().position(|s| s.name == name).unwrap_or(all.len());
    all.split_off(first)
}

/// Every topic config of a topic with `overrides`, sorted by name.
pub fn topic_entries(
    config: &KafkaConfig,
    overrides: &BTreeMap<String, String>,
    include_synonyms: bool,
) -> Vec<ConfigEntry> {
    TOPIC_CONFIG_NAMES
        .iter()
        .map(|name| {
            let value = match overrides.get(*name) {
                Some(v) => v.trim().to_string(),
                None => config.topic_config_default(name).unwrap_or_default(),
            };
            let broker_keys = topic_config_synonyms(name);
            let mut synonyms = match broker_keys.first() {
                Some(first) => config_synonyms(config, first, broker_keys, false),
                None => Vec::new(),
            };
            if overrides.contains_key(*name) {
                synonyms.insert(
                    0,
                    Synonym {
                        name: (*name).to_string(),
                        value: Some(value.clone()),
                        source: source::DYNAMIC_TOPIC_CONFIG,
                    },
                );
            }
            entry(name, Some(value), false, false, synonyms, include_synonyms)
        })
        .collect()
}

/// Every config of this broker (known keys with their values, plus supplied unknown keys),
/// sorted by name (Kafka's `allConfigs` + `createBrokerConfigEntry(perBrokerConfig = true)`).
pub fn broker_entries(config: &KafkaConfig, include_synonyms: bool) -> Vec<ConfigEntry> {
    let mut values: BTreeMap<String, Option<String>> = config
        .originals()
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    for (key, value) in &config.values {
        let shown = match *key {
            "broker.id" => Some(config.broker_id.to_string()),
            _ => kafka_string(value),
        };
        values.insert((*key).to_string(), shown);
    }
    values
        .into_iter()
        .map(|(name, value)| {
            let sensitive = KafkaConfig::is_sensitive(&name);
            let names = broker_synonyms(&name);
            let synonyms = config_synonyms(config, &name, &names, sensitive);
            // Kafka: read-only unless some synonym is dynamic (log.retention.hours is not).
            let read_only = !names.iter().any(|n| DYNAMIC_BROKER_CONFIGS.contains(n));
            let value = if sensitive { None } else { value };
            entry(
                &name,
                value,
                sensitive,
                read_only,
                synonyms,
                include_synonyms,
            )
        })
        .collect()
}

/// Kafka's `DynamicBrokerConfig.brokerConfigSynonyms` (without listener prefixes).
pub fn broker_synonyms(name: &str) -> Vec<&str> {
    const GROUPS: &[&[&str]] = &[
        &["log.roll.ms", "log.roll.hours"],
        &["log.roll.jitter.ms", "log.roll.jitter.hours"],
        &["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
        &[
            "log.retention.ms",
            "log.retention.minutes",
            "log.retention.hours",
        ],
    ];
    if name == "log.flush.scheduler.interval.ms" {
        return vec![name];
    }
    GROUPS
        .iter()
        .find(|group| group.contains(&name))
        .map_or_else(|| vec![name], |group| group.to_vec())
}

fn entry(
    name: &str,
    value: Option<String>,
    is_sensitive: bool,
    read_only: bool,
    synonyms: Vec<Synonym>,
    include_synonyms: bool,
) -> ConfigEntry {
    ConfigEntry {
        name: name.to_string(),
        value,
        source: synonyms
            .first()
            .map_or(source::DEFAULT_CONFIG, |s| s.source),
        is_sensitive,
        read_only,
        synonyms: if include_synonyms {
            synonyms
        } else {
            Vec::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> KafkaConfig {
        let mut all = vec![("zookeeper.connect", "localhost:2181")];
        all.extend_from_slice(pairs);
        KafkaConfig::from_pairs(&all).unwrap()
    }

    #[test]
    fn topic_overrides_are_dynamic_topic_configs_with_broker_synonyms() {
        let c = config(&[("log.segment.bytes", "2048000")]);
        let overrides = BTreeMap::from([("segment.bytes".to_string(), "1000000".to_string())]);
        let entries = topic_entries(&c, &overrides, true);
        let seg = entries.iter().find(|e| e.name == "segment.bytes").unwrap();
        assert_eq!(seg.value.as_deref(), Some("1000000"));
        assert_eq!(seg.source, source::DYNAMIC_TOPIC_CONFIG);
        let levels: Vec<(i8, Option<&str>)> = seg
            .synonyms
            .iter()
            .map(|s| (s.source, s.value.as_deref()))
            .collect();
        assert_eq!(
            levels,
            vec![
                (source::DYNAMIC_TOPIC_CONFIG, Some("1000000")),
                (source::STATIC_BROKER_CONFIG, Some("2048000")),
                (source::DEFAULT_CONFIG, Some("1073741824")),
            ]
        );
        let policy = entries.iter().find(|e| e.name == "cleanup.policy").unwrap();
        assert_eq!(policy.value.as_deref(), Some("delete"));
        assert_eq!(policy.source, source::DEFAULT_CONFIG);
        assert_eq!(entries.len(), TOPIC_CONFIG_NAMES.len());
    }

    #[test]
    fn broker_entries_mark_read_only_and_sensitive_keys() {
        let c = config(&[("num.io.threads", "4")]);
        let entries = broker_entries(&c, false);
        let io = entries.iter().find(|e| e.name == "num.io.threads").unwrap();
        assert_eq!(
            (io.value.as_deref(), io.source, io.read_only),
            (Some("4"), 4, false)
        );
        let dirs = entries.iter().find(|e| e.name == "log.dirs").unwrap();
        assert!(dirs.read_only);
        let zk = entries
            .iter()
            .find(|e| e.name == "zookeeper.connect")
            .unwrap();
        assert_eq!(zk.source, source::STATIC_BROKER_CONFIG);
        let pw = entries
            .iter()
            .find(|e| e.name == "ssl.key.password")
            .unwrap();
        assert!(pw.is_sensitive && pw.value.is_none());
    }
}
