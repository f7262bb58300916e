//! CreateTopics (key 19), versions 0–5 (Kafka's `KafkaApis.handleCreateTopicsRequest` and
//! `AdminManager.createTopics`). Only the active controller serves it (NOT_CONTROLLER
//! otherwise, as in 2.4.1). Per topic: a name given twice is INVALID_REQUEST; -1 counts take
//! `num.partitions` / `default.replication.factor`; counts together with an explicit assignment
//! are INVALID_REQUEST; configs are validated (INVALID_CONFIG); the assignment comes from Kafka's
//! algorithm over the live brokers. The znodes are written through `AdminZkClient` (or only
//! validated); then the request waits up to `timeout_ms` until the metadata cache has a leader
//! for every new partition, else REQUEST_TIMED_OUT. v5 also returns the effective configs.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    CreatableTopic, CreatableTopicConfigs, CreatableTopicResult, CreateTopicsRequest,
    CreateTopicsResponse, ErrorCode, RequestHeader, ResponseBody,
};
use gregor_zk::admin::{assign_replicas_to_brokers, SeededRng};
use gregor_zk::{AdminError, ReplicaAssignment};

use super::admin_support::{
    admin_error, admin_zk, alive_broker_metadata, duplicates, has_leaders, is_controller,
    wait_for_metadata,
};
use super::config_entries::topic_entries;
use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=5;

/// Creates (or validates) every topic and answers.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: CreateTopicsRequest,
) -> Outcome {
    let results = create_topics(broker, request).await;
    respond(ResponseBody::CreateTopics(CreateTopicsResponse {
        topics: results,
        ..CreateTopicsResponse::default()
    }))
}

/// The per-topic results of a CreateTopics request.
pub async fn create_topics(
    broker: &BrokerContext,
    request: CreateTopicsRequest,
) -> Vec<CreatableTopicResult> {
    if !is_controller(broker) {
        return request
            .topics
            .iter()
            .map(|t| failed(&t.name, ErrorCode::NotController, None))
            .collect();
    }
    let repeated = duplicates(request.topics.iter().map(|t| t.name.as_str()));
    let validate_only = request.validate_only;
    let mut results = Vec::with_capacity(request.topics.len());
    let mut created: Vec<(usize, String, i32)> = Vec::new();
    for topic in &request.topics {
        if repeated.contains(&topic.name) {
            results.push(failed(
                &topic.name,
                ErrorCode::InvalidRequest,
                Some("Found multiple entries for this topic.".to_string()),
            ));
            continue;
        }
        match create_one(broker, topic, validate_only).await {
            Ok(result) => {
                created.push((results.len(), topic.name.clone(), result.num_partitions));
                results.push(result);
            }
            Err((code, message)) => {
                log::info!(target: "kafka.server.AdminManager", "[Admin Manager on Broker {}]: Error processing create topic request {}: {}", broker.broker_id, topic.name, message.as_deref().unwrap_or(""));
                results.push(failed(&topic.name, code, message));
            }
        }
    }
    if validate_only || created.is_empty() {
        return results;
    }
    let timeout_ms = request.timeout_ms;
    let pending = if timeout_ms <= 0 {
        created
    } else {
        wait_for_metadata(timeout_ms, created, |(_, name, partitions)| {
            has_leaders(broker, name, *partitions)
        })
        .await
    };
    for (index, _, _) in pending {
        let name = results[index].name.clone();
        results[index] = failed(&name, ErrorCode::RequestTimedOut, None);
    }
    results
}

type Failure = (ErrorCode, Option<String>);

async fn create_one(
    broker: &BrokerContext,
    topic: &CreatableTopic,
    validate_only: bool,
) -> Result<CreatableTopicResult, Failure> {
    let admin = admin_zk(broker).ok_or((ErrorCode::UnknownServerError, None))?;
    let mut configs = BTreeMap::new();
    for config in &topic.configs {
        let Some(value) = &config.value else {
            return Err((
                ErrorCode::InvalidConfig,
                Some(format!(
                    "Null value not supported for topic configs : {}",
                    config.name
                )),
            ));
        };
        configs.insert(config.name.clone(), value.clone());
    }
    gregor_zk::admin::validate_topic_config(&configs).map_err(|e| admin_error(&e))?;
    let has_counts = topic.num_partitions != -1 || topic.replication_factor != -1;
    if has_counts && !topic.assignments.is_empty() {
        return Err((
            ErrorCode::InvalidRequest,
            Some("Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".to_string()),
        ));
    }
    let assignment: ReplicaAssignment = if topic.assignments.is_empty() {
        let partitions = match topic.num_partitions {
            -1 => broker.config.num_partitions,
            n => n,
        };
        let replication_factor = match topic.replication_factor {
            -1 => broker.config.default_replication_factor,
            n => i32::from(n),
        };
        let brokers = alive_broker_metadata(broker);
        let mut rng = SeededRng::from_entropy();
        assign_replicas_to_brokers(
            &brokers,
            partitions,
            replication_factor,
            None,
            None,
            &mut rng,
        )
        .map_err(|e| admin_error(&e))?
    } else {
        topic
            .assignments
            .iter()
            .map(|a| (a.partition_index, a.broker_ids.clone()))
            .collect()
    };
    let outcome = if validate_only {
        admin
            .validate_topic_create(&topic.name, &assignment, &configs)
            .await
    } else {
        admin
            .create_topic_with_assignment(&topic.name, &configs, &assignment)
            .await
    };
    outcome.map_err(|e| match e {
        AdminError::Zk(_) => (ErrorCode::UnknownServerError, Some(e.to_string())),
        other => admin_error(&other),
    })?;
    let configs = topic_entries(&broker.config, &configs, false)
        .into_iter()
        .map(|entry| CreatableTopicConfigs {
            name: entry.name,
            value: entry.value,
            read_only: entry.read_only,
            config_source: entry.source,
            is_sensitive: entry.is_sensitive,
            ..CreatableTopicConfigs::default()
        })
        .collect();
    Ok(CreatableTopicResult {
        name: topic.name.clone(),
        error_code: ErrorCode::None,
        num_partitions: i32::try_from(assignment.len()).unwrap_or(i32::MAX),
        replication_factor: assignment
            .values()
            .next()
            .map_or(-1, |r| i16::try_from(r.len()).unwrap_or(-1)),
        configs: Some(configs),
        ..CreatableTopicResult::default()
    })
}

/// A failed topic: v5 fields reset to -1 and an empty config list, as Kafka's
/// `handleCreateTopicsResults` does for every error, a timeout included.
fn failed(
    name: &str,
    error_code: ErrorCode,
    error_message: Option<String>,
) -> CreatableTopicResult {
    CreatableTopicResult {
        name: name.to_string(),
        error_code,
        error_message,
        num_partitions: -1,
        replication_factor: -1,
        configs: Some(Vec::new()),
        ..CreatableTopicResult::default()
    }
}
