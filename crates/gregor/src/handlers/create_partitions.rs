//! CreatePartitions (key 37), versions 0–1 (Kafka's `KafkaApis.handleCreatePartitionsRequest`
//! and `AdminManager.createPartitions`). NOT_CONTROLLER off the controller; a topic given twice
//! is INVALID_REQUEST; a topic queued for deletion is INVALID_TOPIC_EXCEPTION; an unknown topic
//! is UNKNOWN_TOPIC_OR_PARTITION; a count that is not an increase is INVALID_PARTITIONS; an
//! explicit assignment must name registered brokers and one replica list per new partition
//! (INVALID_REPLICA_ASSIGNMENT). The topic znode is rewritten through `AdminZkClient` (unless
//! `validate_only`) and the request waits up to `timeout_ms` for the new partitions' leaders.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopic,
    CreatePartitionsTopicResult, ErrorCode, RequestHeader, ResponseBody,
};
use gregor_zk::admin::SeededRng;
use gregor_zk::{AdminError, AdminZkClient, RackAwareMode, ReplicaAssignment, TopicAssignment};

use super::admin_support::{
    admin_error, admin_zk, duplicates, has_leaders, is_controller, wait_for_metadata,
};
use super::{respond, BrokerContext};

/// `/admin/reassign_partitions`, present while a reassignment runs.
const REASSIGN_PARTITIONS_PATH: &str = "/admin/reassign_partitions";

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;

type Failure = (ErrorCode, Option<String>);

/// Grows every topic and answers.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: CreatePartitionsRequest,
) -> Outcome {
    let results = create_partitions(broker, request).await;
    respond(ResponseBody::CreatePartitions(CreatePartitionsResponse {
        results,
        ..CreatePartitionsResponse::default()
    }))
}

/// The per-topic results of a CreatePartitions request.
pub async fn create_partitions(
    broker: &BrokerContext,
    request: CreatePartitionsRequest,
) -> Vec<CreatePartitionsTopicResult> {
    let admin = match (is_controller(broker), admin_zk(broker)) {
        (true, Some(admin)) => admin,
        (controller, _) => {
            let code = if controller {
                ErrorCode::UnknownServerError
            } else {
                ErrorCode::NotController
            };
            return request
                .topics
                .iter()
                .map(|t| result(&t.name, Err((code, None))))
                .collect();
        }
    };
    let repeated = duplicates(request.topics.iter().map(|t| t.name.as_str()));
    let mut results = Vec::with_capacity(request.topics.len());
    let mut grown: Vec<(usize, String, i32)> = Vec::new();
    for topic in &request.topics {
        let outcome = if repeated.contains(&topic.name) {
            Err((
                ErrorCode::InvalidRequest,
                Some("Duplicate topic in request.".to_string()),
            ))
        } else {
            match admin.is_topic_marked_for_deletion(&topic.name).await {
                Ok(true) => Err((
                    ErrorCode::InvalidTopicException,
                    Some("The topic is queued for deletion.".to_string()),
                )),
                Ok(false) => grow(&admin, topic, request.validate_only).await,
                Err(e) => Err(admin_error(&e)),
            }
        };
        if outcome.is_ok() && !request.validate_only {
            grown.push((results.len(), topic.name.clone(), topic.count));
        }
        results.push(result(&topic.name, outcome));
    }
    if request.validate_only || grown.is_empty() {
        return results;
    }
    let pending = if request.timeout_ms <= 0 {
        grown
    } else {
        wait_for_metadata(request.timeout_ms, grown, |(_, name, count)| {
            has_leaders(broker, name, *count)
        })
        .await
    };
    for (index, _, _) in pending {
        results[index].error_code = ErrorCode::RequestTimedOut;
        results[index].error_message = None;
    }
    results
}

