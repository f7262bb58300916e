//! The replica manager as the group coordinator's [`OffsetsLog`]: offset commits and group
//! records are appended to `__consumer_offsets` as the partition's leader with acks=all and
//! `offsets.commit.timeout.ms` (Kafka's `GroupMetadataManager.appendForGroup`), and read back
//! from the local log when the coordinator loads a partition.

use std::sync::Arc;

use gregor_coordinator::config::AppendFuture;
use gregor_coordinator::{LogChunk, OffsetsLog, GROUP_METADATA_TOPIC};
use gregor_log::dir::TopicPartition;
use gregor_protocol::ErrorCode;

use super::append::ProducePartition;
use super::ReplicaManager;
use crate::handlers::context::now_ms;

/// `__consumer_offsets` through the replica manager.
#[derive(Debug)]
pub struct ReplicaOffsetsLog {
    /// The broker's replica manager.
    pub replica_manager: Arc<ReplicaManager>,
    /// `offsets.commit.timeout.ms`.
    pub commit_timeout_ms: i32,
}

/// The produce version whose record rules apply to coordinator writes (magic 2 batches).
const PRODUCE_VERSION: i16 = 8;

impl OffsetsLog for ReplicaOffsetsLog {
    fn append(&self, partition: i32, batch: Vec<u8>) -> AppendFuture {
        let replica_manager = Arc::clone(&self.replica_manager);
        let timeout = self.commit_timeout_ms;
        Box::pin(async move {
            let tp = TopicPartition::new(GROUP_METADATA_TOPIC, partition);
            let records = bytes::Bytes::from(batch);
            let results = replica_manager
                .append_records(
                    -1,
                    timeout,
                    PRODUCE_VERSION,
                    vec![ProducePartition { tp, records }],
                    now_ms(),
                )
                .await;
            match results.first().map(|(_, r)| r.error) {
                Some(ErrorCode::None) => Ok(()),
                Some(error) => Err(error),
                None => Err(ErrorCode::UnknownServerError),
            }
        })
    }

    fn read(&self, partition: i32, offset: i64, max_bytes: usize) -> Result<LogChunk, ErrorCode> {
        let tp = TopicPartition::new(GROUP_METADATA_TOPIC, partition);
        let leader = self
            .replica_manager
            .leader_partition(&tp)
            .map_err(|e| e.error_code())?;
        let snapshot = leader.log().lock().reader().snapshot();
        let start = snapshot.log_start_offset();
        let end = snapshot.log_end_offset();
        let from = offset.max(start);
        let mut chunk = LogChunk {
            log_start_offset: start,
            log_end_offset: end,
            bytes: Vec::new(),
        };
        if from >= end {
            return Ok(chunk);
        }
        let info = snapshot
            .read(from, max_bytes, end, true)
            .map_err(|_| ErrorCode::KafkaStorageError)?;
        if let Some(region) = info.records {
            chunk.bytes = region
                .read_to_vec()
                .map_err(|_| ErrorCode::KafkaStorageError)?;
        }
        Ok(chunk)
    }
}
