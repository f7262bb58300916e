//! Reads for Fetch (Kafka's `fetchMessages` / `readFromLocalLog` and `DelayedFetch`): each
//! partition is read from the leader's log up to the high watermark (consumers) or the log end
//! offset (followers), bounded by the partition and response byte limits with KIP-74's "at
//! least one batch", and the whole fetch waits in the purgatory until `min_bytes` are there or
//! `max_wait_ms` passes.

use std::time::Duration;

use gregor_log::dir::TopicPartition;
use gregor_log::FileRegion;
use gregor_protocol::ErrorCode;

use super::{ReplicaError, ReplicaManager};

/// One partition to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFetch {
    /// Topic and partition.
    pub tp: TopicPartition,
    /// First offset wanted.
    pub fetch_offset: i64,
    /// Per-partition byte cap.
    pub partition_max_bytes: i32,
    /// The fetcher's view of the leader epoch, -1 = unchecked (Fetch v9+).
    pub current_leader_epoch: i32,
}

/// Request-wide fetch parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchParams {
    /// -1 for consumers, the follower's broker id for replicas.
    pub replica_id: i32,
    /// Longest wait for `min_bytes`.
    pub max_wait_ms: i32,
    /// Bytes that complete the fetch early.
    pub min_bytes: i32,
    /// Response byte cap.
    pub max_bytes: i32,
    /// Fetch v0–2 have no "at least one batch" rule: the limits are hard.
    pub hard_max_bytes_limit: bool,
}

/// What one partition's read returned.
#[derive(Debug, Clone)]
pub struct PartitionData {
    /// Error code (NONE on success).
    pub error: ErrorCode,
    /// High watermark (-1 on error).
    pub high_watermark: i64,
    /// Last stable offset (no transactions yet: the high watermark).
    pub last_stable_offset: i64,
    /// Log start offset (-1 on error).
    pub log_start_offset: i64,
    /// The bytes to send, none when empty.
    pub records: Option<FileRegion>,
}

impl PartitionData {
    fn failed(error: &ReplicaError) -> PartitionData {
        PartitionData {
            error: error.error_code(),
            high_watermark: -1,
            last_stable_offset: -1,
            log_start_offset: -1,
            records: None,
        }
    }

    /// Bytes of record data.
    pub fn size_bytes(&self) -> u64 {
        self.records.as_ref().map_or(0, |r| r.length)
    }
}

impl ReplicaManager {
    /// Reads every partition now and, unless the answer is already good enough, again after
    /// each append/HW move until `min_bytes` are available or `max_wait_ms` passes.
    pub async fn fetch_messages(
        &self,
        params: FetchParams,
        partitions: &[PartitionFetch],
    ) -> Vec<(TopicPartition, PartitionData)> {
        let first = self.read_from_local_log(&params, partitions);
        if params.max_wait_ms <= 0 || partitions.is_empty() || enough(&first, params.min_bytes) {
            return first;
        }
        let timeout = Duration::from_millis(u64::try_from(params.max_wait_ms).unwrap_or(0));
        let check = || {
            let again = self.read_from_local_log(&params, partitions);
            enough(&again, params.min_bytes).then_some(again)
        };
        let on_timeout = || async { self.read_from_local_log(&params, partitions) };
        self.purgatory.wait_until(timeout, check, on_timeout).await
    }

    /// Kafka's `readFromLocalLog`: the response limit shrinks as partitions fill it; the first
    /// partition with data may exceed the limits by one batch (KIP-74) unless they are hard.
    pub fn read_from_local_log(
        &self,
        params: &FetchParams,
        partitions: &[PartitionFetch],
    ) -> Vec<(TopicPartition, PartitionData)> {
        let mut remaining_bytes = i64::from(params.max_bytes.max(0));
        let mut min_one_message = !params.hard_max_bytes_limit;
        let mut results = Vec::with_capacity(partitions.len());
        for fetch in partitions {
            let limit = i64::from(fetch.partition_max_bytes.max(0)).min(remaining_bytes);
            let data = match self.read_partition(params, fetch, limit, min_one_message) {
                Ok(data) => data,
                Err(e) => PartitionData::failed(&e),
            };
            let size = i64::try_from(data.size_bytes()).unwrap_or(i64::MAX);
            if size > 0 {
                min_one_message = false;
            }
            remaining_bytes = (remaining_bytes - size).max(0);
            results.push((fetch.tp.clone(), data));
        }
        results
    }

    fn read_partition(
        &self,
        params: &FetchParams,
        fetch: &PartitionFetch,
        limit: i64,
        min_one_message: bool,
    ) -> Result<PartitionData, ReplicaError> {
        let partition = self.leader_partition(&fetch.tp)?;
        let leader_epoch = partition.leader_epoch();
        if fetch.current_leader_epoch >= 0 {
            if fetch.current_leader_epoch < leader_epoch {
                return Err(ReplicaError::FencedLeaderEpoch);
            }
            if fetch.current_leader_epoch > leader_epoch {
                return Err(ReplicaError::UnknownLeaderEpoch);
            }
        }
        let from_follower = params.replica_id >= 0;
        if from_follower {
            let update =
                partition.update_follower_log_end_offset(params.replica_id, fetch.fetch_offset);
            if update.high_watermark_moved {
                self.purgatory.wake_all();
            }
            if let Some(change) = update.isr_change {
                self.propose_isr_change(change);
            }
        }
        let high_watermark = partition.high_watermark();
        let snapshot = partition.log().lock().reader().snapshot();
        let max_offset = if from_follower {
            snapshot.log_end_offset()
        } else {
            high_watermark
        };
        let max_bytes = usize::try_from(limit).unwrap_or(0);
        let info = snapshot.read(fetch.fetch_offset, max_bytes, max_offset, min_one_message)?;
        Ok(PartitionData {
            error: ErrorCode::None,
            high_watermark,
            last_stable_offset: high_watermark,
            log_start_offset: snapshot.log_start_offset(),
            records: info.records,
        })
    }
}

/// DelayedFetch's completion rule: an error, or at least `min_bytes` of data.
fn enough(results: &[(TopicPartition, PartitionData)], min_bytes: i32) -> bool {
    let total: u64 = results.iter().map(|(_, d)| d.size_bytes()).sum();
    results.iter().any(|(_, d)| d.error != ErrorCode::None)
        || total >= u64::try_from(min_bytes.max(0)).unwrap_or(0)
}