/// Kafka's per-topic part of `AdminManager.createPartitions`.
async fn grow(
    admin: &AdminZkClient,
    topic: &CreatePartitionsTopic,
    validate_only: bool,
) -> Result<(), Failure> {
    // Kafka refuses to add partitions while a reassignment runs: there is no meaningful
    // replication factor then.
    let reassigning = admin
        .zk()
        .get_data(REASSIGN_PARTITIONS_PATH)
        .await
        .map_err(|e| admin_error(&AdminError::from(e)))?
        .is_some();
    if reassigning {
        return Err((
            ErrorCode::ReassignmentInProgress,
            Some("A partition reassignment is in progress.".to_string()),
        ));
    }
    let brokers = admin
        .get_broker_metadatas(RackAwareMode::Enforced)
        .await
        .map_err(|e| admin_error(&e))?;
    let existing = admin
        .get_topic_assignment(&topic.name)
        .await
        .map_err(|e| admin_error(&e))?
        .map(|t| t.partitions)
        .unwrap_or_default();
    if existing.is_empty() {
        return Err((
            ErrorCode::UnknownTopicOrPartition,
            Some(format!("The topic '{}' does not exist.", topic.name)),
        ));
    }
    let old_count = i32::try_from(existing.len()).unwrap_or(i32::MAX);
    let increment = topic.count - old_count;
    if increment < 0 {
        return Err((ErrorCode::InvalidPartitions, Some(format!("Topic currently has {old_count} partitions, which is higher than the requested {}.", topic.count))));
    }
    if increment == 0 {
        return Err((
            ErrorCode::InvalidPartitions,
            Some(format!("Topic already has {old_count} partitions.")),
        ));
    }
    let explicit = match &topic.assignments {
        None => None,
        Some(assignments) => {
            let ids: BTreeSet<i32> = brokers.iter().map(|b| b.id).collect();
            let unknown: BTreeSet<i32> = assignments
                .iter()
                .flat_map(|a| a.broker_ids.iter().copied())
                .filter(|id| !ids.contains(id))
                .collect();
            if !unknown.is_empty() {
                let list: Vec<String> = unknown.iter().map(i32::to_string).collect();
                return Err((
                    ErrorCode::InvalidReplicaAssignment,
                    Some(format!(
                        "Unknown broker(s) in replica assignment: {}.",
                        list.join(", ")
                    )),
                ));
            }
            if i32::try_from(assignments.len()).ok() != Some(increment) {
                return Err((ErrorCode::InvalidReplicaAssignment, Some(format!("Increasing the number of partitions by {increment} but {} assignments provided.", assignments.len()))));
            }
            let map: ReplicaAssignment = assignments
                .iter()
                .zip(old_count..)
                .map(|(a, partition)| (partition, a.broker_ids.clone()))
                .collect();
            Some(map)
        }
    };
    // The assignment is computed synchronously: `AdminZkClient::add_partitions` holds its
    // `&mut dyn IndexRng` across awaits, which makes the handler's future not `Send`.
    let added = {
        let mut rng = SeededRng::from_entropy();
        admin.create_new_partitions_assignment(
            &topic.name,
            &existing,
            &brokers,
            topic.count,
            explicit.as_ref(),
            &mut rng,
        )
    }
    .map_err(|e| admin_error(&e))?;
    if validate_only {
        return Ok(());
    }
    log::info!(target: "kafka.zk.AdminZkClient", "Creating {} partitions for '{}' with the following replica assignment: {added:?}.", added.len(), topic.name);
    let mut combined = existing;
    combined.extend(added);
    let path = gregor_zk::paths::topic_path(&topic.name);
    let data = TopicAssignment::new(combined).encode();
    admin
        .zk()
        .raw()
        .set_data(&path, &data, None)
        .await
        .map(|_| ())
        .map_err(|e| {
            (
                ErrorCode::UnknownServerError,
                Some(format!("set_data {path} failed: {e}")),
            )
        })
}

fn result(name: &str, outcome: Result<(), Failure>) -> CreatePartitionsTopicResult {
    let (error_code, error_message) = match outcome {
        Ok(()) => (ErrorCode::None, None),
        Err(failure) => failure,
    };
    CreatePartitionsTopicResult {
        name: name.to_string(),
        error_code,
        error_message,
        ..CreatePartitionsTopicResult::default()
    }
}
