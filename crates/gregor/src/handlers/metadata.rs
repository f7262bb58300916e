//! Metadata (key 3), versions 0–9, answered from the metadata cache only: live brokers with
//! their endpoint on the request's listener, cluster id (v2+), controller id (v1+), topics with
//! partition leaders/replicas/ISR. Unknown topics are auto-created when
//! `auto.create.topics.enable` and the request allow it (LEADER_NOT_AVAILABLE until the
//! controller has elected leaders), else UNKNOWN_TOPIC_OR_PARTITION; illegal names get
//! INVALID_TOPIC_EXCEPTION.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, MetadataRequest, MetadataResponse, MetadataResponseBroker,
    MetadataResponsePartition, MetadataResponseTopic, RequestHeader, ResponseBody,
};

use super::auto_create::{create_topic, offsets_topic_config};
use super::{respond, BrokerContext};
use crate::cluster::CachedPartition;

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=9;

/// The internal topics (reported with `is_internal`).
const INTERNAL_TOPICS: [&str; 2] = ["__consumer_offsets", "__transaction_state"];

/// Answers from the cache, auto-creating missing topics when allowed.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    ctx: &RequestContext,
    header: &RequestHeader,
    request: MetadataRequest,
) -> Outcome {
    let version = header.request_api_version;
    let cache = &broker.metadata_cache;
    // v0 asks for every topic with an empty list; v1+ with null.
    let requested: Option<Vec<String>> = match request.topics {
        None => None,
        Some(topics) if topics.is_empty() && version == 0 => None,
        Some(topics) => Some(topics.into_iter().map(|t| t.name).collect()),
    };
    let allow_auto_create = version < 4 || request.allow_auto_topic_creation;
    let mut topics = Vec::new();
    match requested {
        None => {
            for name in cache.topics() {
                topics.push(known_topic(broker, &ctx.listener_name, &name, version));
            }
        }
        Some(names) => {
            for name in names {
                let topic = if cache.contains_topic(&name) {
                    known_topic(broker, &ctx.listener_name, &name, version)
                } else {
                    let error = unknown_topic_error(broker, &name, allow_auto_create).await;
                    MetadataResponseTopic {
                        error_code: error,
                        is_internal: INTERNAL_TOPICS.contains(&name.as_str()),
                        name,
                        ..MetadataResponseTopic::default()
                    }
                };
                topics.push(topic);
            }
        }
    }
    let brokers = cache
        .alive_brokers()
        .into_iter()
        .filter_map(|b| {
            let endpoint = b.endpoint(&ctx.listener_name)?;
            Some(MetadataResponseBroker {
                node_id: b.id,
                host: endpoint.host.clone(),
                port: endpoint.port,
                rack: b.rack.clone(),
                ..MetadataResponseBroker::default()
            })
        })
        .collect();
    respond(ResponseBody::Metadata(MetadataResponse {
        brokers,
        cluster_id: Some(broker.cluster_id.clone()),
        controller_id: cache.controller_id().unwrap_or(-1),
        topics,
        ..MetadataResponse::default()
    }))
}

/// The error for a topic the cache does not know, creating it when allowed.
async fn unknown_topic_error(broker: &BrokerContext, name: &str, allow: bool) -> ErrorCode {
    // Kafka 2.4 validates the name only when creating (InvalidTopicException from
    // AdminZkClient); otherwise an unknown name is simply unknown.
    if !allow || !broker.config.auto_create_topics_enable {
        return ErrorCode::UnknownTopicOrPartition;
    }
    let (partitions, replication_factor, topic_config) = if name == INTERNAL_TOPICS[0] {
        // Kafka's createInternalTopic: no silent reduction of the replication factor.
        let live = broker.metadata_cache.alive_brokers().len();
        let wanted = broker.config.offsets_topic_replication_factor;
        if live < usize::try_from(wanted).unwrap_or(usize::MAX) {
            return ErrorCode::CoordinatorNotAvailable;
        }
        (
            broker.config.offsets_topic_partitions,
            i32::from(broker.config.offsets_topic_replication_factor),
            offsets_topic_config(&broker.config),
        )
    } else {
        (
            broker.config.num_partitions,
            broker.config.default_replication_factor,
            Default::default(),
        )
    };
    let Some(zk) = broker.zk() else {
        return ErrorCode::UnknownServerError;
    };
    create_topic(&zk, name, partitions, replication_factor, &topic_config).await
}

/// A topic the cache knows, with per-partition availability errors.
fn known_topic(
    broker: &BrokerContext,
    listener: &str,
    name: &str,
    version: i16,
) -> MetadataResponseTopic {
    let partitions = broker
        .metadata_cache
        .partitions(name)
        .unwrap_or_default()
        .into_iter()
        .map(|(index, state)| partition_metadata(broker, listener, index, &state, version))
        .collect();
    MetadataResponseTopic {
        error_code: ErrorCode::None,
        name: name.to_string(),
        is_internal: INTERNAL_TOPICS.contains(&name),
        partitions,
        ..MetadataResponseTopic::default()
    }
}

/// Kafka's `getPartitionMetadata`: LEADER_NOT_AVAILABLE when the leader is not alive,
/// LISTENER_NOT_FOUND (v6+) when it has no endpoint on the request's listener;
/// REPLICA_NOT_AVAILABLE (v0 only, which lists only reachable replicas) when one is not.
fn partition_metadata(
    broker: &BrokerContext,
    listener: &str,
    index: i32,
    state: &CachedPartition,
    version: i16,
) -> MetadataResponsePartition {
    let cache = &broker.metadata_cache;
    let reachable = |id: &i32| {
        cache
            .broker(*id)
            .is_some_and(|b| b.endpoint(listener).is_some())
    };
    // v0 lists only replicas reachable on the listener and flags the others.
    let filter = |ids: &[i32]| -> Vec<i32> {
        if version == 0 {
            ids.iter().copied().filter(reachable).collect()
        } else {
            ids.to_vec()
        }
    };
    let replicas = filter(&state.replicas);
    let mut answer = MetadataResponsePartition {
        partition_index: index,
        offline_replicas: filter(&state.offline_replicas),
        ..MetadataResponsePartition::default()
    };
    if !reachable(&state.leader) {
        let leader_alive = cache.broker(state.leader).is_some();
        answer.error_code = if leader_alive && version >= 6 {
            ErrorCode::ListenerNotFound
        } else {
            ErrorCode::LeaderNotAvailable
        };
        answer.leader_id = -1;
        answer.leader_epoch = -1;
        answer.replica_nodes = replicas;
        return answer;
    }
    let isr = filter(&state.isr);
    answer.error_code = if replicas.len() < state.replicas.len() || isr.len() < state.isr.len() {
        ErrorCode::ReplicaNotAvailable
    } else {
        ErrorCode::None
    };
    answer.leader_id = state.leader;
    answer.leader_epoch = state.leader_epoch;
    answer.replica_nodes = replicas;
    answer.isr_nodes = isr;
    answer
}
