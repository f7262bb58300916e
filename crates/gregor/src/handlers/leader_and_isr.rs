//! LeaderAndIsr (key 4), versions 0–4: the controller makes this broker leader or follower of
//! partitions. Broker epoch fencing here, controller/leader epoch fencing in the replica
//! manager; the topics' `/config/topics/<t>` overrides are read from ZooKeeper for new logs.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_coordinator::GROUP_METADATA_TOPIC;
use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, LeaderAndIsrPartitionError, LeaderAndIsrPartitionState, LeaderAndIsrRequest,
    LeaderAndIsrResponse, RequestHeader, ResponseBody,
};
use gregor_zk::EntityConfig;

use super::context::now_ms;
use super::{respond, BrokerContext};
use crate::cluster::PartitionState;
use crate::config::KafkaConfig;
use crate::replica::fetcher::{start_fetcher, FetchSource, FetcherConfig};
use crate::replica::{PartitionStateChange, TopicOverrides};
use gregor_log::dir::TopicPartition;

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;

/// Applies the partition states.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: LeaderAndIsrRequest,
) -> Outcome {
    let changes = flatten(&request);
    if broker
        .replica_manager
        .is_broker_epoch_stale(request.broker_epoch)
    {
        log::info!(target: "kafka.server.KafkaApis", "Received LeaderAndIsr request with broker epoch {} smaller than the current broker epoch {}", request.broker_epoch, broker.replica_manager.broker_epoch());
        return respond(response(ErrorCode::StaleBrokerEpoch, Vec::new()));
    }
    let overrides = read_topic_overrides(broker, &changes).await;
    let changed: Vec<(i32, i32, i32)> = changes
        .iter()
        .filter(|c| c.topic == GROUP_METADATA_TOPIC)
        .map(|c| (c.partition, c.state.leader, c.state.leader_epoch))
        .collect();
    let outcome = broker.replica_manager.become_leader_or_follower(
        request.controller_id,
        request.controller_epoch,
        changes,
        &overrides,
        now_ms(),
    );
    start_fetchers(broker, &request, &outcome.followers);
    if outcome.error == ErrorCode::None {
        move_group_coordination(broker, &changed, &outcome.partition_errors);
    }
    let errors = outcome
        .partition_errors
        .into_iter()
        .map(
            |(topic_name, partition_index, error_code)| LeaderAndIsrPartitionError {
                topic_name,
                partition_index,
                error_code,
                ..LeaderAndIsrPartitionError::default()
            },
        )
        .collect();
    respond(response(outcome.error, errors))
}

/// Kafka's `onLeadershipChange` for `__consumer_offsets`: partitions led here now are loaded
/// by the group coordinator, the others it stops serving.
fn move_group_coordination(
    broker: &BrokerContext,
    changed: &[(i32, i32, i32)],
    errors: &[(String, i32, ErrorCode)],
) {
    for &(partition, leader, leader_epoch) in changed {
        let failed = errors.iter().any(|(topic, p, error)| {
            topic == GROUP_METADATA_TOPIC && *p == partition && *error != ErrorCode::None
        });
        if failed {
            continue;
        }
        if leader == broker.broker_id {
            broker.group_coordinator.on_elected(partition, leader_epoch);
        } else {
            broker.group_coordinator.on_resigned(partition);
        }
    }
}

/// Starts a fetcher for every partition we follow, towards its leader's inter-broker
/// endpoint from the request's live leaders.
fn start_fetchers(
    broker: &Arc<BrokerContext>,
    request: &LeaderAndIsrRequest,
    followers: &[(TopicPartition, i32, i32)],
) {
    let config = fetcher_config(&broker.config);
    for (tp, leader_id, leader_epoch) in followers {
        let Some(leader) = request
            .live_leaders
            .iter()
            .find(|l| l.broker_id == *leader_id)
        else {
            log::info!(target: "state.change.logger", "[Broker id={}] Leader {leader_id} of {tp} is not alive; not fetching", broker.broker_id);
            continue;
        };
        let source = FetchSource {
            leader_id: *leader_id,
            addr: format!("{}:{}", leader.host_name, leader.port),
            leader_epoch: *leader_epoch,
        };
        start_fetcher(&broker.replica_manager, tp.clone(), source, config);
    }
}

/// The `replica.fetch.*` settings.
fn fetcher_config(config: &KafkaConfig) -> FetcherConfig {
    FetcherConfig {
        wait_max_ms: config.replica_fetch_wait_max_ms,
        min_bytes: config.replica_fetch_min_bytes,
        max_bytes: config.replica_fetch_max_bytes,
        response_max_bytes: config.replica_fetch_response_max_bytes,
        backoff_ms: u64::try_from(config.replica_fetch_backoff_ms).unwrap_or(1000),
    }
}

fn response(error: ErrorCode, partition_errors: Vec<LeaderAndIsrPartitionError>) -> ResponseBody {
    ResponseBody::LeaderAndIsr(LeaderAndIsrResponse {
        error_code: error,
        partition_errors,
        ..LeaderAndIsrResponse::default()
    })
}

/// v0–1 list partitions flat with their topic; v2+ group them by topic.
fn flatten(request: &LeaderAndIsrRequest) -> Vec<PartitionStateChange> {
    let ungrouped = request
        .ungrouped_partition_states
        .iter()
        .map(|s| change(&s.topic_name, s));
    let grouped = request
        .topic_states
        .iter()
        .flat_map(|t| t.partition_states.iter().map(|s| change(&t.topic_name, s)));
    ungrouped.chain(grouped).collect()
}

fn change(topic: &str, s: &LeaderAndIsrPartitionState) -> PartitionStateChange {
    PartitionStateChange {
        topic: topic.to_string(),
        partition: s.partition_index,
        state: PartitionState {
            leader: s.leader,
            leader_epoch: s.leader_epoch,
            isr: s.isr.clone(),
            replicas: s.replicas.clone(),
            controller_epoch: s.controller_epoch,
            zk_version: s.zk_version,
        },
    }
}

/// `/config/topics/<t>` of every topic in the request; an unreadable one counts as no
/// overrides (logged), as the log then simply uses the broker defaults.
async fn read_topic_overrides(
    broker: &BrokerContext,
    changes: &[PartitionStateChange],
) -> TopicOverrides {
    let topics: BTreeSet<&str> = changes.iter().map(|c| c.topic.as_str()).collect();
    let mut overrides = TopicOverrides::new();
    let Some(zk) = broker.zk() else {
        return overrides;
    };
    for topic in topics {
        let path = gregor_zk::paths::topic_config_path(topic);
        match zk.get_data(&path).await {
            Ok(Some((data, _))) => match EntityConfig::decode(&path, &data) {
                Ok(config) => {
                    overrides.insert(topic.to_string(), config.config);
                }
                Err(e) => log::warn!("Ignoring unreadable {path}: {e}"),
            },
            Ok(None) => {}
            Err(e) => log::warn!("Cannot read {path}: {e}"),
        }
    }
    overrides
}
