//! Shared harness: a real ZooKeeper, fake brokers (gregor-network servers that record the
//! control requests they receive and answer success, registered in ZooKeeper with their real
//! ports), controllers, znode helpers and a polling `wait_until`.
#![allow(dead_code)]

use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gregor_controller::{Controller, ControllerConfig, ControllerHandle};
use gregor_network::{NetworkConfig, Outcome, RequestContext, Response, ServerHandle, Service};
use gregor_protocol::{
    ApiKey, ApiVersionsResponse, ErrorCode, LeaderAndIsrPartitionError, LeaderAndIsrRequest,
    LeaderAndIsrResponse, RequestBody, RequestHeader, ResponseBody, StopReplicaPartitionError,
    StopReplicaRequest, StopReplicaResponse, UpdateMetadataRequest, UpdateMetadataResponse,
};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{BrokerInfo, EndPoint, KafkaZkClient};

/// Generous bound for things that should happen; never an assertion about speed.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `condition` until it holds; panics with `what` after [`PATIENCE`].
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if condition().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A request a fake broker received, with the version it came at.
#[derive(Debug, Clone)]
pub struct Received {
    pub version: i16,
    pub body: RequestBody,
}

/// Records control requests and answers them with success.
#[derive(Default)]
pub struct Recorder {
    pub received: Mutex<Vec<Received>>,
    /// Serve only the versions of Kafka 1.0 (LeaderAndIsr v1, UpdateMetadata v4, StopReplica v0).
    pub old_versions: bool,
    /// Close the connection instead of answering this many control requests.
    pub refuse_count: std::sync::atomic::AtomicUsize,
    /// Partitions whose LeaderAndIsr is answered with KAFKA_STORAGE_ERROR (failed log dir).
    pub storage_errors: Mutex<Vec<(String, i32)>>,
}

impl Recorder {
    fn leader_and_isr_error(&self, topic: &str, partition: i32) -> ErrorCode {
        let failed = self.storage_errors.lock().unwrap();
        if failed.iter().any(|(t, p)| t == topic && *p == partition) {
            ErrorCode::KafkaStorageError
        } else {
            ErrorCode::None
        }
    }
}

impl Service for Recorder {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        match (api_key, self.old_versions) {
            (ApiKey::ApiVersions, false) => Some(0..=3),
            (ApiKey::ApiVersions, true) => Some(0..=1),
            (ApiKey::LeaderAndIsr, false) => Some(0..=4),
            (ApiKey::LeaderAndIsr, true) => Some(0..=1),
            (ApiKey::StopReplica, false) => Some(0..=2),
            (ApiKey::StopReplica, true) => Some(0..=0),
            (ApiKey::UpdateMetadata, false) => Some(0..=6),
            (ApiKey::UpdateMetadata, true) => Some(0..=4),
            _ => None,
        }
    }

    async fn call(&self, _: RequestContext, header: RequestHeader, body: RequestBody) -> Outcome {
        use std::sync::atomic::Ordering;
        let control = !matches!(body, RequestBody::ApiVersions(_));
        if control
            && self
                .refuse_count
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Outcome::Close("test refuses this request".into());
        }
        let response = match &body {
            RequestBody::ApiVersions(_) => {
                ResponseBody::ApiVersions(ApiVersionsResponse::from_ranges(
                    [
                        ApiKey::ApiVersions,
                        ApiKey::LeaderAndIsr,
                        ApiKey::StopReplica,
                        ApiKey::UpdateMetadata,
                    ]
                    .into_iter()
                    .filter_map(|key| Some((key, self.supported_versions(key)?))),
                ))
            }
            RequestBody::LeaderAndIsr(request) => {
                ResponseBody::LeaderAndIsr(LeaderAndIsrResponse {
                    partition_errors: request
                        .topic_states
                        .iter()
                        .flat_map(|topic| {
                            topic
                                .partition_states
                                .iter()
                                .map(|p| LeaderAndIsrPartitionError {
                                    topic_name: topic.topic_name.clone(),
                                    partition_index: p.partition_index,
                                    error_code: self
                                        .leader_and_isr_error(&topic.topic_name, p.partition_index),
                                    ..Default::default()
                                })
                        })
                        .collect(),
                    ..Default::default()
                })
            }
            RequestBody::UpdateMetadata(_) => {
                ResponseBody::UpdateMetadata(UpdateMetadataResponse::default())
            }
            RequestBody::StopReplica(request) => ResponseBody::StopReplica(StopReplicaResponse {
                partition_errors: request
                    .topics
                    .iter()
                    .flat_map(|topic| {
                        topic
                            .partition_indexes
                            .iter()
                            .map(|&p| StopReplicaPartitionError {
                                topic_name: topic.name.clone(),
                                partition_index: p,
                                error_code: ErrorCode::None,
                                ..Default::default()
                            })
                    })
                    .collect(),
                ..Default::default()
            }),
            _ => return Outcome::Close("not served".into()),
        };
        self.received.lock().unwrap().push(Received {
            version: header.request_api_version,
            body,
        });
        Outcome::Respond(Response::new(response))
    }
}

