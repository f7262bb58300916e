//! An in-process broker for the console and perf tool tests: a gregor-network `Server` on
//! 127.0.0.1 port 0 whose partitions are in-memory lists of real record batches. Produce
//! assigns offsets as a leader does (rewriting the batch base offset), Fetch returns whole
//! batches from the one holding the fetch offset, ListOffsets answers earliest/latest, and
//! Metadata auto-creates topics with `partitions_per_topic` partitions. It runs on its own
//! runtime thread, so the tools (which build their own runtimes) can be called directly.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gregor_network::{NetworkConfig, Outcome, RequestContext, Response, Server, Service};
use gregor_protocol::records::{batches, RecordBatchMut};
use gregor_protocol::*;

/// One partition: batches as (base offset, last offset, bytes) and the log end offset.
#[derive(Default)]
pub struct PartitionLog {
    pub batches: Vec<(i64, i64, Bytes)>,
    pub log_end_offset: i64,
}

/// The broker's state.
pub struct FakeBroker {
    pub addr: Mutex<Option<SocketAddr>>,
    pub partitions_per_topic: i32,
    pub topics: Mutex<HashMap<String, Vec<PartitionLog>>>,
    /// ListOffsets requests answered, so a test knows a consumer has captured its start.
    pub list_offsets_seen: std::sync::atomic::AtomicUsize,
}

impl FakeBroker {
    pub fn create_topic(&self, name: &str, partitions: i32) {
        let mut topics = self.topics.lock().unwrap();
        topics
            .entry(name.to_string())
            .or_insert_with(|| (0..partitions).map(|_| PartitionLog::default()).collect());
    }

    /// Log end offset of each partition.
    pub fn partition_sizes(&self, topic: &str) -> Vec<i64> {
        let topics = self.topics.lock().unwrap();
        topics.get(topic).map_or_else(Vec::new, |parts| {
            parts.iter().map(|p| p.log_end_offset).collect()
        })
    }

    /// Compression codec ids of the stored batches of a topic.
    pub fn codecs(&self, topic: &str) -> Vec<u8> {
        let topics = self.topics.lock().unwrap();
        topics.get(topic).map_or_else(Vec::new, |parts| {
            parts
                .iter()
                .flat_map(|p| p.batches.iter().map(|(_, _, bytes)| bytes[22] & 0x07))
                .collect()
        })
    }

    /// Appends already-built batches to a partition as a leader would (offsets assigned).
    pub fn append_raw(&self, topic: &str, partition: i32, records: &[u8]) {
        let mut topics = self.topics.lock().unwrap();
        let log = &mut topics.get_mut(topic).unwrap()[partition as usize];
        for batch in batches(records) {
            let mut bytes = batch.unwrap().as_bytes().to_vec();
            let mut writable = RecordBatchMut::new(&mut bytes).unwrap();
            writable.set_base_offset(log.log_end_offset);
            let last = writable.as_batch().last_offset();
            log.batches
                .push((log.log_end_offset, last, Bytes::from(bytes)));
            log.log_end_offset = last + 1;
        }
    }

    /// Records stored across all partitions of a topic.
    pub fn record_count(&self, topic: &str) -> i64 {
        let topics = self.topics.lock().unwrap();
        topics
            .get(topic)
            .map_or(0, |parts| parts.iter().map(|p| p.log_end_offset).sum())
    }

