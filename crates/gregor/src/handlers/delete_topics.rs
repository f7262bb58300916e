//! DeleteTopics (key 20), versions 0–4 (Kafka's `KafkaApis.handleDeleteTopicsRequest` and
//! `AdminManager.deleteTopics`). A broker that is not the controller answers NOT_CONTROLLER;
//! with `delete.topic.enable=false` every topic gets INVALID_REQUEST (v0–2) or
//! TOPIC_DELETION_DISABLED (v3+); a topic the metadata cache does not know is
//! UNKNOWN_TOPIC_OR_PARTITION. Otherwise `/admin/delete_topics/<t>` is created (an existing
//! marker is fine) and the request waits up to `timeout_ms` until the metadata cache no longer
//! has the topic, else REQUEST_TIMED_OUT.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    DeletableTopicResult, DeleteTopicsRequest, DeleteTopicsResponse, ErrorCode, RequestHeader,
    ResponseBody,
};
use gregor_zk::AdminError;

use super::admin_support::{admin_zk, is_controller, wait_for_metadata};
use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;

/// Marks the topics for deletion and waits for the controller to delete them.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: DeleteTopicsRequest,
) -> Outcome {
    let responses = delete_topics(broker, header.request_api_version, request).await;
    respond(ResponseBody::DeleteTopics(DeleteTopicsResponse {
        responses,
        ..DeleteTopicsResponse::default()
    }))
}

/// The per-topic results of a DeleteTopics request of `version`.
pub async fn delete_topics(
    broker: &BrokerContext,
    version: i16,
    request: DeleteTopicsRequest,
) -> Vec<DeletableTopicResult> {
    let all_fail = |code: ErrorCode| {
        request
            .topic_names
            .iter()
            .map(|name| result(name, code))
            .collect::<Vec<_>>()
    };
    // Kafka checks the controller first, then `delete.topic.enable`.
    if !is_controller(broker) {
        return all_fail(ErrorCode::NotController);
    }
    if !broker.config.delete_topic_enable {
        return all_fail(if version < 3 {
            ErrorCode::InvalidRequest
        } else {
            ErrorCode::TopicDeletionDisabled
        });
    }
    let Some(admin) = admin_zk(broker) else {
        return all_fail(ErrorCode::UnknownServerError);
    };
    let mut results = Vec::with_capacity(request.topic_names.len());
    let mut marked: Vec<(usize, String)> = Vec::new();
    for name in &request.topic_names {
        if !broker.metadata_cache.contains_topic(name) {
            results.push(result(name, ErrorCode::UnknownTopicOrPartition));
            continue;
        }
        // Kafka's `AdminZkClient.deleteTopic`: the topic znode must exist; an existing
        // marker is swallowed so that repeated calls all wait for the deletion.
        let outcome = match admin.topic_exists(name).await {
            Ok(true) => match admin.create_delete_topic_path(name).await {
                Ok(()) | Err(AdminError::TopicAlreadyMarkedForDeletion(_)) => Ok(()),
                Err(e) => Err(e),
            },
            Ok(false) => Err(AdminError::UnknownTopicOrPartition(format!(
                "Topic `{name}` to delete does not exist"
            ))),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                marked.push((results.len(), name.clone()));
                results.push(result(name, ErrorCode::None));
            }
            Err(e) => {
                log::info!(target: "kafka.server.AdminManager", "Error processing delete topic request for topic {name}: {e}");
                results.push(result(name, ErrorCode::from_i16(e.kafka_error_code())));
            }
        }
    }
    let pending = if request.timeout_ms <= 0 {
        marked
    } else {
        wait_for_metadata(request.timeout_ms, marked, |(_, name)| {
            !broker.metadata_cache.contains_topic(name)
        })
        .await
    };
    for (index, _) in pending {
        results[index].error_code = ErrorCode::RequestTimedOut;
    }
    results
}

fn result(name: &str, error_code: ErrorCode) -> DeletableTopicResult {
    DeletableTopicResult {
        name: name.to_string(),
        error_code,
        ..DeletableTopicResult::default()
    }
}