/// One fake broker: a recording server registered as `/brokers/ids/<id>` on its own session.
pub struct FakeBroker {
    pub id: i32,
    pub port: u16,
    pub zk: KafkaZkClient,
    pub epoch: i64,
    pub recorder: Arc<Recorder>,
    server: ServerHandle,
}

pub async fn connect(zookeeper: &TestZooKeeper) -> KafkaZkClient {
    connect_with_session_timeout(zookeeper, 6_000).await
}

pub async fn connect_with_session_timeout(
    zookeeper: &TestZooKeeper,
    session_timeout_ms: u64,
) -> KafkaZkClient {
    let zk = KafkaZkClient::connect(&zookeeper.connect_string(), session_timeout_ms, 30_000)
        .await
        .unwrap();
    zk.create_top_level_paths().await.unwrap();
    zk
}

/// The registration of a fake broker listening on `port`.
pub fn broker_info(id: i32, port: u16) -> BrokerInfo {
    BrokerInfo {
        broker_id: id,
        endpoints: vec![EndPoint::plaintext("127.0.0.1", i32::from(port))],
        rack: None,
        jmx_port: -1,
        timestamp_ms: 0,
    }
}

impl FakeBroker {
    pub async fn start(zookeeper: &TestZooKeeper, id: i32) -> FakeBroker {
        Self::start_with_session_timeout(zookeeper, id, 6_000).await
    }

    pub async fn start_with_session_timeout(
        zookeeper: &TestZooKeeper,
        id: i32,
        session_timeout_ms: u64,
    ) -> FakeBroker {
        Self::start_with(zookeeper, id, session_timeout_ms, false).await
    }

    /// A broker that speaks only Kafka 1.0's versions of the control APIs.
    pub async fn start_old(zookeeper: &TestZooKeeper, id: i32) -> FakeBroker {
        Self::start_with(zookeeper, id, 6_000, true).await
    }

