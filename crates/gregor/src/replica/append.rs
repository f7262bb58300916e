//! Appends for Produce (Kafka's `appendRecords` / `Partition.appendRecordsToLeader`): the
//! leader's validation of each partition's records, `min.insync.replicas` for acks=-1, the
//! append with offset assignment, the high-watermark move, and the wait for acks=-1.

use std::time::Duration;

use gregor_log::dir::TopicPartition;
use gregor_protocol::records::{
    produce_batch, upconvert_legacy, validate, validate_legacy, Compression, TimestampCheck,
    ValidateOptions, DEFAULT_MAX_DECOMPRESSED_BYTES,
};
use gregor_protocol::ErrorCode;

use super::{ReplicaError, ReplicaManager};
use crate::cluster::Partition;

/// Result of one partition's append, as the Produce response reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    /// Error code (NONE on success).
    pub error: ErrorCode,
    /// Offset of the first appended record, -1 on error.
    pub base_offset: i64,
    /// Broker time for LogAppendTime topics, else -1.
    pub log_append_time_ms: i64,
    /// Log start offset after the append, -1 on error.
    pub log_start_offset: i64,
    /// Human-readable reason (Produce v8 `error_message`).
    pub error_message: Option<String>,
    /// Offset the high watermark must reach for acks=-1 (last offset + 1).
    pub required_offset: i64,
}

impl AppendResult {
    fn failed(error: &ReplicaError) -> AppendResult {
        AppendResult {
            error: error.error_code(),
            base_offset: -1,
            log_append_time_ms: -1,
            log_start_offset: -1,
            error_message: Some(error.to_string()),
            required_offset: -1,
        }
    }
}

/// One partition's records from a Produce request.
#[derive(Debug)]
pub struct ProducePartition {
    /// Topic and partition.
    pub tp: TopicPartition,
    /// The record set as sent.
    pub records: bytes::Bytes,
}

impl ReplicaManager {
    /// Appends every partition's records and, for acks=-1, waits until the ISR has them or
    /// `timeout_ms` passes (REQUEST_TIMED_OUT). `produce_version` selects the record rules.
    pub async fn append_records(
        &self,
        acks: i16,
        timeout_ms: i32,
        produce_version: i16,
        partitions: Vec<ProducePartition>,
        now_ms: i64,
    ) -> Vec<(TopicPartition, AppendResult)> {
        let mut results = Vec::with_capacity(partitions.len());
        // Kafka's appendRecordsToLeader completes delayed requests after every append: produces
        // when the high watermark moved, follower fetches (long-polling for new data) always.
        let mut appended = false;
        for p in partitions {
            let result = match self.append_one(&p, acks, produce_version, now_ms) {
                Ok((result, _hw_moved)) => {
                    appended = true;
                    result
                }
                Err(e) => {
                    log::debug!(
                        "Error processing append operation on partition {}: {e}",
                        p.tp
                    );
                    AppendResult::failed(&e)
                }
            };
            results.push((p.tp, result));
        }
        if appended {
            self.purgatory.wake_all();
        }
        if acks != -1 || results.iter().all(|(_, r)| r.error != ErrorCode::None) {
            return results;
        }
        let timeout = Duration::from_millis(u64::try_from(timeout_ms.max(0)).unwrap_or(0));
        let check = || {
            self.acks_all_satisfied(&results)
                .then(|| self.acks_all_outcome(&results))
        };
        let on_timeout = || async { self.acks_all_outcome(&results) };
        self.purgatory.wait_until(timeout, check, on_timeout).await
    }

    fn append_one(
        &self,
        p: &ProducePartition,
        acks: i16,
        produce_version: i16,
        now_ms: i64,
    ) -> Result<(AppendResult, bool), ReplicaError> {
        let partition = self.leader_partition(&p.tp)?;
        let log = partition.log();
        let config = log.lock().config().clone();
        let mut records = leader_validated_records(
            &p.records,
            produce_version,
            &ValidateOptions {
                max_message_bytes: usize::try_from(config.max_message_bytes).ok(),
                require_keys: config.compact_enabled(),
                timestamp_check: (config.message_timestamp_type
                    == gregor_log::TimestampType::CreateTime)
                    .then_some(TimestampCheck {
                        now_ms,
                        difference_max_ms: config.message_timestamp_difference_max_ms,
                    }),
                ..ValidateOptions::default()
            },
        )?;
        check_min_isr(&partition, acks, config.min_insync_replicas)?;
        let leader_epoch = partition.leader_epoch();
        let info = log
            .lock()
            .append_as_leader(&mut records, leader_epoch, now_ms)?;
        let hw_moved = partition.after_leader_append(info.last_offset + 1);
        Ok((
            AppendResult {
                error: ErrorCode::None,
                base_offset: info.first_offset,
                log_append_time_ms: info.log_append_time_ms,
                log_start_offset: info.log_start_offset,
                error_message: None,
                required_offset: info.last_offset + 1,
            },
            hw_moved,
        ))
    }

    /// Kafka's `DelayedProduce.tryComplete` for one partition: the ISR has the data (HW
    /// reached), or the partition failed or lost leadership (answered at once).
    fn partition_done(&self, tp: &TopicPartition, r: &AppendResult) -> bool {
        r.error != ErrorCode::None
            || self.partition(tp).map_or(true, |p| {
                !p.is_leader() || p.high_watermark() >= r.required_offset
            })
    }

    fn acks_all_satisfied(&self, results: &[(TopicPartition, AppendResult)]) -> bool {
        results.iter().all(|(tp, r)| self.partition_done(tp, r))
    }

