//! Shared test harness: a small [`Service`] serving ApiVersions and an echo-ish Metadata, a
//! server started on 127.0.0.1 port 0, and raw-socket helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gregor_network::{
    FileRegion, NetworkConfig, NetworkMetrics, Outcome, RequestContext, Response, Server,
    ServerHandle, Service,
};
use gregor_protocol::{
    decode_response, encode_request, ApiKey, ApiVersionsRequest, ApiVersionsResponse,
    ApiVersionsResponseKey, ErrorCode, FetchRequest, FetchRequestPartition, FetchRequestTopic,
    FetchResponse, FetchResponsePartition, FetchResponseTopic, MetadataRequest, MetadataResponse,
    MetadataResponseBroker, MetadataResponseTopic, ProduceRequest, ProduceResponse, RecordsData,
    RequestBody, RequestHeader, ResponseBody,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Generous bound for things that should happen; never used to assert speed.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A service whose behaviour tests steer through the request's client id:
/// `block` waits for [`TestService::release`], `slow` sleeps 300 ms, `silent` gets no response,
/// `close` asks the network to close the connection.
pub struct TestService {
    /// Permits for `block` requests.
    pub gate: Arc<Semaphore>,
    /// Correlation ids in the order `call` started them.
    pub calls: Mutex<Vec<i32>>,
    /// The file region every Fetch response carries as its records.
    pub fetch_region: Mutex<Option<FileRegion>>,
}

impl Default for TestService {
    fn default() -> Self {
        TestService {
            gate: Arc::new(Semaphore::new(0)),
            calls: Mutex::new(Vec::new()),
            fetch_region: Mutex::new(None),
        }
    }
}

impl TestService {
    pub fn release(&self, count: usize) {
        self.gate.add_permits(count);
    }

    pub fn calls(&self) -> Vec<i32> {
        self.calls.lock().unwrap().clone()
    }
}

impl Service for TestService {
    fn supported_versions(&self, api_key: ApiKey) -> Option<std::ops::RangeInclusive<i16>> {
        match api_key {
            ApiKey::ApiVersions => Some(0..=3),
            ApiKey::Metadata => Some(0..=9),
            ApiKey::Produce => Some(0..=8),
            ApiKey::Fetch => Some(0..=11),
            _ => None,
        }
    }

    async fn call(&self, ctx: RequestContext, header: RequestHeader, body: RequestBody) -> Outcome {
        self.calls.lock().unwrap().push(header.correlation_id);
        match ctx.client_id.as_deref() {
            Some("block") => {
                let permit = self.gate.acquire().await.unwrap();
                permit.forget();
            }
            Some("slow") => tokio::time::sleep(Duration::from_millis(300)).await,
            Some("silent") => return Outcome::NoResponse,
            Some("close") => return Outcome::Close("test asked".to_string()),
            _ => {}
        }
        let body = match body {
            RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(api_versions(self)),
            RequestBody::Metadata(request) => ResponseBody::Metadata(metadata(&ctx, request)),
            RequestBody::Produce(request) if request.acks == 0 => return Outcome::NoResponse,
            RequestBody::Produce(_) => ResponseBody::Produce(ProduceResponse::default()),
            RequestBody::Fetch(_) => return self.fetch(),
            _ => return Outcome::Close("not served".to_string()),
        };
        Outcome::Respond(Response::new(body))
    }
}

impl TestService {
    /// One topic `t`, partition 0, whose records are the configured file region.
    fn fetch(&self) -> Outcome {
        let region = self
            .fetch_region
            .lock()
            .unwrap()
            .clone()
            .expect("fetch region set");
        let partition = FetchResponsePartition {
            high_watermark: 42,
            records: Some(RecordsData::External {
                id: 0,
                len: region.len,
            }),
            ..Default::default()
        };
        let body = FetchResponse {
            responses: vec![FetchResponseTopic {
                topic: "t".to_string(),
                partitions: vec![partition],
                ..Default::default()
            }],
            ..Default::default()
        };
        Outcome::Respond(Response {
            body: ResponseBody::Fetch(body),
            files: vec![region],
        })
    }
}

fn api_versions(service: &TestService) -> ApiVersionsResponse {
    let api_keys = [ApiKey::Metadata, ApiKey::ApiVersions]
        .into_iter()
        .filter_map(|key| {
            let range = service.supported_versions(key)?;
            Some(ApiVersionsResponseKey {
                api_key: key.code(),
                min_version: *range.start(),
                max_version: *range.end(),
                ..Default::default()
            })
        })
        .collect();
    ApiVersionsResponse {
        api_keys,
        ..Default::default()
    }
}

fn metadata(ctx: &RequestContext, request: MetadataRequest) -> MetadataResponse {
    let topics = request
        .topics
        .unwrap_or_default()
        .into_iter()
        .map(|topic| MetadataResponseTopic {
            error_code: ErrorCode::UnknownTopicOrPartition,
            name: topic.name,
            ..Default::default()
        })
        .collect();
    MetadataResponse {
        brokers: vec![MetadataResponseBroker {
            node_id: 0,
            host: ctx.local_addr.ip().to_string(),
            port: i32::from(ctx.local_addr.port()),
            ..Default::default()
        }],
        cluster_id: Some("gregor-test".to_string()),
        controller_id: 0,
        topics,
        ..Default::default()
    }
}

/// A running server and what tests need to talk to it.
pub struct TestServer {
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub service: Arc<TestService>,
    pub metrics: Arc<NetworkMetrics>,
    pub join: JoinHandle<()>,
}

pub fn test_config() -> NetworkConfig {
    let mut config = NetworkConfig::default();
    config
        .apply("listeners", "PLAINTEXT://127.0.0.1:0")
        .unwrap();
    config.shutdown_timeout_ms = 10_000;
    config
}

pub async fn start(config: NetworkConfig) -> TestServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let service = Arc::new(TestService::default());
    let server = Server::bind(config, Arc::clone(&service)).await.unwrap();
    let addr = server.local_addr("PLAINTEXT").unwrap();
    let handle = server.handle();
    let metrics = server.metrics();
    let join = tokio::spawn(server.run());
    TestServer {
        addr,
        handle,
        service,
        metrics,
        join,
    }
}