    async fn start_with(
        zookeeper: &TestZooKeeper,
        id: i32,
        session_timeout_ms: u64,
        old_versions: bool,
    ) -> FakeBroker {
        let _ = env_logger::builder().is_test(true).try_init();
        let mut config = NetworkConfig::default();
        config
            .apply("listeners", "PLAINTEXT://127.0.0.1:0")
            .unwrap();
        let recorder = Arc::new(Recorder {
            old_versions,
            ..Recorder::default()
        });
        let server = gregor_network::Server::bind(config, recorder.clone())
            .await
            .unwrap();
        let port = server.local_addr("PLAINTEXT").unwrap().port();
        let handle = server.handle();
        tokio::spawn(server.run());
        let zk = connect_with_session_timeout(zookeeper, session_timeout_ms).await;
        let epoch = zk.register_broker(&broker_info(id, port)).await.unwrap();
        FakeBroker {
            id,
            port,
            zk,
            epoch,
            recorder,
            server: handle,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.recorder.received.lock().unwrap().clone()
    }

    pub fn leader_and_isr(&self) -> Vec<(i16, LeaderAndIsrRequest)> {
        self.received()
            .into_iter()
            .filter_map(|r| match r.body {
                RequestBody::LeaderAndIsr(request) => Some((r.version, request)),
                _ => None,
            })
            .collect()
    }

    pub fn update_metadata(&self) -> Vec<(i16, UpdateMetadataRequest)> {
        self.received()
            .into_iter()
            .filter_map(|r| match r.body {
                RequestBody::UpdateMetadata(request) => Some((r.version, request)),
                _ => None,
            })
            .collect()
    }

    pub fn stop_replica(&self) -> Vec<(i16, StopReplicaRequest)> {
        self.received()
            .into_iter()
            .filter_map(|r| match r.body {
                RequestBody::StopReplica(request) => Some((r.version, request)),
                _ => None,
            })
            .collect()
    }

    /// (topic, partition, leader, leader_epoch, isr, is_new) of every LeaderAndIsr state.
    pub fn leader_and_isr_states(&self) -> Vec<(String, i32, i32, i32, Vec<i32>, bool)> {
        self.leader_and_isr()
            .into_iter()
            .flat_map(|(_, request)| request.topic_states)
            .flat_map(|topic| {
                topic.partition_states.into_iter().map(move |p| {
                    (
                        topic.topic_name.clone(),
                        p.partition_index,
                        p.leader,
                        p.leader_epoch,
                        p.isr,
                        p.is_new,
                    )
                })
            })
            .collect()
    }

    /// The broker dies: its session closes (the registration vanishes) and its server stops.
    pub async fn kill(self) {
        self.server.shutdown();
        self.zk.close().await;
    }
}

/// Starts a controller on `broker`'s session.
pub fn start_controller(
    broker: &FakeBroker,
    tune: impl FnOnce(&mut ControllerConfig),
) -> ControllerHandle {
    let mut config = ControllerConfig::new(broker.id);
    config.auto_leader_rebalance_enable = false;
    tune(&mut config);
    Controller::start(broker.zk.clone(), config)
}

pub async fn wait_active(handle: &ControllerHandle) {
    wait_until("the controller is active", || async { handle.is_active() }).await;
}

/// Creates a persistent znode (and its parents).
pub async fn create(zk: &KafkaZkClient, path: &str, data: &[u8]) {
    let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    if let Some((parent, _)) = path.rsplit_once('/') {
        if !parent.is_empty() {
            zk.make_sure_persistent_path_exists(parent).await.unwrap();
        }
    }
    zk.raw().create(path, data, &options).await.unwrap();
}

pub async fn data(zk: &KafkaZkClient, path: &str) -> Option<String> {
    zk.get_data(path)
        .await
        .unwrap()
        .map(|(data, _)| String::from_utf8(data).unwrap())
}

pub async fn exists(zk: &KafkaZkClient, path: &str) -> bool {
    zk.get_data(path).await.unwrap().is_some()
}

/// Starts a controller on `broker`'s session and waits until it is the active one.
pub async fn start_active_controller(
    broker: &FakeBroker,
    tune: impl FnOnce(&mut ControllerConfig),
) -> ControllerHandle {
    let controller = start_controller(broker, tune);
    wait_active(&controller).await;
    controller
}

/// Writes `/brokers/topics/<topic>` with `assignment` and waits until the controller has
/// created the state znode of each of its `partitions` partitions.
pub async fn create_topic(zk: &KafkaZkClient, topic: &str, assignment: &[u8], partitions: i32) {
    create(zk, &format!("/brokers/topics/{topic}"), assignment).await;
    wait_until("the partitions are created", || async {
        for partition in 0..partitions {
            if !exists(
                zk,
                &format!("/brokers/topics/{topic}/partitions/{partition}/state"),
            )
            .await
            {
                return false;
            }
        }
        true
    })
    .await;
}
