//! Test brokers for the client's tests: a gregor-network `Server` on 127.0.0.1 port 0 with an
//! in-memory [`Service`] serving ApiVersions, Metadata, Produce, ListOffsets and Fetch. Several
//! brokers share one [`ClusterView`] (who is alive, who leads what, the partition logs), so
//! tests can move leaders and watch the client follow. Test-only and deliberately simple: a
//! "log" is a list of opaque record sets, one offset per produce.
#![allow(dead_code)]

mod handlers;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use gregor_client::{ClientConfig, ConnectionConfig};
use gregor_network::{NetworkConfig, Outcome, RequestContext, Response, Server, Service};
use gregor_protocol::*;
use tokio::sync::Semaphore;

/// Metadata of this topic never gets an answer.
pub const HANG_TOPIC: &str = "hang";
/// Metadata of this topic waits for a gate permit, then the broker closes the connection.
pub const CLOSE_TOPIC: &str = "close-after-gate";
/// Metadata of this topic waits for a gate permit, then gets a normal answer.
pub const GATED_TOPIC: &str = "gated";

/// What all test brokers of one cluster agree on.
#[derive(Default)]
pub struct ClusterView {
    /// Live brokers: id and address.
    pub brokers: Mutex<Vec<(i32, SocketAddr)>>,
    /// Leader per (topic, partition).
    pub leaders: Mutex<HashMap<(String, i32), i32>>,
    /// Record sets per (topic, partition); the index is the offset.
    pub logs: Mutex<HashMap<(String, i32), Vec<Bytes>>>,
    /// The controller's broker id.
    pub controller: Mutex<i32>,
    /// Topics that appear (partition 0 led by the given broker) once Metadata has named
    /// them this many more times: a topic "right after create".
    pub appearing: Mutex<HashMap<String, (usize, i32)>>,
    /// FindCoordinator answers COORDINATOR_NOT_AVAILABLE this many more times, then broker 1.
    pub coordinator_loading: Mutex<usize>,
}

impl ClusterView {
    pub fn set_leader(&self, topic: &str, partition: i32, leader: i32) {
        let key = (topic.to_string(), partition);
        self.leaders.lock().unwrap().insert(key, leader);
    }

    pub fn set_controller(&self, broker_id: i32) {
        *self.controller.lock().unwrap() = broker_id;
    }

    pub fn appear_after(&self, topic: &str, metadata_requests: usize, leader: i32) {
        let entry = (metadata_requests, leader);
        self.appearing
            .lock()
            .unwrap()
            .insert(topic.to_string(), entry);
    }

    /// Counts a Metadata request naming `topic` towards its appearance.
    pub(super) fn named(&self, topic: &str) {
        let mut appearing = self.appearing.lock().unwrap();
        if let Some((remaining, leader)) = appearing.get_mut(topic) {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                let leader = *leader;
                appearing.remove(topic);
                self.set_leader(topic, 0, leader);
            }
        }
    }

    pub(super) fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let key = (topic.to_string(), partition);
        self.leaders.lock().unwrap().get(&key).copied()
    }

    pub fn log_len(&self, topic: &str, partition: i32) -> usize {
        let key = (topic.to_string(), partition);
        self.logs.lock().unwrap().get(&key).map_or(0, Vec::len)
    }
}

/// One in-memory broker.
pub struct TestBroker {
    pub node_id: i32,
    pub view: Arc<ClusterView>,
    /// Version ranges served; anything absent is not served.
    pub ranges: HashMap<ApiKey, RangeInclusive<i16>>,
    /// (API, version) of every request handed to the service, in order.
    pub seen: Mutex<Vec<(ApiKey, i16)>>,
    /// Permits for [`CLOSE_TOPIC`] and acks = 0 produce requests.
    pub gate: Semaphore,
}

impl TestBroker {
    pub fn new(node_id: i32, view: Arc<ClusterView>) -> Self {
        let ranges = [
            ApiKey::ApiVersions,
            ApiKey::Metadata,
            ApiKey::Produce,
            ApiKey::ListOffsets,
            ApiKey::Fetch,
            ApiKey::CreateTopics,
            ApiKey::DescribeConfigs,
            ApiKey::FindCoordinator,
            ApiKey::DeleteTopics,
            ApiKey::CreatePartitions,
        ]
        .into_iter()
        .map(|key| (key, key.valid_versions()))
        .collect();
        Self {
            node_id,
            view,
            ranges,
            seen: Mutex::new(Vec::new()),
            gate: Semaphore::new(0),
        }
    }

