//! A fake single-broker cluster that records every request frame real clients send, for the
//! golden-bytes fixtures of `gregor-protocol` (see `scripts/golden/capture.sh`).
//!
//! ```text
//! cargo run -p gregor-network --example capture_server -- kcat /tmp/frames --port-file /tmp/p
//! ```
//!
//! Each frame is written, size prefix included and before any decoding, to
//! `<out-dir>/<client-tag>-<ApiName>-v<version>-<seq>.bin` ([`capture`]). The server then
//! answers plausibly so that clients walk their normal flows ([`cluster`], [`groups`],
//! [`admin`]): it is broker 0 and the controller; every topic asked for exists with three
//! partitions led by broker 0; each partition starts with three records that Fetch synthesises
//! on demand; groups have one member that becomes leader. It keeps no data: produced records
//! only move the high watermark. It owns nothing the broker uses.
//!
//! Options: `--port N` (default 0 = any free port), `--port-file PATH` (the bound port is written
//! there once listening), `--max-run-seconds N` (exit after N seconds, default 300).

#[path = "capture_server/admin.rs"]
mod admin;
#[path = "capture_server/capture.rs"]
mod capture;
#[path = "capture_server/cluster.rs"]
mod cluster;
#[path = "capture_server/groups.rs"]
mod groups;

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gregor_network::frame::{FrameReader, SIZE_PREFIX_BYTES};
use gregor_protocol::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::capture::Capture;
use crate::cluster::{Cluster, State, NODE_ID};

/// Kafka's `socket.request.max.bytes` default.
const SOCKET_REQUEST_MAX_BYTES: i32 = 104_857_600;
/// Longest an empty Fetch is held, like Kafka's purgatory but short so sessions end quickly.
const MAX_FETCH_WAIT_MS: u64 = 500;
/// A connection silent this long is closed (Kafka's `connections.max.idle.ms` is far longer).
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Command-line options.
struct Args {
    /// Prefix of every recorded file (one server run per client session).
    client_tag: String,
    /// Where frames are written; created if missing.
    out_dir: PathBuf,
    /// Port to bind on 127.0.0.1 (0 = any).
    port: u16,
    /// File that receives the bound port once the server is listening.
    port_file: Option<PathBuf>,
    /// Safety net: the process exits after this long even if nobody stops it.
    max_run_seconds: u64,
}

fn parse_args() -> Result<Args, AnyError> {
    let mut positional = Vec::new();
    let mut args = Args {
        client_tag: String::new(),
        out_dir: PathBuf::new(),
        port: 0,
        port_file: None,
        max_run_seconds: 300,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        let mut value = || iter.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => args.port = value()?.parse()?,
            "--port-file" => args.port_file = Some(value()?.into()),
            "--max-run-seconds" => args.max_run_seconds = value()?.parse()?,
            _ => positional.push(arg),
        }
    }
    let [client_tag, out_dir] = <[String; 2]>::try_from(positional)
        .map_err(|_| "usage: capture_server <client-tag> <out-dir> [--port N] [--port-file F]")?;
    args.client_tag = client_tag;
    args.out_dir = out_dir.into();
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), AnyError> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = parse_args()?;
    std::fs::create_dir_all(&args.out_dir)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
    let port = listener.local_addr()?.port();
    if let Some(port_file) = &args.port_file {
        std::fs::write(port_file, format!("{port}\n"))?;
    }
    log::info!("capturing {} frames on 127.0.0.1:{port}", args.client_tag);
    let capture = Arc::new(Capture {
        client_tag: args.client_tag,
        out_dir: args.out_dir,
        next_seq: AtomicU64::new(0),
    });
    let cluster = Arc::new(Cluster {
        host: "127.0.0.1".to_string(),
        port: i32::from(port),
        state: Mutex::new(State::seeded()),
    });
    let deadline = tokio::time::sleep(Duration::from_secs(args.max_run_seconds));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = accepted?;
                let (capture, cluster) = (capture.clone(), cluster.clone());
                tokio::spawn(async move {
                    if let Err(e) = serve_connection(stream, &capture, &cluster).await {
                        log::warn!("connection from {peer} closed: {e}");
                    }
                });
            }
            _ = &mut deadline => {
                log::info!("max run time reached, exiting");
                return Ok(());
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// One connection: record each frame, decode it, answer it; one request at a time, as Kafka
/// processes a connection's requests in order.
async fn serve_connection(
    stream: TcpStream,
    capture: &Capture,
    cluster: &Cluster,
) -> Result<(), AnyError> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut frames = FrameReader::new(read, SOCKET_REQUEST_MAX_BYTES);
    loop {
        let Some(payload) = tokio::time::timeout(IDLE_TIMEOUT, frames.next_frame()).await?? else {
            return Ok(());
        };
        let name = capture.record(&payload)?;
        let (correlation_id, api_key, version, body) = match decode_request(payload.clone()) {
            Ok((header, request)) => {
                capture.check_canonical(&name, &payload, &header, &request);
                let Some((body, wait)) = respond(cluster, &header, request)? else {
                    continue; // Produce with acks=0 gets no answer.
                };
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                let key = header.request_api_key;
                (header.correlation_id, key, header.request_api_version, body)
            }
            // KIP-511: a too-new ApiVersions gets a v0 answer listing ApiVersions 0–3.
            Err(DecodeError::UnsupportedVersion {
                api_key: ApiKey::ApiVersions,
                correlation_id,
                ..
            }) => {
                let max = *ApiKey::ApiVersions.valid_versions().end();
                let body = ApiVersionsResponse::unsupported_version(max);
                (correlation_id, ApiKey::ApiVersions, 0, body.into())
            }
            Err(e) => {
                capture.note(&name, &format!("decode fails: {e}"));
                return Err(e.into());
            }
        };
        let frame = encode_response(correlation_id, api_key, version, &body)?;
        let bytes = frame.to_bytes().ok_or("response has external chunks")?;
        let mut out = Vec::with_capacity(SIZE_PREFIX_BYTES + bytes.len());
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(&bytes);
        write.write_all(&out).await?;
    }
}