    /// The final answer of an acks=-1 produce: REQUEST_TIMED_OUT where the ISR did not catch
    /// up, NOT_LEADER_FOR_PARTITION where leadership moved, NOT_ENOUGH_REPLICAS_AFTER_APPEND
    /// where the ISR shrank below `min.insync.replicas` meanwhile (the data is written).
    fn acks_all_outcome(
        &self,
        results: &[(TopicPartition, AppendResult)],
    ) -> Vec<(TopicPartition, AppendResult)> {
        results
            .iter()
            .map(|(tp, r)| {
                let mut r = r.clone();
                if r.error != ErrorCode::None {
                    return (tp.clone(), r);
                }
                r.error = match self.partition(tp) {
                    Some(p) if !p.is_leader() => ErrorCode::NotLeaderForPartition,
                    None => ErrorCode::NotLeaderForPartition,
                    Some(p) if p.high_watermark() < r.required_offset => ErrorCode::RequestTimedOut,
                    Some(p) => {
                        let min_isr = p.log().lock().config().min_insync_replicas;
                        if i64::try_from(p.isr_size()).unwrap_or(i64::MAX) < i64::from(min_isr) {
                            ErrorCode::NotEnoughReplicasAfterAppend
                        } else {
                            ErrorCode::None
                        }
                    }
                };
                (tp.clone(), r)
            })
            .collect()
    }
}

/// acks=-1 needs at least `min.insync.replicas` in the ISR before the append.
fn check_min_isr(partition: &Partition, acks: i16, min_isr: i32) -> Result<(), ReplicaError> {
    let isr_size = partition.isr_size();
    if acks == -1 && i64::try_from(isr_size).unwrap_or(i64::MAX) < i64::from(min_isr) {
        return Err(ReplicaError::NotEnoughReplicas {
            partition: partition.topic_partition().to_string(),
            isr_size,
            min_isr,
        });
    }
    Ok(())
}

/// The bytes to append: a v3+ request must hold exactly one valid magic-2 batch, stored as
/// sent; a v0–2 legacy set is validated and up-converted to one v2 batch with its codec
/// (`message.format.version` 2.4 stores magic 2 only).
fn leader_validated_records(
    records: &[u8],
    produce_version: i16,
    options: &ValidateOptions,
) -> Result<Vec<u8>, ReplicaError> {
    if produce_version >= 3 {
        let batch = produce_batch(records, produce_version)?;
        validate(&batch, options)?;
        return Ok(records.to_vec());
    }
    validate_legacy(records, DEFAULT_MAX_DECOMPRESSED_BYTES)?;
    if let Some(max) = options.max_message_bytes {
        if records.len() > max {
            return Err(ReplicaError::Records(
                gregor_protocol::records::RecordsError::MessageTooLarge {
                    size: records.len(),
                    max_message_bytes: max,
                },
            ));
        }
    }
    let codec = gregor_protocol::records::legacy_messages(records)
        .next()
        .and_then(|m| m.ok())
        .and_then(|m| m.compression().ok())
        .unwrap_or(Compression::None);
    let batch = upconvert_legacy(records, codec, DEFAULT_MAX_DECOMPRESSED_BYTES)?;
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::read::{FetchParams, PartitionFetch};
    use crate::replica::state_change::tests::{change, manager};
    use crate::replica::TopicOverrides;
    use gregor_protocol::records::RecordBatchBuilder;

    fn records() -> bytes::Bytes {
        let batch = RecordBatchBuilder::new()
            .append(0, None, Some(b"v"), &[])
            .build()
            .unwrap();
        bytes::Bytes::from(batch)
    }

    fn produce(tp: &TopicPartition) -> Vec<ProducePartition> {
        vec![ProducePartition {
            tp: tp.clone(),
            records: records(),
        }]
    }

    #[tokio::test]
    async fn acks_all_below_min_insync_replicas_is_not_enough_replicas() {
        let dir = tempfile::tempdir().unwrap();
        let rm = manager(dir.path());
        let mut overrides = TopicOverrides::new();
        overrides.insert(
            "t".into(),
            [("min.insync.replicas".to_string(), "2".to_string())].into(),
        );
        rm.become_leader_or_follower(0, 1, vec![change(0, vec![1])], &overrides, 0);
        let tp = TopicPartition::new("t", 0);
        let all = rm.append_records(-1, 1000, 8, produce(&tp), 0).await;
        assert_eq!(all[0].1.error, ErrorCode::NotEnoughReplicas);
        let one = rm.append_records(1, 1000, 8, produce(&tp), 0).await;
        assert_eq!((one[0].1.error, one[0].1.base_offset), (ErrorCode::None, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn acks_all_waits_for_the_follower_and_times_out_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let rm = manager(dir.path());
        rm.become_leader_or_follower(0, 1, vec![change(0, vec![1, 2])], &Default::default(), 0);
        let tp = TopicPartition::new("t", 0);
        let timed_out = rm.append_records(-1, 50, 8, produce(&tp), 0).await;
        assert_eq!(timed_out[0].1.error, ErrorCode::RequestTimedOut);
        assert_eq!(rm.partition(&tp).unwrap().high_watermark(), 0);
        // The follower fetching from offset 1 reports that it has offset 0: HW moves to 1.
        let follower = FetchParams {
            replica_id: 2,
            max_wait_ms: 0,
            min_bytes: 0,
            max_bytes: 1 << 20,
            hard_max_bytes_limit: false,
        };
        let fetch = PartitionFetch {
            tp: tp.clone(),
            fetch_offset: 1,
            partition_max_bytes: 1 << 20,
            current_leader_epoch: -1,
        };
        rm.read_from_local_log(&follower, &[fetch]);
        assert_eq!(rm.partition(&tp).unwrap().high_watermark(), 1);
    }
}
