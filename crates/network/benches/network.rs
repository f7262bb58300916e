//! Network throughput on loopback, printed as numbers (never asserted):
//! pipelined ApiVersions round trips, and Fetch responses carrying a 1 MiB file region through
//! sendfile versus the copy fallback.
//!
//! `cargo bench -p gregor-network --bench network`

use std::io::Write;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Instant;

use gregor_network::{
    FileRegion, NetworkConfig, Outcome, RequestContext, Response, Server, Service,
};
use gregor_protocol::{
    encode_request, ApiKey, ApiVersionsRequest, ApiVersionsResponse, FetchRequest, FetchResponse,
    FetchResponsePartition, FetchResponseTopic, RecordsData, RequestBody, RequestHeader,
    ResponseBody,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Pipelined ApiVersions requests per round.
const API_VERSIONS_REQUESTS: i32 = 20_000;
/// Fetch responses per mode.
const FETCHES: i32 = 200;
/// Bytes of file region per Fetch response.
const REGION_BYTES: u32 = 1024 * 1024;

struct BenchService {
    region: FileRegion,
}

impl Service for BenchService {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        matches!(api_key, ApiKey::ApiVersions | ApiKey::Fetch).then(|| api_key.valid_versions())
    }

    async fn call(&self, _: RequestContext, _: RequestHeader, body: RequestBody) -> Outcome {
        let body = match body {
            RequestBody::Fetch(_) => {
                let partition = FetchResponsePartition {
                    records: Some(RecordsData::External {
                        id: 0,
                        len: self.region.len,
                    }),
                    ..Default::default()
                };
                let body = FetchResponse {
                    responses: vec![FetchResponseTopic {
                        topic: "bench".to_string(),
                        partitions: vec![partition],
                        ..Default::default()
                    }],
                    ..Default::default()
                };
                return Outcome::Respond(Response {
                    body: ResponseBody::Fetch(body),
                    files: vec![self.region.clone()],
                });
            }
            _ => ResponseBody::ApiVersions(ApiVersionsResponse::default()),
        };
        Outcome::Respond(Response::new(body))
    }
}

fn frame(api_key: ApiKey, version: i16, correlation_id: i32, body: RequestBody) -> Vec<u8> {
    let header = RequestHeader::new(api_key, version, correlation_id, Some("bench"));
    let payload = encode_request(&header, &body).expect("encodable");
    let mut out = (payload.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(&payload);
    out
}

async fn read_responses<R: AsyncRead + Unpin>(stream: &mut R, count: i32) -> u64 {
    let mut bytes = 0u64;
    let mut buffer = Vec::new();
    for _ in 0..count {
        let size = stream.read_i32().await.expect("size") as usize;
        buffer.resize(size, 0);
        stream.read_exact(&mut buffer).await.expect("payload");
        bytes += size as u64 + 4;
    }
    bytes
}

async fn run(use_sendfile: bool, region: FileRegion) {
    let mut config = NetworkConfig::default();
    config
        .apply("listeners", "PLAINTEXT://127.0.0.1:0")
        .expect("listener");
    config.use_sendfile = use_sendfile;
    config.queued_max_requests_per_connection = 1000;
    let server = Server::bind(config, Arc::new(BenchService { region }))
        .await
        .expect("bind");
    let addr = server.local_addr("PLAINTEXT").expect("addr");
    let handle = server.handle();
    let running = tokio::spawn(server.run());
    let mut stream = TcpStream::connect(addr).await.expect("connect");

    if use_sendfile {
        let mut burst = Vec::new();
        for correlation in 0..API_VERSIONS_REQUESTS {
            let body = RequestBody::ApiVersions(ApiVersionsRequest::default());
            burst.extend(frame(ApiKey::ApiVersions, 2, correlation, body));
        }
        let started = Instant::now();
        let (mut reader, mut writer) = stream.into_split();
        // Write and read concurrently: the burst is larger than the socket buffers.
        let writing = tokio::spawn(async move {
            writer.write_all(&burst).await.expect("write");
            writer
        });
        read_responses(&mut reader, API_VERSIONS_REQUESTS).await;
        let elapsed = started.elapsed();
        let writer = writing.await.expect("writer");
        stream = reader.reunite(writer).expect("same stream");
        println!(
            "pipelined ApiVersions v2: {API_VERSIONS_REQUESTS} requests in {:.3} s, {:.0} requests/s, {:.2} us/request",
            elapsed.as_secs_f64(),
            f64::from(API_VERSIONS_REQUESTS) / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / f64::from(API_VERSIONS_REQUESTS)
        );
    }

    let mut burst = Vec::new();
    for correlation in 0..FETCHES {
        let body = RequestBody::Fetch(FetchRequest::default());
        burst.extend(frame(ApiKey::Fetch, 11, correlation, body));
    }
    let started = Instant::now();
    stream.write_all(&burst).await.expect("write");
    let bytes = read_responses(&mut stream, FETCHES).await;
    let elapsed = started.elapsed();
    println!(
        "fetch 1 MiB region via {}: {FETCHES} responses, {:.1} MiB in {:.3} s, {:.0} MiB/s",
        if use_sendfile {
            "sendfile"
        } else {
            "pread+write"
        },
        bytes as f64 / (1024.0 * 1024.0),
        elapsed.as_secs_f64(),
        bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64()
    );
    handle.shutdown();
    drop(stream);
    running.await.expect("server stopped");
}

fn main() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(&vec![7u8; REGION_BYTES as usize])
        .expect("fill");
    file.flush().expect("flush");
    let region = FileRegion {
        file: Arc::new(file.reopen().expect("reopen")),
        position: 0,
        len: REGION_BYTES,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(true, region.clone()));
    runtime.block_on(run(false, region));
}