/// The answer to one request and how long to hold it, `None` when none is sent, or an error
/// (which closes the connection) for an API this fake cluster does not serve.
fn respond(
    cluster: &Cluster,
    header: &RequestHeader,
    request: RequestBody,
) -> Result<Option<(ResponseBody, Duration)>, String> {
    let version = header.request_api_version;
    let mut wait = Duration::ZERO;
    let body: ResponseBody = match request {
        RequestBody::ApiVersions(_) => ApiVersionsResponse::from_ranges(
            ApiKey::ALL.iter().map(|key| (*key, key.valid_versions())),
        )
        .into(),
        RequestBody::Metadata(r) => cluster::metadata(cluster, r, version).into(),
        RequestBody::Produce(r) if r.acks == 0 => {
            cluster::produce(cluster, r);
            return Ok(None);
        }
        RequestBody::Produce(r) => cluster::produce(cluster, r).into(),
        RequestBody::Fetch(r) => {
            let (response, empty) = cluster::fetch(cluster, &r, version);
            if empty {
                wait = Duration::from_millis(u64::try_from(r.max_wait_ms).unwrap_or(0))
                    .min(Duration::from_millis(MAX_FETCH_WAIT_MS));
            }
            response.into()
        }
        RequestBody::ListOffsets(r) => cluster::list_offsets(cluster, r).into(),
        RequestBody::InitProducerId(_) => InitProducerIdResponse {
            producer_id: 1000,
            producer_epoch: 0,
            ..Default::default()
        }
        .into(),
        RequestBody::FindCoordinator(_) => FindCoordinatorResponse {
            node_id: NODE_ID,
            host: cluster.host.clone(),
            port: cluster.port,
            ..Default::default()
        }
        .into(),
        RequestBody::JoinGroup(r) => groups::join_group(cluster, header, r).into(),
        RequestBody::SyncGroup(r) => groups::sync_group(cluster, r).into(),
        RequestBody::Heartbeat(_) => HeartbeatResponse::default().into(),
        RequestBody::LeaveGroup(r) => groups::leave_group(cluster, r).into(),
        RequestBody::OffsetFetch(r) => groups::offset_fetch(r).into(),
        RequestBody::OffsetCommit(r) => groups::offset_commit(r).into(),
        RequestBody::ListGroups(_) => groups::list_groups(cluster).into(),
        RequestBody::DescribeGroups(r) => groups::describe_groups(cluster, r).into(),
        RequestBody::DeleteGroups(r) => groups::delete_groups(cluster, r).into(),
        RequestBody::CreateTopics(r) => admin::create_topics(cluster, r).into(),
        RequestBody::DeleteTopics(r) => admin::delete_topics(cluster, r).into(),
        RequestBody::CreatePartitions(r) => admin::create_partitions(cluster, r).into(),
        RequestBody::DescribeConfigs(r) => admin::describe_configs(r).into(),
        RequestBody::AlterConfigs(r) => admin::alter_configs(r).into(),
        RequestBody::DeleteRecords(r) => admin::delete_records(r).into(),
        RequestBody::OffsetForLeaderEpoch(r) => cluster::offset_for_leader_epoch(cluster, r).into(),
        other => return Err(format!("no fake answer for {:?}", other.api_key())),
    };
    Ok(Some((body, wait)))
}
