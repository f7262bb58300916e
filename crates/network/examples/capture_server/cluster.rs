//! The fake cluster's state (topics, high watermarks, groups) and its data-path answers:
//! Metadata, Produce, Fetch, ListOffsets and OffsetForLeaderEpoch. Nothing is stored but high
//! watermarks; Fetch synthesises records `0..high_watermark` on demand.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use gregor_protocol::records::{self, RecordBatchBuilder};
use gregor_protocol::*;

/// Node id of this fake broker; it is also the controller and every coordinator.
pub(crate) const NODE_ID: i32 = 0;
/// Fixed cluster id, so Metadata answers are the same in every run.
const CLUSTER_ID: &str = "gregor-golden-cluster";
/// Partitions of a topic that clients merely name.
pub(crate) const DEFAULT_PARTITIONS: usize = 3;
/// Records every such partition already holds, so consumers have something to deliver.
const INITIAL_RECORDS: i64 = 3;
/// Most records one Fetch answer carries per partition.
const MAX_RECORDS_PER_FETCH: i64 = 5;
/// Timestamp of synthetic record 0; record n is n ms later, so fetched bytes are reproducible.
const BASE_TIMESTAMP_MS: i64 = 1_600_000_000_000;

/// A consumer group with (in practice) one member per session.
#[derive(Default)]
pub(crate) struct Group {
    /// Bumped on every completed join.
    pub(crate) generation_id: i32,
    /// First member to join; it receives the member list and computes the assignment.
    pub(crate) leader: String,
    /// Protocol chosen (the first one the leader offered).
    pub(crate) protocol_name: String,
    /// `consumer` for consumers.
    pub(crate) protocol_type: String,
    /// Member id and the metadata of its chosen protocol, in join order.
    pub(crate) members: Vec<(String, Bytes)>,
    /// Assignments the leader sent in SyncGroup, by member id.
    pub(crate) assignments: BTreeMap<String, Bytes>,
}

/// Everything the fake cluster remembers during one run.
#[derive(Default)]
pub(crate) struct State {
    /// High watermark of each partition, by topic.
    pub(crate) topics: BTreeMap<String, Vec<i64>>,
    /// Groups seen in JoinGroup, by id.
    pub(crate) groups: BTreeMap<String, Group>,
    /// Suffix of the next member id handed out.
    pub(crate) next_member: u32,
}

impl State {
    /// The state at start: topic `golden` and an empty consumer group `golden-group` exist,
    /// so listings and descriptions have something to show.
    pub(crate) fn seeded() -> Self {
        let mut state = Self::default();
        state.topic("golden");
        let group = Group {
            protocol_type: "consumer".to_string(),
            ..Default::default()
        };
        state.groups.insert("golden-group".to_string(), group);
        state
    }

    /// The partitions of `topic`, creating it with the default layout if it is new.
    pub(crate) fn topic(&mut self, topic: &str) -> &mut Vec<i64> {
        self.topics
            .entry(topic.to_string())
            .or_insert_with(|| vec![INITIAL_RECORDS; DEFAULT_PARTITIONS])
    }

    /// High watermark of one partition (0 for a partition the topic does not have).
    pub(crate) fn high_watermark(&mut self, topic: &str, partition: i32) -> i64 {
        let partitions = self.topic(topic);
        usize::try_from(partition)
            .ok()
            .and_then(|index| partitions.get(index).copied())
            .unwrap_or(0)
    }
}

/// The fake broker: its address and its state.
pub(crate) struct Cluster {
    /// Advertised host.
    pub(crate) host: String,
    /// Advertised port.
    pub(crate) port: i32,
    /// Shared by all connections of the run.
    pub(crate) state: Mutex<State>,
}

impl Cluster {
    /// The run's state, locked.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the maps half-updated in a way that matters here.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Metadata: this broker, controller and leader of every partition of every topic asked for.
pub(crate) fn metadata(
    cluster: &Cluster,
    request: MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let mut state = cluster.state();
    let names: Vec<String> = match request.topics {
        // v0 reads an empty list as "all topics"; v1+ reads null that way.
        Some(topics) if !(topics.is_empty() && version == 0) => {
            topics.into_iter().map(|topic| topic.name).collect()
        }
        _ => state.topics.keys().cloned().collect(),
    };
    let topics = names
        .into_iter()
        .map(|name| {
            let partitions = (0..state.topic(&name).len() as i32)
                .map(|partition_index| MetadataResponsePartition {
                    partition_index,
                    leader_id: NODE_ID,
                    leader_epoch: 0,
                    replica_nodes: vec![NODE_ID],
                    isr_nodes: vec![NODE_ID],
                    ..Default::default()
                })
                .collect();
            MetadataResponseTopic {
                name,
                partitions,
                ..Default::default()
            }
        })
        .collect();
    MetadataResponse {
        brokers: vec![MetadataResponseBroker {
            node_id: NODE_ID,
            host: cluster.host.clone(),
            port: cluster.port,
            rack: None,
            ..Default::default()
        }],
        cluster_id: Some(CLUSTER_ID.to_string()),
        controller_id: NODE_ID,
        topics,
        ..Default::default()
    }
}

/// Records in a Produce partition's record set (a compressed legacy wrapper counts its inner
/// messages; one that cannot be read counts one).
fn records_in(records: &[u8]) -> i64 {
    records::entries(records)
        .filter_map(Result::ok)
        .map(|entry| match entry {
            records::RecordSetEntry::V2(batch) => i64::from(batch.records_count()),
            records::RecordSetEntry::Legacy(message) => message
                .records(records::DEFAULT_MAX_DECOMPRESSED_BYTES)
                .map_or(1, |inner| inner.len() as i64),
        })
        .sum()
}

/// Produce: every partition succeeds; the base offset is the old high watermark.
pub(crate) fn produce(cluster: &Cluster, request: ProduceRequest) -> ProduceResponse {
    let mut state = cluster.state();
    let responses = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .into_iter()
                .map(|partition| {
                    let count = partition.records.as_deref().map_or(0, records_in);
                    let base_offset = state.high_watermark(&topic.name, partition.partition_index);
                    let index = usize::try_from(partition.partition_index).unwrap_or(usize::MAX);
                    if let Some(hw) = state.topic(&topic.name).get_mut(index) {
                        *hw += count;
                    }
                    ProduceResponsePartition {
                        partition_index: partition.partition_index,
                        base_offset,
                        log_start_offset: 0,
                        ..Default::default()
                    }
                })
                .collect();
            ProduceResponseTopic {
                name: topic.name,
                partitions,
                ..Default::default()
            }
        })
        .collect();
    ProduceResponse {
        responses,
        ..Default::default()
    }
}

