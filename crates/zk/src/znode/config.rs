//! `/config/<type>/<name>` and `/config/changes/config_change_<seq>` (Kafka's
//! `ConfigEntityZNode` and `ConfigEntityChangeNotificationSequenceZNode`).
//!
//! Entity config (`/config/topics/<t>`, `/config/brokers/<id>`, `/config/clients/<c>`, ...):
//! * persistent; JSON version 1: `{"version":1,"config":{"retention.ms":"1000"}}`, every value a
//!   string; no overrides = `{"version":1,"config":{}}`.
//! * Written by: topic creation (always, even empty, before the topic znode), kafka-configs,
//!   `kafka-topics --alter --config`, AlterConfigs; the controller deletes a topic's at the end
//!   of its deletion.
//! * After a crash: a config without a topic znode is harmless (topic creation is committed by
//!   the topic znode) and is overwritten by the next creation of that topic.
//!
//! Change notification (`/config/changes/config_change_0000000003`):
//! * persistent-sequential; JSON version 2: `{"version":2,"entity_path":"topics/foo"}`; version 1
//!   `{"version":1,"entity_type":"topics","entity_name":"foo"}` is still read.
//! * Written by: whoever *changes* an entity's config (not topic creation), after writing it.
//!   Every broker watches `/config/changes`, re-reads the named entity and purges notifications
//!   older than 15 minutes.
//! * After a crash: a config written without its notification is picked up by brokers at their
//!   next start (they read all configs at start-up).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{check_version, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::CONFIG_CHANGE_PREFIX;

/// The dynamic config overrides of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityConfig {
    /// Config key → value, both as Kafka writes them (strings).
    pub config: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct EntityConfigOut<'a> {
    version: i32,
    config: &'a BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct EntityConfigIn {
    version: i64,
    #[serde(default)]
    config: BTreeMap<String, String>,
}

impl EntityConfig {
    /// Version-1 JSON.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&EntityConfigOut {
            version: 1,
            config: &self.config,
        })
    }

    /// Parses the data of `path` (a `/config/<type>/<name>` znode).
    pub fn decode(path: &str, bytes: &[u8]) -> Result<EntityConfig, ZnodeError> {
        let json: EntityConfigIn = parse_json(path, bytes)?;
        check_version(path, json.version, 1..=1)?;
        Ok(EntityConfig {
            config: json.config,
        })
    }
}

/// A notification that the config of `entity_path` (`<type>/<name>`) changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChangeNotification {
    /// `topics/foo`, `brokers/<default>`, `users/alice/clients/app`, ...
    pub entity_path: String,
}

#[derive(Serialize)]
struct ConfigChangeOut<'a> {
    version: i32,
    entity_path: &'a str,
}

#[derive(Deserialize)]
struct ConfigChangeIn {
    version: i64,
    entity_path: Option<String>,
    entity_type: Option<String>,
    entity_name: Option<String>,
}

impl ConfigChangeNotification {
    /// The prefix ZooKeeper appends the sequence number to.
    pub const PATH_PREFIX: &'static str = CONFIG_CHANGE_PREFIX;

    /// Version-2 JSON.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&ConfigChangeOut {
            version: 2,
            entity_path: &self.entity_path,
        })
    }

    /// Parses version 2, or version 1 (`entity_type` + `entity_name`).
    pub fn decode(path: &str, bytes: &[u8]) -> Result<ConfigChangeNotification, ZnodeError> {
        let json: ConfigChangeIn = parse_json(path, bytes)?;
        check_version(path, json.version, 1..=2)?;
        let entity_path = match (
            json.version,
            json.entity_path,
            json.entity_type,
            json.entity_name,
        ) {
            (2, Some(entity_path), _, _) => entity_path,
            (1, _, Some(entity_type), Some(entity_name)) => format!("{entity_type}/{entity_name}"),
            _ => {
                return Err(ZnodeError::InvalidField {
                    path: path.to_string(),
                    field: "entity_path",
                    reason: "missing entity_path (v2) or entity_type/entity_name (v1)".to_string(),
                })
            }
        };
        Ok(ConfigChangeNotification { entity_path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_config_matches_kafka() {
        let kafka = br#"{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}}"#;
        let config = EntityConfig::decode("/config/topics/t", kafka).unwrap();
        assert_eq!(config.config["cleanup.policy"], "compact");
        assert_eq!(config.config["retention.ms"], "1000");
        assert_eq!(config.encode(), kafka.to_vec());
        assert_eq!(
            EntityConfig::default().encode(),
            br#"{"version":1,"config":{}}"#.to_vec()
        );
        // Values are strings in Kafka's JSON; a number is refused as Kafka's reader would.
        assert!(
            EntityConfig::decode("/config/topics/t", br#"{"version":1,"config":{"a":1}}"#).is_err()
        );
    }

    #[test]
    fn config_change_reads_both_versions() {
        let v2 = br#"{"version":2,"entity_path":"topics/foo"}"#;
        let change =
            ConfigChangeNotification::decode("/config/changes/config_change_0000000000", v2)
                .unwrap();
        assert_eq!(change.entity_path, "topics/foo");
        assert_eq!(change.encode(), v2.to_vec());
        let v1 = br#"{"version":1,"entity_type":"topics","entity_name":"foo"}"#;
        assert_eq!(ConfigChangeNotification::decode("p", v1).unwrap(), change);
        assert!(ConfigChangeNotification::decode("p", br#"{"version":2}"#).is_err());
    }
}