/// A size-prefixed request frame encoded with the protocol crate.
pub fn request(api_key: ApiKey, version: i16, correlation_id: i32, client_id: &str) -> Vec<u8> {
    let header = RequestHeader::new(api_key, version, correlation_id, Some(client_id));
    let body = match api_key {
        ApiKey::ApiVersions => RequestBody::ApiVersions(ApiVersionsRequest {
            client_software_name: "gregor-test".to_string(),
            client_software_version: "1.0".to_string(),
            ..Default::default()
        }),
        ApiKey::Metadata => RequestBody::Metadata(MetadataRequest {
            topics: Some(Vec::new()),
            ..Default::default()
        }),
        ApiKey::Fetch => RequestBody::Fetch(FetchRequest {
            replica_id: -1,
            max_wait_ms: 500,
            topics: vec![FetchRequestTopic {
                topic: "t".to_string(),
                partitions: vec![FetchRequestPartition {
                    partition_max_bytes: 1 << 20,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }),
        ApiKey::Produce => RequestBody::Produce(ProduceRequest {
            acks: if client_id == "acks0" { 0 } else { 1 },
            timeout_ms: 1000,
            ..Default::default()
        }),
        other => panic!("no test body for {other:?}"),
    };
    sized(&encode_request(&header, &body).unwrap())
}

/// Prepends the int32 size.
pub fn sized(payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// Reads one response frame payload; panics if none comes within [`PATIENCE`].
pub async fn read_frame(stream: &mut TcpStream) -> Bytes {
    tokio::time::timeout(PATIENCE, async {
        let size = stream.read_i32().await.expect("response size");
        let mut payload = vec![0u8; size as usize];
        stream
            .read_exact(&mut payload)
            .await
            .expect("response payload");
        Bytes::from(payload)
    })
    .await
    .expect("a response within the patience bound")
}

/// Correlation id of a response payload (first 4 bytes in every header version).
pub fn correlation_id(payload: &[u8]) -> i32 {
    i32::from_be_bytes(payload[..4].try_into().unwrap())
}

/// Decodes a response to ApiVersions at `version`.
pub fn api_versions_response(version: i16, payload: Bytes) -> ApiVersionsResponse {
    match decode_response(ApiKey::ApiVersions, version, payload)
        .unwrap()
        .1
    {
        ResponseBody::ApiVersions(response) => response,
        other => panic!("unexpected body {other:?}"),
    }
}

/// Asserts the server closes the connection without sending anything more.
pub async fn expect_closed(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest))
        .await
        .expect("the server should close the connection");
    if let Err(e) = read {
        // A reset is also a close; the server sent nothing we could read.
        assert!(rest.is_empty(), "bytes before reset: {rest:?} ({e})");
    }
    assert!(
        rest.is_empty(),
        "server answered before closing: {rest:02x?}"
    );
}

/// Opens a connection and checks it is served with an ApiVersions round trip.
pub async fn connect_and_check(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    assert_served(&mut stream, 4242).await;
    stream
}

/// One ApiVersions v2 round trip on `stream`.
pub async fn assert_served(stream: &mut TcpStream, correlation: i32) {
    stream
        .write_all(&request(ApiKey::ApiVersions, 2, correlation, "check"))
        .await
        .unwrap();
    let payload = read_frame(stream).await;
    assert_eq!(correlation_id(&payload), correlation);
    let response = api_versions_response(2, payload);
    assert_eq!(response.error_code, ErrorCode::None);
}
