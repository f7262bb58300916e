//! Kafka's `ControllerBrokerRequestBatch`: the requests one controller action produces,
//! collected per broker and sent together at the end of the action, in Kafka's order:
//! LeaderAndIsr, then UpdateMetadata, then StopReplica. Requests are built in their newest
//! (IBP 2.4) shape; the channel fits them to each broker's version.

use std::collections::{BTreeMap, BTreeSet};

use gregor_protocol::{
    LeaderAndIsrLiveLeader, LeaderAndIsrPartitionState, LeaderAndIsrRequest,
    LeaderAndIsrTopicState, RequestBody, StopReplicaRequest, StopReplicaTopic,
    UpdateMetadataBroker, UpdateMetadataEndpoint, UpdateMetadataPartitionState,
    UpdateMetadataRequest, UpdateMetadataTopicState,
};
use gregor_zk::TopicPartition;
use log::info;

use crate::channel::{ChannelManager, ResponseRoute};
use crate::context::{ControllerContext, Leadership};

/// Kafka's logger name for these lines (the broker routes it to `state-change.log`).
const LOG_TARGET: &str = "state.change.logger";

/// Leader id UpdateMetadata carries for partitions of topics being deleted (Kafka's
/// `LeaderAndIsr.LeaderDuringDelete`).
pub const LEADER_DURING_DELETE: i32 = -2;

/// Requests being collected during one controller action.
#[derive(Debug, Default)]
pub struct RequestBatch {
    /// LeaderAndIsr partition states per target broker.
    leader_and_isr: BTreeMap<i32, BTreeMap<TopicPartition, LeaderAndIsrPartitionState>>,
    /// Brokers to receive UpdateMetadata.
    update_metadata_brokers: BTreeSet<i32>,
    /// Partition states UpdateMetadata carries, captured when added.
    update_metadata_partitions: BTreeMap<TopicPartition, UpdateMetadataPartitionState>,
    /// StopReplica partitions per broker, with the delete flag.
    stop_replica: BTreeMap<i32, Vec<(TopicPartition, bool)>>,
}

/// Kafka's numeric id of a security protocol name.
fn security_protocol_id(name: &str) -> i16 {
    match name {
        "SSL" => 1,
        "SASL_PLAINTEXT" => 2,
        "SASL_SSL" => 3,
        _ => 0,
    }
}

impl RequestBatch {
    /// LeaderAndIsr for `partition` to `brokers`, plus UpdateMetadata of it to every live
    /// broker (Kafka's `addLeaderAndIsrRequestForBrokers`).
    pub fn add_leader_and_isr(
        &mut self,
        ctx: &ControllerContext,
        brokers: &[i32],
        partition: &TopicPartition,
        leadership: &Leadership,
        is_new: bool,
    ) {
        for &broker in brokers.iter().filter(|&&broker| broker >= 0) {
            let states = self.leader_and_isr.entry(broker).or_default();
            let already_new = states.get(partition).is_some_and(|state| state.is_new);
            states.insert(
                partition.clone(),
                LeaderAndIsrPartitionState {
                    partition_index: partition.partition,
                    controller_epoch: leadership.state.controller_epoch,
                    leader: leadership.state.leader,
                    leader_epoch: leadership.state.leader_epoch,
                    isr: leadership.state.isr.clone(),
                    zk_version: leadership.zk_version,
                    replicas: ctx.replicas(partition).to_vec(),
                    is_new: is_new || already_new,
                    ..Default::default()
                },
            );
        }
        let everyone = ctx.live_or_shutting_down_ids();
        self.add_update_metadata(ctx, &everyone, std::slice::from_ref(partition));
    }

