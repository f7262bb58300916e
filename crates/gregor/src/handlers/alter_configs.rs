//! AlterConfigs (key 33), versions 0–1 (Kafka's `AdminManager.alterConfigs`): the entries are
//! the complete new override set. Topics: the name must be legal (INVALID_TOPIC_EXCEPTION) and
//! exist (UNKNOWN_TOPIC_OR_PARTITION), names must be topic configs (INVALID_CONFIG) with valid
//! values (INVALID_REQUEST "Invalid config value for resource ..."); then `/config/topics/<t>`
//! and a change notification are written unless `validate_only`. Brokers (this broker's id, or
//! "" for the cluster default): only dynamic keys may be set, as in Kafka; they are written to
//! `/config/brokers/<id|<default>>` with a notification (Gregor does not yet apply them live).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    AlterConfigsRequest, AlterConfigsResource, AlterConfigsResourceResponse, AlterConfigsResponse,
    ErrorCode, RequestHeader, ResponseBody,
};
use gregor_zk::admin::{validate_topic_config, validate_topic_name, AdminZkClient};
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{AdminError, ConfigChangeNotification, EntityConfig};

use super::admin_support::{admin_error, admin_zk};
use super::config_entries::DYNAMIC_BROKER_CONFIGS;
use super::describe_configs::{resource_type, resource_type_name};
use super::{respond, BrokerContext};
use crate::config::definitions;

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;

/// Broker keys that can only be set per broker, never as the cluster default.
const PER_BROKER_CONFIGS: &[&str] = &[
    "advertised.listeners",
    "listeners",
    "listener.security.protocol.map",
];

type Failure = (ErrorCode, Option<String>);

/// Validates and applies every resource's new configs.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: AlterConfigsRequest,
) -> Outcome {
    let mut resources = Vec::with_capacity(request.resources.len());
    for resource in &request.resources {
        let (error_code, error_message) = match alter(broker, resource, request.validate_only).await
        {
            Ok(()) => (ErrorCode::None, None),
            Err(failure) => failure,
        };
        resources.push(AlterConfigsResourceResponse {
            error_code,
            error_message,
            resource_type: resource.resource_type,
            resource_name: resource.resource_name.clone(),
            ..AlterConfigsResourceResponse::default()
        });
    }
    respond(ResponseBody::AlterConfigs(AlterConfigsResponse {
        resources,
        ..AlterConfigsResponse::default()
    }))
}