    fn metadata(&self, request: MetadataRequest) -> MetadataResponse {
        let addr = self.addr.lock().unwrap().unwrap();
        if request.allow_auto_topic_creation {
            for topic in request.topics.iter().flatten() {
                self.create_topic(&topic.name, self.partitions_per_topic);
            }
        }
        let topics = self.topics.lock().unwrap();
        let names: Vec<String> = match request.topics {
            Some(list) => list.into_iter().map(|t| t.name).collect(),
            None => topics.keys().cloned().collect(),
        };
        let topics = names
            .into_iter()
            .map(|name| match topics.get(&name) {
                Some(parts) => MetadataResponseTopic {
                    name,
                    partitions: (0..parts.len() as i32)
                        .map(|p| MetadataResponsePartition {
                            partition_index: p,
                            leader_id: 0,
                            replica_nodes: vec![0],
                            isr_nodes: vec![0],
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
                None => MetadataResponseTopic {
                    error_code: ErrorCode::UnknownTopicOrPartition,
                    name,
                    ..Default::default()
                },
            })
            .collect();
        MetadataResponse {
            brokers: vec![MetadataResponseBroker {
                node_id: 0,
                host: addr.ip().to_string(),
                port: i32::from(addr.port()),
                ..Default::default()
            }],
            cluster_id: Some("tools-test".to_string()),
            controller_id: 0,
            topics,
            ..Default::default()
        }
    }

    fn produce(&self, request: ProduceRequest) -> ProduceResponse {
        let mut topics = self.topics.lock().unwrap();
        let responses = request
            .topics
            .into_iter()
            .map(|topic| {
                let parts = topics.get_mut(&topic.name);
                let mut parts = parts;
                let partitions = topic
                    .partitions
                    .into_iter()
                    .map(|p| {
                        let log = parts
                            .as_mut()
                            .and_then(|parts| parts.get_mut(p.partition_index as usize));
                        let Some(log) = log else {
                            return ProduceResponsePartition {
                                partition_index: p.partition_index,
                                error_code: ErrorCode::UnknownTopicOrPartition,
                                base_offset: -1,
                                ..Default::default()
                            };
                        };
                        let base_offset = log.log_end_offset;
                        let records = p.records.unwrap_or_default();
                        for batch in batches(&records) {
                            let mut bytes = batch.unwrap().as_bytes().to_vec();
                            let mut writable = RecordBatchMut::new(&mut bytes).unwrap();
                            writable.set_base_offset(log.log_end_offset);
                            let last = writable.as_batch().last_offset();
                            log.batches
                                .push((log.log_end_offset, last, Bytes::from(bytes)));
                            log.log_end_offset = last + 1;
                        }
                        ProduceResponsePartition {
                            partition_index: p.partition_index,
                            base_offset,
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

    fn list_offsets(&self, request: ListOffsetsRequest) -> ListOffsetsResponse {
        self.list_offsets_seen
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let topics = self.topics.lock().unwrap();
        ListOffsetsResponse {
            topics: request
                .topics
                .into_iter()
                .map(|topic| ListOffsetsResponseTopic {
                    partitions: topic
                        .partitions
                        .iter()
                        .map(|p| {
                            let end = topics
                                .get(&topic.topic)
                                .and_then(|parts| parts.get(p.partition as usize))
                                .map(|log| log.log_end_offset);
                            let offset = if p.timestamp == -2 {
                                0
                            } else {
                                end.unwrap_or(-1)
                            };
                            ListOffsetsResponsePartition {
                                partition: p.partition,
                                error_code: if end.is_some() {
                                    ErrorCode::None
                                } else {
                                    ErrorCode::UnknownTopicOrPartition
                                },
                                offsets: vec![offset],
                                offset,
                                ..Default::default()
                            }
                        })
                        .collect(),
                    topic: topic.topic,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn fetch(&self, request: &FetchRequest) -> (FetchResponse, usize) {
        let topics = self.topics.lock().unwrap();
        let mut total = 0;
        let responses = request
            .topics
            .iter()
            .map(|topic| FetchResponseTopic {
                topic: topic.topic.clone(),
                partitions: topic
                    .partitions
                    .iter()
                    .map(|p| {
                        let Some(log) = topics
                            .get(&topic.topic)
                            .and_then(|parts| parts.get(p.partition as usize))
                        else {
                            return FetchResponsePartition {
                                partition: p.partition,
                                error_code: ErrorCode::UnknownTopicOrPartition,
                                high_watermark: -1,
                                ..Default::default()
                            };
                        };
                        if p.fetch_offset > log.log_end_offset {
                            return FetchResponsePartition {
                                partition: p.partition,
                                error_code: ErrorCode::OffsetOutOfRange,
                                high_watermark: log.log_end_offset,
                                ..Default::default()
                            };
                        }
                        let mut data = Vec::new();
                        for (_, last, bytes) in &log.batches {
                            if *last < p.fetch_offset {
                                continue;
                            }
                            if !data.is_empty()
                                && data.len() + bytes.len() > p.partition_max_bytes as usize
                            {
                                break;
                            }
                            data.extend_from_slice(bytes);
                        }
                        total += data.len();
                        FetchResponsePartition {
                            partition: p.partition,
                            high_watermark: log.log_end_offset,
                            aborted_transactions: (request.isolation_level == 1)
                                .then(|| aborted_transactions(log)),
                            records: Some(RecordsData::Bytes(Bytes::from(data))),
                            ..Default::default()
                        }
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
        (
            FetchResponse {
                responses,
                ..Default::default()
            },
            total,
        )
    }
}

/// Every aborted transaction of a partition: (producer id, first offset), as the broker's
/// transaction index answers read_committed fetches.
fn aborted_transactions(log: &PartitionLog) -> Vec<FetchResponseAbortedTransaction> {
    let mut open: HashMap<i64, i64> = HashMap::new();
    let mut aborted = Vec::new();
    for (base, _, bytes) in &log.batches {
        let batch = gregor_protocol::records::RecordBatch::new(bytes).unwrap();
        if !batch.is_transactional() {
            continue;
        }
        let producer_id = batch.producer_id();
        if !batch.is_control() {
            open.entry(producer_id).or_insert(*base);
            continue;
        }
        let records = batch.records(1 << 20).unwrap();
        let key = records
            .iter()
            .next()
            .unwrap()
            .unwrap()
            .key
            .unwrap()
            .to_vec();
        let first_offset = open.remove(&producer_id).unwrap_or(*base);
        if key[3] == 0 {
            aborted.push(FetchResponseAbortedTransaction {
                producer_id,
                first_offset,
                ..Default::default()
            });
        }
    }
    aborted
}

/// The service wrapper.
pub struct FakeService(pub Arc<FakeBroker>);

impl Service for FakeService {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        match api_key {
            ApiKey::ApiVersions
            | ApiKey::Metadata
            | ApiKey::Produce
            | ApiKey::ListOffsets
            | ApiKey::Fetch => Some(api_key.valid_versions()),
            _ => None,
        }
    }

    async fn call(
        &self,
        _ctx: RequestContext,
        _header: RequestHeader,
        body: RequestBody,
    ) -> Outcome {
        let body = match body {
            RequestBody::ApiVersions(_) => {
                ResponseBody::ApiVersions(ApiVersionsResponse::from_ranges(
                    [
                        ApiKey::ApiVersions,
                        ApiKey::Metadata,
                        ApiKey::Produce,
                        ApiKey::ListOffsets,
                        ApiKey::Fetch,
                    ]
                    .into_iter()
                    .map(|k| (k, k.valid_versions())),
                ))
            }
            RequestBody::Metadata(request) => ResponseBody::Metadata(self.0.metadata(request)),
            RequestBody::Produce(request) if request.acks == 0 => {
                self.0.produce(request);
                return Outcome::NoResponse;
            }
            RequestBody::Produce(request) => ResponseBody::Produce(self.0.produce(request)),
            RequestBody::ListOffsets(request) => {
                ResponseBody::ListOffsets(self.0.list_offsets(request))
            }
            RequestBody::Fetch(request) => {
                let (mut response, mut bytes) = self.0.fetch(&request);
                // A small long poll: wait (up to max_wait_ms) for data, as a broker does.
                let mut waited_ms = 0;
                while bytes == 0 && waited_ms < request.max_wait_ms.min(200) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    waited_ms += 10;
                    (response, bytes) = self.0.fetch(&request);
                }
                ResponseBody::Fetch(response)
            }
            other => return Outcome::Close(format!("not served: {:?}", other.api_key())),
        };
        Outcome::Respond(Response::new(body))
    }
}

/// Starts a fake broker on its own runtime thread; returns its state and `host:port`.
pub fn start(partitions_per_topic: i32) -> (Arc<FakeBroker>, String) {
    let broker = Arc::new(FakeBroker {
        addr: Mutex::new(None),
        partitions_per_topic,
        topics: Mutex::new(HashMap::new()),
        list_offsets_seen: Default::default(),
    });
    let (sender, receiver) = std::sync::mpsc::channel();
    let shared = Arc::clone(&broker);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut config = NetworkConfig::default();
            config
                .apply("listeners", "PLAINTEXT://127.0.0.1:0")
                .unwrap();
            let server = Server::bind(config, Arc::new(FakeService(Arc::clone(&shared))))
                .await
                .unwrap();
            let addr = server.local_addr("PLAINTEXT").unwrap();
            *shared.addr.lock().unwrap() = Some(addr);
            sender.send(addr).unwrap();
            server.run().await;
        });
    });
    let addr = receiver.recv().unwrap();
    (broker, addr.to_string())
}