    /// UpdateMetadata to `brokers` carrying `partitions` (those with a leader); partitions of
    /// topics being deleted carry leader -2 (Kafka's `addUpdateMetadataRequestForBrokers`).
    pub fn add_update_metadata(
        &mut self,
        ctx: &ControllerContext,
        brokers: &BTreeSet<i32>,
        partitions: &[TopicPartition],
    ) {
        self.update_metadata_brokers
            .extend(brokers.iter().filter(|&&broker| broker >= 0));
        for partition in partitions {
            let Some(leadership) = ctx.leadership.get(partition) else {
                info!(target: LOG_TARGET, "Leader not yet assigned for partition {}-{}. Skip sending UpdateMetadataRequest.", partition.topic, partition.partition);
                continue;
            };
            let replicas = ctx.replicas(partition).to_vec();
            let offline_replicas = replicas
                .iter()
                .copied()
                .filter(|&replica| !ctx.is_replica_online(replica, partition))
                .collect();
            let state = &leadership.state;
            // Kafka's `LeaderAndIsr.duringDelete(isr)` resets leader epoch and zkVersion too.
            let (leader, leader_epoch, zk_version) =
                if ctx.is_topic_queued_for_deletion(&partition.topic) {
                    (LEADER_DURING_DELETE, 0, 0)
                } else {
                    (state.leader, state.leader_epoch, leadership.zk_version)
                };
            self.update_metadata_partitions.insert(
                partition.clone(),
                UpdateMetadataPartitionState {
                    partition_index: partition.partition,
                    controller_epoch: state.controller_epoch,
                    leader,
                    leader_epoch,
                    isr: state.isr.clone(),
                    zk_version,
                    replicas,
                    offline_replicas,
                    ..Default::default()
                },
            );
        }
    }

    /// StopReplica for `partition` to `brokers`.
    pub fn add_stop_replica(&mut self, brokers: &[i32], partition: &TopicPartition, delete: bool) {
        for &broker in brokers.iter().filter(|&&broker| broker >= 0) {
            let entries = self.stop_replica.entry(broker).or_default();
            entries.retain(|(existing, _)| existing != partition);
            entries.push((partition.clone(), delete));
        }
    }

    /// Sends everything collected and empties the batch.
    pub fn send(
        &mut self,
        ctx: &ControllerContext,
        controller_id: i32,
        listener_name: &str,
        channel: &ChannelManager,
    ) {
        let batch = std::mem::take(self);
        let live = ctx.live_or_shutting_down_ids();
        for (broker, states) in batch.leader_and_isr {
            if !live.contains(&broker) {
                continue;
            }
            let request = leader_and_isr_request(ctx, controller_id, listener_name, broker, states);
            info!(target: LOG_TARGET,
                "Sending LeaderAndIsr request to broker {broker} for {} partitions",
                count_partitions(&request)
            );
            channel.send(
                broker,
                RequestBody::LeaderAndIsr(request),
                ResponseRoute::LeaderAndIsr,
            );
        }
        if !batch.update_metadata_brokers.is_empty() {
            let topic_states = group_update_metadata(batch.update_metadata_partitions);
            let live_brokers = live_brokers(ctx);
            for broker in batch
                .update_metadata_brokers
                .iter()
                .filter(|broker| live.contains(broker))
            {
                let request = UpdateMetadataRequest {
                    controller_id,
                    controller_epoch: ctx.epoch,
                    broker_epoch: broker_epoch(ctx, *broker),
                    topic_states: topic_states.clone(),
                    live_brokers: live_brokers.clone(),
                    ..Default::default()
                };
                channel.send(
                    *broker,
                    RequestBody::UpdateMetadata(request),
                    ResponseRoute::Ignore,
                );
            }
        }
        for (broker, entries) in batch.stop_replica {
            if !live.contains(&broker) {
                continue;
            }
            send_stop_replicas(ctx, controller_id, broker, entries, channel);
        }
    }
}

fn broker_epoch(ctx: &ControllerContext, broker: i32) -> i64 {
    ctx.live_brokers
        .get(&broker)
        .map(|live| live.epoch)
        .unwrap_or(-1)
}

fn count_partitions(request: &LeaderAndIsrRequest) -> usize {
    request
        .topic_states
        .iter()
        .map(|topic| topic.partition_states.len())
        .sum()
}