async fn alter(
    broker: &BrokerContext,
    resource: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Failure> {
    let name = &resource.resource_name;
    let described = format!(
        "ConfigResource(type={}, name='{name}')",
        resource_type_name(resource.resource_type)
    );
    let invalid_value = |message: String| {
        (
            ErrorCode::InvalidRequest,
            Some(format!(
                "Invalid config value for resource {described}: {message}"
            )),
        )
    };
    let mut configs = BTreeMap::new();
    for entry in &resource.config_entries {
        let Some(value) = &entry.config_value else {
            return Err(invalid_value(format!(
                "Null value for {}",
                entry.config_name
            )));
        };
        configs.insert(entry.config_name.clone(), value.clone());
    }
    let admin = admin_zk(broker).ok_or((ErrorCode::UnknownServerError, None))?;
    match resource.resource_type {
        resource_type::TOPIC => {
            validate_topic_name(name).map_err(|e| admin_error(&e))?;
            if !admin
                .topic_exists(name)
                .await
                .map_err(|e| admin_error(&e))?
            {
                return Err((
                    ErrorCode::UnknownTopicOrPartition,
                    Some(format!("Topic '{name}' does not exist.")),
                ));
            }
            match validate_topic_config(&configs) {
                Err(AdminError::InvalidConfig(message))
                    if !message.starts_with("Unknown topic config name") =>
                {
                    return Err(invalid_value(message));
                }
                Err(e) => return Err(admin_error(&e)),
                Ok(()) => {}
            }
            if !validate_only {
                log::info!(target: "kafka.server.AdminManager", "[Admin Manager on Broker {}]: Updating topic {name} with new configuration {configs:?}", broker.broker_id);
                admin
                    .change_topic_config(name, &configs)
                    .await
                    .map_err(|e| admin_error(&e))?;
            }
            Ok(())
        }
        resource_type::BROKER => {
            let entity = if name.is_empty() {
                "<default>".to_string()
            } else {
                match name.parse::<i32>() {
                    Ok(id) if id == broker.broker_id => name.clone(),
                    Ok(_) => {
                        return Err((
                            ErrorCode::InvalidRequest,
                            Some(format!(
                                "Unexpected broker id, expected {}, but received {name}",
                                broker.broker_id
                            )),
                        ))
                    }
                    Err(_) => {
                        return Err((
                            ErrorCode::InvalidRequest,
                            Some(format!("Broker id must be an integer, but it is: {name}")),
                        ))
                    }
                }
            };
            validate_dynamic_broker_configs(&configs, !name.is_empty()).map_err(invalid_value)?;
            if !validate_only {
                change_broker_config(&admin, &entity, &configs)
                    .await
                    .map_err(|e| (ErrorCode::UnknownServerError, Some(e.to_string())))?;
            }
            Ok(())
        }
        other => Err((
            ErrorCode::InvalidRequest,
            Some(format!(
                "AlterConfigs is only supported for topics and brokers, but resource type is {}",
                resource_type_name(other)
            )),
        )),
    }
}

/// Kafka's `DynamicBrokerConfig.validateConfigs`: only dynamic keys, values of the right type,
/// and no per-broker keys at the cluster-default level.
pub fn validate_dynamic_broker_configs(
    configs: &BTreeMap<String, String>,
    per_broker: bool,
) -> Result<(), String> {
    let scala_set = |keys: Vec<&String>| {
        let names: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        format!("Set({})", names.join(", "))
    };
    let non_dynamic: Vec<&String> = configs
        .keys()
        .filter(|k| !DYNAMIC_BROKER_CONFIGS.contains(&k.as_str()))
        .collect();
    if !non_dynamic.is_empty() {
        return Err(format!(
            "Cannot update these configs dynamically: {}",
            scala_set(non_dynamic)
        ));
    }
    for (key, value) in configs {
        if let Some(definition) = definitions::find(key) {
            definition
                .config_type
                .parse(key, value)
                .map_err(|e| e.to_string())?;
        }
    }
    let per_broker_keys: Vec<&String> = configs
        .keys()
        .filter(|k| PER_BROKER_CONFIGS.contains(&k.as_str()))
        .collect();
    if !per_broker && !per_broker_keys.is_empty() {
        return Err(format!(
            "Cannot update these configs at default cluster level, broker id must be specified: {}",
            scala_set(per_broker_keys)
        ));
    }
    Ok(())
}

/// Kafka's `changeBrokerConfig`: set-or-create `/config/brokers/<entity>`, then the change
/// notification `brokers/<entity>`.
async fn change_broker_config(
    admin: &AdminZkClient,
    entity: &str,
    configs: &BTreeMap<String, String>,
) -> Result<(), AdminError> {
    let zk = admin.zk();
    let path = gregor_zk::paths::config_entity_path("brokers", entity);
    let data = EntityConfig {
        config: configs.clone(),
    }
    .encode();
    let error =
        |op: &str, e: zk::Error| AdminError::AdminOperation(format!("{op} {path} failed: {e}"));
    match zk.raw().set_data(&path, &data, None).await {
        Ok(_) => {}
        Err(zk::Error::NoNode) => {
            zk.make_sure_persistent_path_exists("/config/brokers")
                .await?;
            let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
            zk.raw()
                .create(&path, &data, &options)
                .await
                .map_err(|e| error("create", e))?;
        }
        Err(e) => return Err(error("set", e)),
    }
    let notification = ConfigChangeNotification {
        entity_path: format!("brokers/{entity}"),
    }
    .encode();
    zk.make_sure_persistent_path_exists(gregor_zk::paths::CONFIG_CHANGES_PATH)
        .await?;
    let options = zk::CreateMode::PersistentSequential.with_acls(zk::Acls::anyone_all());
    zk.raw()
        .create(
            gregor_zk::paths::CONFIG_CHANGE_PREFIX,
            &notification,
            &options,
        )
        .await
        .map_err(|e| error("create", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn read_only_broker_keys_are_refused_with_kafkas_message() {
        let err =
            validate_dynamic_broker_configs(&map(&[("log.dirs", "/x"), ("broker.id", "3")]), true)
                .unwrap_err();
        assert_eq!(
            err,
            "Cannot update these configs dynamically: Set(broker.id, log.dirs)"
        );
        assert!(
            validate_dynamic_broker_configs(&map(&[("log.retention.ms", "1000")]), true).is_ok()
        );
        assert!(
            validate_dynamic_broker_configs(&map(&[("log.retention.ms", "abc")]), true).is_err()
        );
        let err =
            validate_dynamic_broker_configs(&map(&[("listeners", "PLAINTEXT://:9092")]), false)
                .unwrap_err();
        assert!(err.starts_with("Cannot update these configs at default cluster level"));
    }
}