    pub fn versions_seen(&self, api: ApiKey) -> Vec<i16> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(key, _)| *key == api)
            .map(|(_, v)| *v)
            .collect()
    }
}

impl Service for TestBroker {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        self.ranges.get(&api_key).cloned()
    }

    async fn call(
        &self,
        _ctx: RequestContext,
        header: RequestHeader,
        body: RequestBody,
    ) -> Outcome {
        let entry = (header.request_api_key, header.request_api_version);
        self.seen.lock().unwrap().push(entry);
        let body = match body {
            RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(self.api_versions()),
            RequestBody::Metadata(request) => {
                let names: Vec<String> = request
                    .topics
                    .iter()
                    .flatten()
                    .map(|t| t.name.clone())
                    .collect();
                if names.iter().any(|name| name == HANG_TOPIC) {
                    std::future::pending::<()>().await;
                }
                if names.iter().any(|name| name == CLOSE_TOPIC) {
                    self.gate.acquire().await.unwrap().forget();
                    return Outcome::Close("test closes".to_string());
                }
                if names.iter().any(|name| name == GATED_TOPIC) {
                    self.gate.acquire().await.unwrap().forget();
                }
                ResponseBody::Metadata(self.metadata(request))
            }
            RequestBody::Produce(request) if request.acks == 0 => {
                self.gate.acquire().await.unwrap().forget();
                self.produce(request);
                return Outcome::NoResponse;
            }
            RequestBody::Produce(request) => ResponseBody::Produce(self.produce(request)),
            RequestBody::ListOffsets(request) => {
                ResponseBody::ListOffsets(self.list_offsets(request))
            }
            RequestBody::Fetch(request) => ResponseBody::Fetch(self.fetch(request)),
            RequestBody::CreateTopics(request) => {
                ResponseBody::CreateTopics(self.create_topics(request))
            }
            RequestBody::DescribeConfigs(request) => {
                ResponseBody::DescribeConfigs(self.describe_configs(request))
            }
            RequestBody::DeleteTopics(request) => {
                ResponseBody::DeleteTopics(self.delete_topics(request))
            }
            RequestBody::CreatePartitions(request) => {
                ResponseBody::CreatePartitions(self.create_partitions(request))
            }
            RequestBody::FindCoordinator(_) => {
                ResponseBody::FindCoordinator(self.find_coordinator())
            }
            other => return Outcome::Close(format!("not served: {:?}", other.api_key())),
        };
        Outcome::Respond(Response::new(body))
    }
}

/// A started test broker.
pub struct Running {
    pub addr: SocketAddr,
    pub broker: Arc<TestBroker>,
    pub handle: gregor_network::ServerHandle,
}

impl Running {
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }
}

/// Starts `broker` on 127.0.0.1 port 0 and registers it as live in its cluster view.
pub async fn start(broker: TestBroker) -> Running {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut config = NetworkConfig::default();
    config
        .apply("listeners", "PLAINTEXT://127.0.0.1:0")
        .unwrap();
    config.shutdown_timeout_ms = 1_000;
    let broker = Arc::new(broker);
    let server = Server::bind(config, Arc::clone(&broker)).await.unwrap();
    let addr = server.local_addr("PLAINTEXT").unwrap();
    let handle = server.handle();
    tokio::spawn(server.run());
    broker
        .view
        .brokers
        .lock()
        .unwrap()
        .push((broker.node_id, addr));
    Running {
        addr,
        broker,
        handle,
    }
}

/// A single broker 0 with every API at 2.4.1's ranges.
pub async fn start_one() -> Running {
    start(TestBroker::new(0, Arc::new(ClusterView::default()))).await
}

/// Connection settings with a short request timeout so timeout tests finish quickly.
pub fn short_timeouts() -> ConnectionConfig {
    ConnectionConfig {
        request_timeout_ms: 500,
        connect_timeout_ms: 5_000,
        ..ConnectionConfig::default()
    }
}

/// A client config for `servers` with fast retries.
pub fn client_config(servers: &[&Running]) -> ClientConfig {
    let list: Vec<String> = servers.iter().map(|server| server.addr()).collect();
    let mut config = ClientConfig::new(&list.join(",")).unwrap();
    config.retry_backoff_ms = 10;
    config
}