/// Synthetic records `[from, to)` of a partition in the format a Fetch `version` carries:
/// an uncompressed v2 batch for v4+, magic 1 messages for v2–3 and magic 0 for v0–1.
fn synthetic_records(version: i16, from: i64, to: i64) -> Bytes {
    let record = |offset: i64| {
        let key = format!("key-{offset}").into_bytes();
        let value = format!("golden message {offset}").into_bytes();
        (BASE_TIMESTAMP_MS + offset, key, value)
    };
    // Building from in-memory records of our own cannot meet a codec error; an empty set
    // is still a valid answer if it somehow does.
    let built = if version >= 4 {
        let mut builder = RecordBatchBuilder::new()
            .base_offset(from)
            .partition_leader_epoch(0);
        for offset in from..to {
            let (timestamp, key, value) = record(offset);
            builder.push(timestamp, Some(&key), Some(&value), &[]);
        }
        builder.build()
    } else {
        let magic = if version >= 2 { 1 } else { 0 };
        records::LegacyBuilder::new(magic, records::Compression::None).and_then(|mut builder| {
            for offset in from..to {
                let (timestamp, key, value) = record(offset);
                builder.append(offset, timestamp, Some(&key), Some(&value));
            }
            builder.build()
        })
    };
    built.map(Bytes::from).unwrap_or_default()
}

/// The Fetch answer, and whether it carries no records at all (the caller then holds it).
pub(crate) fn fetch(
    cluster: &Cluster,
    request: &FetchRequest,
    version: i16,
) -> (FetchResponse, bool) {
    let mut state = cluster.state();
    let mut empty = true;
    let responses = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|partition| {
                    let high_watermark = state.high_watermark(&topic.topic, partition.partition);
                    let from = partition.fetch_offset;
                    let to = high_watermark.min(from.saturating_add(MAX_RECORDS_PER_FETCH));
                    let records = if from >= 0 && from < to {
                        empty = false;
                        synthetic_records(version, from, to)
                    } else {
                        Bytes::new()
                    };
                    FetchResponsePartition {
                        partition: partition.partition,
                        high_watermark,
                        last_stable_offset: high_watermark,
                        log_start_offset: 0,
                        records: Some(RecordsData::Bytes(records)),
                        ..Default::default()
                    }
                })
                .collect();
            FetchResponseTopic {
                topic: topic.topic.clone(),
                partitions,
                ..Default::default()
            }
        })
        .collect();
    let response = FetchResponse {
        responses,
        ..Default::default()
    };
    (response, empty)
}

/// ListOffsets: the latest offset is the high watermark, the earliest is 0.
pub(crate) fn list_offsets(cluster: &Cluster, request: ListOffsetsRequest) -> ListOffsetsResponse {
    let mut state = cluster.state();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .into_iter()
                .map(|partition| {
                    // -1 asks for the latest offset; -2 and any real timestamp get the earliest.
                    let offset = match partition.timestamp {
                        -1 => state.high_watermark(&topic.topic, partition.partition),
                        _ => 0,
                    };
                    ListOffsetsResponsePartition {
                        partition: partition.partition,
                        offsets: vec![offset],
                        timestamp: -1,
                        offset,
                        leader_epoch: 0,
                        ..Default::default()
                    }
                })
                .collect();
            ListOffsetsResponseTopic {
                topic: topic.topic,
                partitions,
                ..Default::default()
            }
        })
        .collect();
    ListOffsetsResponse {
        topics,
        ..Default::default()
    }
}

/// OffsetForLeaderEpoch: there has only ever been epoch 0, which ends at the high watermark.
pub(crate) fn offset_for_leader_epoch(
    cluster: &Cluster,
    request: OffsetForLeaderEpochRequest,
) -> OffsetForLeaderEpochResponse {
    let mut state = cluster.state();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .into_iter()
                .map(|partition| EpochEndOffset {
                    partition: partition.partition,
                    leader_epoch: 0,
                    end_offset: state.high_watermark(&topic.topic, partition.partition),
                    ..Default::default()
                })
                .collect();
            OffsetForLeaderTopicResult {
                topic: topic.topic,
                partitions,
                ..Default::default()
            }
        })
        .collect();
    OffsetForLeaderEpochResponse {
        topics,
        ..Default::default()
    }
}
