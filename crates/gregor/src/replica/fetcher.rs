//! Follower fetching (Kafka's `ReplicaFetcherThread`, reduced): for every partition this broker
//! follows, a task fetches from the leader's inter-broker endpoint with `replica_id` = our id,
//! appends what it gets as a follower (offsets and epochs kept) and takes the leader's high
//! watermark (capped by the local log end offset). The leader learns our log end offset from
//! the fetch offsets, which moves its high watermark and completes acks=-1 produces.
//!
//! Reduced against Kafka 2.4: one task per partition (Kafka shares one fetcher per leader),
//! truncation on becoming follower goes to the high watermark (no OffsetsForLeaderEpoch), and
//! the leader does not shrink or expand the ISR yet.

use std::sync::Arc;
use std::time::Duration;

use gregor_client::{BrokerConnection, ConnectionConfig};
use gregor_log::dir::TopicPartition;
use gregor_protocol::{
    ErrorCode, FetchRequest, FetchRequestPartition, FetchRequestTopic, RecordsData,
};

use super::ReplicaManager;

/// The leader a follower fetches from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSource {
    /// The leader's broker id.
    pub leader_id: i32,
    /// `host:port` of its inter-broker listener (LeaderAndIsr's live leaders).
    pub addr: String,
    /// The leader epoch this fetcher serves; it stops when the partition moves on.
    pub leader_epoch: i32,
}

/// Fetcher settings from `server.properties`.
#[derive(Debug, Clone, Copy)]
pub struct FetcherConfig {
    /// `replica.fetch.wait.max.ms` (500).
    pub wait_max_ms: i32,
    /// `replica.fetch.min.bytes` (1).
    pub min_bytes: i32,
    /// `replica.fetch.max.bytes` (1048576): per partition.
    pub max_bytes: i32,
    /// `replica.fetch.response.max.bytes` (10485760).
    pub response_max_bytes: i32,
    /// `replica.fetch.backoff.ms` (1000): pause after an error.
    pub backoff_ms: u64,
}

impl Default for FetcherConfig {
    fn default() -> Self {
        FetcherConfig {
            wait_max_ms: 500,
            min_bytes: 1,
            max_bytes: 1_048_576,
            response_max_bytes: 10_485_760,
            backoff_ms: 1000,
        }
    }
}

/// Starts (or restarts) the fetcher of `tp`; the previous one, if any, is aborted.
pub fn start_fetcher(
    manager: &Arc<ReplicaManager>,
    tp: TopicPartition,
    source: FetchSource,
    config: FetcherConfig,
) {
    let task = tokio::spawn(run(Arc::clone(manager), tp.clone(), source, config));
    let previous = manager.fetchers.lock().insert(tp, task.abort_handle());
    if let Some(previous) = previous {
        previous.abort();
    }
}

/// True while `tp` is still followed from `source` at its epoch.
fn still_following(manager: &ReplicaManager, tp: &TopicPartition, source: &FetchSource) -> bool {
    manager.partition(tp).is_some_and(|p| {
        let state = p.state();
        state.leader == source.leader_id && state.leader_epoch == source.leader_epoch
    })
}

async fn run(
    manager: Arc<ReplicaManager>,
    tp: TopicPartition,
    source: FetchSource,
    config: FetcherConfig,
) {
    let backoff = Duration::from_millis(config.backoff_ms);
    let mut connection: Option<BrokerConnection> = None;
    while still_following(&manager, &tp, &source) {
        if connection
            .as_ref()
            .map_or(true, BrokerConnection::is_closed)
        {
            match BrokerConnection::connect(&source.addr, ConnectionConfig::default()).await {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    log::warn!(target: "kafka.server.ReplicaFetcherThread", "[ReplicaFetcher replicaId={}, leaderId={}] Error connecting to {}: {e}", manager.broker_id(), source.leader_id, source.addr);
                    tokio::time::sleep(backoff).await;
                    continue;
                }
            }
        }
        let Some(conn) = connection.as_ref() else {
            continue;
        };
        if let Err(e) = fetch_once(&manager, conn, &tp, &source, &config).await {
            log::warn!(target: "kafka.server.ReplicaFetcherThread", "[ReplicaFetcher replicaId={}, leaderId={}] Error fetching {tp}: {e}", manager.broker_id(), source.leader_id);
            connection = None;
            tokio::time::sleep(backoff).await;
        }
    }
}

/// One fetch round trip and the local append.
async fn fetch_once(
    manager: &ReplicaManager,
    conn: &BrokerConnection,
    tp: &TopicPartition,
    source: &FetchSource,
    config: &FetcherConfig,
) -> Result<(), String> {
    let partition = manager
        .partition(tp)
        .ok_or_else(|| "partition no longer hosted".to_string())?;
    let (log_end_offset, log_start_offset) = {
        let log = partition.log().lock();
        (log.log_end_offset(), log.log_start_offset())
    };
    let request = FetchRequest {
        replica_id: manager.broker_id(),
        max_wait_ms: config.wait_max_ms,
        min_bytes: config.min_bytes,
        max_bytes: config.response_max_bytes,
        session_epoch: -1,
        topics: vec![FetchRequestTopic {
            topic: tp.topic.clone(),
            partitions: vec![FetchRequestPartition {
                partition: tp.partition,
                current_leader_epoch: source.leader_epoch,
                fetch_offset: log_end_offset,
                log_start_offset,
                partition_max_bytes: config.max_bytes,
                ..FetchRequestPartition::default()
            }],
            ..FetchRequestTopic::default()
        }],
        ..FetchRequest::default()
    };
    let response = conn.send(request).await.map_err(|e| e.to_string())?;
    let data = response
        .responses
        .iter()
        .flat_map(|t| t.partitions.iter())
        .find(|p| p.partition == tp.partition)
        .ok_or_else(|| "no data for the partition".to_string())?;
    if data.error_code != ErrorCode::None {
        return Err(format!("leader answered {}", data.error_code));
    }
    if let Some(RecordsData::Bytes(bytes)) = &data.records {
        if !bytes.is_empty() && still_following(manager, tp, source) {
            partition
                .log()
                .lock()
                .append_as_follower(bytes, wall_clock_ms())
                .map_err(|e| e.to_string())?;
        }
    }
    partition.update_follower_high_watermark(data.high_watermark);
    Ok(())
}

/// Milliseconds since the Unix epoch (segment roll times of appended data).
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
