//! Produce (key 0), versions 0–8: acks must be 0, 1 or -1 (else INVALID_REQUIRED_ACKS for
//! every partition); the replica manager validates and appends; acks=0 sends no response,
//! or closes the connection when a partition failed, as Kafka does.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_log::dir::TopicPartition;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, ProduceRequest, ProduceResponse, ProduceResponsePartition, ProduceResponseTopic,
    RequestHeader, ResponseBody,
};

use super::context::now_ms;
use super::{respond, BrokerContext};
use crate::replica::append::{AppendResult, ProducePartition};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=8;

/// Topics clients may not produce to.
const INTERNAL_TOPICS: [&str; 2] = ["__consumer_offsets", "__transaction_state"];

/// The client id of Kafka's internal admin client, the only one allowed to.
const ADMIN_CLIENT_ID: &str = "__admin_client";

/// Appends and answers.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: ProduceRequest,
) -> Outcome {
    let version = header.request_api_version;
    let mut results: Vec<(TopicPartition, AppendResult)> = Vec::new();
    if !(-1..=1).contains(&request.acks) {
        for topic in &request.topics {
            for p in &topic.partitions {
                results.push((
                    TopicPartition::new(&topic.name, p.partition_index),
                    failure(ErrorCode::InvalidRequiredAcks),
                ));
            }
        }
    } else {
        let mut partitions = Vec::new();
        // Only Kafka's own admin client may write internal topics (`AdminUtils.AdminClientId`).
        let internal_allowed = header.client_id.as_deref() == Some(ADMIN_CLIENT_ID);
        for topic in request.topics {
            for p in topic.partitions {
                let tp = TopicPartition::new(&topic.name, p.partition_index);
                if !internal_allowed && INTERNAL_TOPICS.contains(&topic.name.as_str()) {
                    results.push((tp, failure(ErrorCode::InvalidTopicException)));
                    continue;
                }
                match p.records {
                    Some(records) => partitions.push(ProducePartition { tp, records }),
                    None => results.push((tp, failure(ErrorCode::CorruptMessage))),
                }
            }
        }
        let appended = broker
            .replica_manager
            .append_records(
                request.acks,
                request.timeout_ms,
                version,
                partitions,
                now_ms(),
            )
            .await;
        results.extend(appended);
    }
    if request.acks == 0 {
        // Kafka closes the connection when an acks=0 produce failed, so that the producer
        // notices (it reads no response) and refreshes its metadata.
        if let Some((tp, r)) = results.iter().find(|(_, r)| r.error != ErrorCode::None) {
            return Outcome::Close(format!("acks=0 produce to {tp} failed with {}", r.error));
        }
        return Outcome::NoResponse;
    }
    respond(ResponseBody::Produce(build_response(results)))
}

fn failure(error: ErrorCode) -> AppendResult {
    AppendResult {
        error,
        base_offset: -1,
        log_append_time_ms: -1,
        log_start_offset: -1,
        error_message: None,
        required_offset: -1,
    }
}

/// Groups per-partition results by topic, in request order.
fn build_response(results: Vec<(TopicPartition, AppendResult)>) -> ProduceResponse {
    let mut responses: Vec<ProduceResponseTopic> = Vec::new();
    for (tp, r) in results {
        let partition = ProduceResponsePartition {
            partition_index: tp.partition,
            error_code: r.error,
            base_offset: r.base_offset,
            log_append_time_ms: r.log_append_time_ms,
            log_start_offset: r.log_start_offset,
            error_message: r.error_message,
            ..ProduceResponsePartition::default()
        };
        match responses.iter_mut().find(|t| t.name == tp.topic) {
            Some(topic) => topic.partitions.push(partition),
            None => responses.push(ProduceResponseTopic {
                name: tp.topic.clone(),
                partitions: vec![partition],
                ..ProduceResponseTopic::default()
            }),
        }
    }
    ProduceResponse {
        responses,
        ..ProduceResponse::default()
    }
}