fn leader_and_isr_request(
    ctx: &ControllerContext,
    controller_id: i32,
    listener_name: &str,
    broker: i32,
    states: BTreeMap<TopicPartition, LeaderAndIsrPartitionState>,
) -> LeaderAndIsrRequest {
    let leader_ids: BTreeSet<i32> = states.values().map(|state| state.leader).collect();
    let live_leaders = ctx
        .live_brokers
        .iter()
        .filter(|(id, _)| leader_ids.contains(id))
        .filter_map(|(&id, live)| {
            let endpoint = live
                .info
                .endpoints
                .iter()
                .find(|endpoint| endpoint.listener_name == listener_name)?;
            Some(LeaderAndIsrLiveLeader {
                broker_id: id,
                host_name: endpoint.host.clone(),
                port: endpoint.port,
                ..Default::default()
            })
        })
        .collect();
    let mut topic_states: Vec<LeaderAndIsrTopicState> = Vec::new();
    for (partition, state) in states {
        match topic_states.last_mut() {
            Some(topic) if topic.topic_name == partition.topic => {
                topic.partition_states.push(state)
            }
            _ => topic_states.push(LeaderAndIsrTopicState {
                topic_name: partition.topic,
                partition_states: vec![state],
                ..Default::default()
            }),
        }
    }
    LeaderAndIsrRequest {
        controller_id,
        controller_epoch: ctx.epoch,
        broker_epoch: broker_epoch(ctx, broker),
        topic_states,
        live_leaders,
        ..Default::default()
    }
}

fn group_update_metadata(
    partitions: BTreeMap<TopicPartition, UpdateMetadataPartitionState>,
) -> Vec<UpdateMetadataTopicState> {
    let mut topic_states: Vec<UpdateMetadataTopicState> = Vec::new();
    for (partition, state) in partitions {
        match topic_states.last_mut() {
            Some(topic) if topic.topic_name == partition.topic => {
                topic.partition_states.push(state)
            }
            _ => topic_states.push(UpdateMetadataTopicState {
                topic_name: partition.topic,
                partition_states: vec![state],
                ..Default::default()
            }),
        }
    }
    topic_states
}

fn live_brokers(ctx: &ControllerContext) -> Vec<UpdateMetadataBroker> {
    ctx.live_brokers
        .iter()
        .map(|(&id, live)| UpdateMetadataBroker {
            id,
            endpoints: live
                .info
                .endpoints
                .iter()
                .map(|endpoint| UpdateMetadataEndpoint {
                    port: endpoint.port,
                    host: endpoint.host.clone(),
                    listener: endpoint.listener_name.clone(),
                    security_protocol: security_protocol_id(&endpoint.security_protocol),
                    ..Default::default()
                })
                .collect(),
            rack: live.info.rack.clone(),
            ..Default::default()
        })
        .collect()
}

/// Kafka 2.4 sends at most two StopReplica requests per broker and batch: first one with
/// every delete=true partition (its response feeds topic deletion), then one with every
/// delete=false partition.
fn send_stop_replicas(
    ctx: &ControllerContext,
    controller_id: i32,
    broker: i32,
    entries: Vec<(TopicPartition, bool)>,
    channel: &ChannelManager,
) {
    let request = |delete_partitions: bool, partitions: &[TopicPartition]| {
        let mut topics: Vec<StopReplicaTopic> = Vec::new();
        for partition in partitions {
            match topics.last_mut() {
                Some(topic) if topic.name == partition.topic => {
                    topic.partition_indexes.push(partition.partition)
                }
                _ => topics.push(StopReplicaTopic {
                    name: partition.topic.clone(),
                    partition_indexes: vec![partition.partition],
                    ..Default::default()
                }),
            }
        }
        RequestBody::StopReplica(StopReplicaRequest {
            controller_id,
            controller_epoch: ctx.epoch,
            broker_epoch: broker_epoch(ctx, broker),
            delete_partitions,
            topics,
            ..Default::default()
        })
    };
    let (deletes, stops): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(_, delete)| *delete);
    let sorted = |entries: Vec<(TopicPartition, bool)>| {
        let mut partitions: Vec<TopicPartition> = entries
            .into_iter()
            .map(|(partition, _)| partition)
            .collect();
        partitions.sort();
        partitions
    };
    let (deletes, stops) = (sorted(deletes), sorted(stops));
    if !deletes.is_empty() {
        let request = request(true, &deletes);
        channel.send(broker, request, ResponseRoute::TopicDeletion(deletes));
    }
    if !stops.is_empty() {
        channel.send(broker, request(false, &stops), ResponseRoute::Ignore);
    }
}

#[cfg(test)]
mod tests;
