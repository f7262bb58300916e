//! DescribeConfigs (key 32), versions 0–2 (Kafka's `AdminManager.describeConfigs`): a topic's
//! configs from `/config/topics/<t>` over the broker defaults (UNKNOWN_TOPIC_OR_PARTITION
//! when the metadata cache does not know it), this broker's own configs, or its loggers (one
//! `root` entry: Gregor has a single level). `config_names` null means every key; synonyms
//! from v1 when asked for; v0 reports `is_default`.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    DescribeConfigsRequest, DescribeConfigsResourceResult, DescribeConfigsResponse,
    DescribeConfigsResult, DescribeConfigsSynonym, ErrorCode, RequestHeader, ResponseBody,
};
use gregor_zk::admin::validate_topic_name;

use super::admin_support::admin_zk;
use super::config_entries::{broker_entries, source, topic_entries, ConfigEntry};
use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=2;

/// `ConfigResource.Type` ids.
pub mod resource_type {
    /// A topic.
    pub const TOPIC: i8 = 2;
    /// A broker (by id, or "" for the cluster default).
    pub const BROKER: i8 = 4;
    /// A broker's log4j loggers.
    pub const BROKER_LOGGER: i8 = 8;
}

/// Kafka's `ConfigResource.Type` name of an id, for messages.
pub fn resource_type_name(id: i8) -> &'static str {
    match id {
        resource_type::TOPIC => "TOPIC",
        resource_type::BROKER => "BROKER",
        resource_type::BROKER_LOGGER => "BROKER_LOGGER",
        _ => "UNKNOWN",
    }
}

/// Describes every requested resource.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: DescribeConfigsRequest,
) -> Outcome {
    let version = header.request_api_version;
    let include_synonyms = version >= 1 && request.include_synonyms;
    let mut resources = Vec::with_capacity(request.resources.len());
    for resource in request.resources {
        let outcome = describe(
            broker,
            resource.resource_type,
            &resource.resource_name,
            include_synonyms,
        )
        .await;
        let (error_code, error_message, entries) = match outcome {
            Ok(entries) => (ErrorCode::None, None, entries),
            Err((code, message)) => (code, message, Vec::new()),
        };
        let wanted = resource.config_names.as_ref();
        let config_entries = entries
            .into_iter()
            .filter(|e| wanted.map_or(true, |names| names.contains(&e.name)))
            .map(|e| to_wire(e, version))
            .collect();
        resources.push(DescribeConfigsResult {
            error_code,
            error_message,
            resource_type: resource.resource_type,
            resource_name: resource.resource_name,
            config_entries,
            ..DescribeConfigsResult::default()
        });
    }
    respond(ResponseBody::DescribeConfigs(DescribeConfigsResponse {
        resources,
        ..DescribeConfigsResponse::default()
    }))
}

type Failure = (ErrorCode, Option<String>);

async fn describe(
    broker: &BrokerContext,
    kind: i8,
    name: &str,
    include_synonyms: bool,
) -> Result<Vec<ConfigEntry>, Failure> {
    match kind {
        resource_type::TOPIC => {
            validate_topic_name(name)
                .map_err(|e| (ErrorCode::InvalidTopicException, Some(e.to_string())))?;
            if !broker.metadata_cache.contains_topic(name) {
                return Err((ErrorCode::UnknownTopicOrPartition, None));
            }
            let overrides = match admin_zk(broker) {
                Some(admin) => admin
                    .fetch_topic_config(name)
                    .await
                    .map_err(|e| (ErrorCode::UnknownServerError, Some(e.to_string())))?,
                None => BTreeMap::new(),
            };
            Ok(topic_entries(&broker.config, &overrides, include_synonyms))
        }
        resource_type::BROKER => {
            if name.is_empty() {
                // Cluster-wide dynamic defaults: Gregor applies none, so there are none.
                return Ok(Vec::new());
            }
            match name.parse::<i32>() {
                Ok(id) if id == broker.broker_id => {
                    Ok(broker_entries(&broker.config, include_synonyms))
                }
                Ok(_) => Err(invalid(format!(
                    "Unexpected broker id, expected {} or empty string, but received {name}",
                    broker.broker_id
                ))),
                Err(_) => Err(invalid(format!(
                    "Broker id must be an integer, but it is: {name}"
                ))),
            }
        }
        resource_type::BROKER_LOGGER => {
            if name.is_empty() {
                return Err(invalid("Broker id must not be empty".to_string()));
            }
            match name.parse::<i32>() {
                Ok(id) if id == broker.broker_id => Ok(vec![root_logger_entry()]),
                Ok(_) => Err(invalid(format!(
                    "Unexpected broker id, expected {} but received {name}",
                    broker.broker_id
                ))),
                Err(_) => Err(invalid(format!(
                    "Broker id must be an integer, but it is: {name}"
                ))),
            }
        }
        other => Err(invalid(format!(
            "Unsupported resource type: {}",
            resource_type_name(other)
        ))),
    }
}

/// Kafka lists every log4j logger with its level; Gregor has one level for the whole broker,
/// reported as log4j's root logger.
fn root_logger_entry() -> ConfigEntry {
    ConfigEntry {
        name: "root".to_string(),
        value: Some(log::max_level().to_string().to_uppercase()),
        source: source::DYNAMIC_BROKER_LOGGER_CONFIG,
        is_sensitive: false,
        read_only: false,
        synonyms: Vec::new(),
    }
}

fn invalid(message: String) -> Failure {
    (ErrorCode::InvalidRequest, Some(message))
}

fn to_wire(entry: ConfigEntry, version: i16) -> DescribeConfigsResourceResult {
    DescribeConfigsResourceResult {
        is_default: entry.source == source::DEFAULT_CONFIG,
        config_name: entry.name,
        config_value: entry.value,
        read_only: entry.read_only,
        config_source: entry.source,
        is_sensitive: entry.is_sensitive,
        config_synonyms: if version >= 1 {
            entry
                .synonyms
                .into_iter()
                .map(|s| DescribeConfigsSynonym {
                    config_name: s.name,
                    config_value: s.value,
                    config_source: s.source,
                    ..DescribeConfigsSynonym::default()
                })
                .collect()
        } else {
            Vec::new()
        },
        ..DescribeConfigsResourceResult::default()
    }
}
