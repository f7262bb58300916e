//! The broker configuration: `server.properties` plus `--override` pairs → [`KafkaConfig`].
//!
//! This module owns Kafka 2.4.1's broker keys, their types, defaults and validation, and the
//! two texts Kafka logs about them at start-up (the `KafkaConfig values:` dump and the warning
//! for unknown keys). It does no I/O beyond reading the properties file, and knows nothing of
//! ZooKeeper, the network or the log: those crates receive typed values from here.
//!
//! Layers: `properties` (Java file syntax) → `parsed` (each key's type, default, validator,
//! from `definitions`) → `build` (typed fields, derived values) → `validate` (rules across keys).

pub mod api_version;
mod build;
pub mod definitions;
mod error;
mod kafka_config;
pub mod listeners;
mod parsed;
pub mod properties;
pub mod topic_defaults;
mod validate;
pub mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;

use std::collections::BTreeMap;
use std::path::Path;

pub use api_version::ApiVersion;
pub use error::ConfigError;
pub use kafka_config::{KafkaConfig, TimestampType};
pub use listeners::{EndPoint, ListenerName, SecurityProtocol};
pub use value::Value;

/// Reads a `.properties` file (`Utils.loadProps`).
pub fn load_properties(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    properties::parse_properties(&bytes)
}

impl KafkaConfig {
    /// Builds the configuration from raw key → value pairs (file contents with overrides
    /// already applied). Fails on the first invalid key, in Kafka's order and words.
    pub fn from_props(props: BTreeMap<String, String>) -> Result<KafkaConfig, ConfigError> {
        build::build(props)
    }

    /// Builds from literal pairs; convenient for tests and embedded brokers
    /// (`from_pairs(&[("zookeeper.connect", "127.0.0.1:2181"), ("broker.id", "0")])`).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<KafkaConfig, ConfigError> {
        let props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KafkaConfig::from_props(props)
    }

    /// Reads `path` and applies `overrides` in order (a later pair wins), as
    /// `kafka-server-start.sh server.properties --override k=v ...` does.
    pub fn load(path: &Path, overrides: &[(String, String)]) -> Result<KafkaConfig, ConfigError> {
        let mut props = load_properties(path)?;
        for (key, value) in overrides {
            props.insert(key.clone(), value.clone());
        }
        KafkaConfig::from_props(props)
    }

    /// The parsed value of a defined key (defaults filled in), e.g. for DescribeConfigs.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// True when `name` was given in the file or an override (DescribeConfigs reports such
    /// keys as `STATIC_BROKER_CONFIG`, the others as `DEFAULT_CONFIG`).
    pub fn is_supplied(&self, name: &str) -> bool {
        self.originals.contains_key(name)
    }

    /// True for keys whose values must never be shown (Kafka's PASSWORD type); unknown keys
    /// count as sensitive, as in Kafka's `KafkaConfig.maybeSensitive`.
    pub fn is_sensitive(name: &str) -> bool {
        definitions::find(name).map_or(true, |key| key.config_type == value::ConfigType::Password)
    }

    /// Every key that was supplied, known or not, with its raw string.
    pub fn originals(&self) -> &BTreeMap<String, String> {
        &self.originals
    }

    /// The supplied keys starting with `log.`, raw, for the log crate's broker defaults.
    pub fn log_originals(&self) -> BTreeMap<String, String> {
        self.originals
            .iter()
            .filter(|(key, _)| key.starts_with("log."))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Supplied keys the broker does not define, in key order; Kafka warns and ignores them.
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.originals
            .keys()
            .filter(|key| definitions::find(key).is_none())
            .map(String::as_str)
            .collect()
    }

    /// Kafka's warning for one unknown key, logged at WARN by `kafka.server.KafkaConfig`.
    pub fn unknown_key_warning(key: &str) -> String {
        format!("The configuration '{key}' was supplied but isn't a known config.")
    }

    /// The `KafkaConfig values:` text Kafka logs at start-up (`AbstractConfig.logAll`):
    /// every defined key in sorted order, one per line after a tab.
    pub fn values_dump(&self) -> String {
        let mut text = String::from("KafkaConfig values: \n");
        for (key, value) in &self.values {
            let shown = match (*key, value) {
                // Start-up may replace a -1 id with a generated one; show what is in use.
                ("broker.id", _) => self.broker_id.to_string(),
                _ => value.to_string(),
            };
            text.push('\t');
            text.push_str(key);
            text.push_str(" = ");
            text.push_str(&shown);
            text.push('\n');
        }
        text
    }
}
