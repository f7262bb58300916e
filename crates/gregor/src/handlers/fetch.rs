//! Fetch (key 1), versions 0–11: consumer and follower reads. Fetch sessions for v7+, the
//! long poll in the replica manager's purgatory, record data sent with sendfile as file
//! regions, and down-conversion to magic 0/1 for v0–3 clients (which cannot read magic 2).

use std::ops::RangeInclusive;
use std::sync::Arc;

use bytes::Bytes;
use gregor_log::dir::TopicPartition;
use gregor_network::{FileRegion, Outcome, RequestContext, Response};
use gregor_protocol::records::{downconvert, DEFAULT_MAX_DECOMPRESSED_BYTES};
use gregor_protocol::{
    ErrorCode, FetchRequest, FetchResponse, FetchResponsePartition, FetchResponseTopic,
    RecordsData, RequestHeader, ResponseBody,
};

use super::BrokerContext;
use crate::replica::fetch_session::FetchContext;
use crate::replica::read::{FetchParams, PartitionData, PartitionFetch};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=11;

/// `isolation_level` READ_COMMITTED.
const READ_COMMITTED: i8 = 1;

/// Reads and answers.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: FetchRequest,
) -> Outcome {
    let version = header.request_api_version;
    let requested: Vec<PartitionFetch> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(move |p| PartitionFetch {
                tp: TopicPartition::new(&t.topic, p.partition),
                fetch_offset: p.fetch_offset,
                partition_max_bytes: p.partition_max_bytes,
                current_leader_epoch: p.current_leader_epoch,
            })
        })
        .collect();
    let (context, partitions) = if version >= 7 {
        let forgotten: Vec<(String, i32)> = request
            .forgotten_topics_data
            .iter()
            .flat_map(|t| t.partitions.iter().map(move |p| (t.topic.clone(), *p)))
            .collect();
        let decided = broker.replica_manager.fetch_sessions().lock().new_context(
            request.session_id,
            request.session_epoch,
            requested,
            &forgotten,
        );
        match decided {
            Ok(decided) => decided,
            Err(error) => return session_error(error),
        }
    } else {
        (
            FetchContext {
                session_id: 0,
                incremental: false,
            },
            requested,
        )
    };
    let params = FetchParams {
        replica_id: request.replica_id,
        max_wait_ms: request.max_wait_ms,
        min_bytes: request.min_bytes,
        max_bytes: request.max_bytes,
        hard_max_bytes_limit: version <= 2,
    };
    let results = broker
        .replica_manager
        .fetch_messages(params, &partitions)
        .await;
    let results = if version >= 7 {
        broker
            .replica_manager
            .fetch_sessions()
            .lock()
            .update_and_filter(context, results)
    } else {
        results
    };
    let read_committed = request.isolation_level == READ_COMMITTED;
    let (response, files) = build_response(
        version,
        context.session_id,
        read_committed,
        &partitions,
        results,
    );
    Outcome::Respond(Response {
        body: ResponseBody::Fetch(response),
        files,
    })
}

fn session_error(error: ErrorCode) -> Outcome {
    Outcome::Respond(Response::new(ResponseBody::Fetch(FetchResponse {
        error_code: error,
        ..FetchResponse::default()
    })))
}

/// Groups results by topic and turns log regions into sendfile regions (or, for v0–3,
/// down-converted bytes).
fn build_response(
    version: i16,
    session_id: i32,
    read_committed: bool,
    partitions: &[PartitionFetch],
    results: Vec<(TopicPartition, PartitionData)>,
) -> (FetchResponse, Vec<FileRegion>) {
    let mut files = Vec::new();
    let mut responses: Vec<FetchResponseTopic> = Vec::new();
    for (tp, data) in results {
        let fetch_offset = partitions
            .iter()
            .find(|p| p.tp == tp)
            .map_or(0, |p| p.fetch_offset);
        let mut error = data.error;
        let records = match records_data(version, fetch_offset, &data, &mut files) {
            Ok(records) => records,
            Err(code) => {
                log::warn!("Cannot return records of {tp} for a Fetch v{version}: {code}");
                error = code;
                RecordsData::Bytes(Bytes::new())
            }
        };
        let partition = FetchResponsePartition {
            partition: tp.partition,
            error_code: error,
            high_watermark: data.high_watermark,
            last_stable_offset: data.last_stable_offset,
            log_start_offset: data.log_start_offset,
            aborted_transactions: read_committed.then(Vec::new),
            records: Some(records),
            ..FetchResponsePartition::default()
        };
        match responses.iter_mut().find(|t| t.topic == tp.topic) {
            Some(topic) => topic.partitions.push(partition),
            None => responses.push(FetchResponseTopic {
                topic: tp.topic.clone(),
                partitions: vec![partition],
                ..FetchResponseTopic::default()
            }),
        }
    }
    let response = FetchResponse {
        error_code: ErrorCode::None,
        session_id,
        responses,
        ..FetchResponse::default()
    };
    (response, files)
}

/// The record data of one partition: a file region for v4+, converted bytes for v0–3. A
/// failed read is KAFKA_STORAGE_ERROR; a batch old clients cannot read (zstd) is Kafka's
/// UNSUPPORTED_COMPRESSION_TYPE.
fn records_data(
    version: i16,
    fetch_offset: i64,
    data: &PartitionData,
    files: &mut Vec<FileRegion>,
) -> Result<RecordsData, ErrorCode> {
    let Some(region) = &data.records else {
        return Ok(RecordsData::Bytes(Bytes::new()));
    };
    let len = u32::try_from(region.length).map_err(|_| ErrorCode::KafkaStorageError)?;
    if version >= 4 {
        files.push(FileRegion {
            file: Arc::clone(&region.file),
            position: region.position,
            len,
        });
        return Ok(RecordsData::External {
            id: files.len() - 1,
            len,
        });
    }
    // Fetch v0–1 read magic 0, v2–3 magic 1 (Kafka's down-conversion for old consumers).
    let to_magic = if version <= 1 { 0 } else { 1 };
    let bytes = region
        .read_to_vec()
        .map_err(|_| ErrorCode::KafkaStorageError)?;
    let converted = downconvert(
        &bytes,
        to_magic,
        fetch_offset,
        DEFAULT_MAX_DECOMPRESSED_BYTES,
    )
    .map_err(|e| e.error_code())?;
    Ok(RecordsData::Bytes(Bytes::from(converted)))
}
