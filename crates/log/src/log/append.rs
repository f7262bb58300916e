//! Appending record batches (Kafka's `Log.append`, `analyzeAndValidateRecords` and the offset
//! assignment part of `LogValidator`).
//!
//! The protocol layer has validated the records of a Produce; here each batch is re-checked
//! for structure and CRC (cheap, and the only check a follower's data gets), sizes are enforced,
//! the leader assigns offsets by rewriting base offsets in place, stamps its epoch and, for
//! `LogAppendTime` topics, the append time. A trailing partial batch is dropped, as Kafka trims
//! invalid bytes.

use gregor_protocol::records::{
    batches, RecordBatch, RecordBatchMut, TimestampType as BatchTimestampType,
};

use super::Log;
use crate::config::TimestampType;
use crate::error::{LogError, Result};
use crate::producer::ProducerBatch;
use crate::segment::{ActiveSegment, AppendBatch};

/// Bound on decompression while checking record timestamps (the protocol crate's default).
const MAX_DECOMPRESSED_BYTES: usize = gregor_protocol::records::DEFAULT_MAX_DECOMPRESSED_BYTES;

/// What an append did (Kafka's `LogAppendInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogAppendInfo {
    /// Offset of the first appended record (the log end offset when nothing was appended).
    pub first_offset: i64,
    /// Offset of the last appended record.
    pub last_offset: i64,
    /// Largest batch max timestamp (-1 when none).
    pub max_timestamp: i64,
    /// Last offset of the batch carrying `max_timestamp`.
    pub offset_of_max_timestamp: i64,
    /// Broker append time for `LogAppendTime` topics, else -1 (Produce response field).
    pub log_append_time_ms: i64,
    /// Log start offset after the append (Produce response field).
    pub log_start_offset: i64,
    /// Batches appended.
    pub batch_count: usize,
    /// Records appended (from the batch headers).
    pub records_count: i64,
    /// Bytes appended.
    pub valid_bytes: usize,
}

/// Position and length of one batch inside the appended bytes.
struct BatchSpan {
    /// Byte index of the batch in the appended records.
    start: usize,
    /// Size of the batch in bytes.
    len: usize,
}

impl Log {
    /// Appends records produced by a client: assigns offsets from the log end offset, stamps
    /// `leader_epoch` and applies `message.timestamp.type`. The bytes are rewritten in place.
    pub fn append_as_leader(
        &mut self,
        records: &mut [u8],
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<LogAppendInfo> {
        let spans = self.analyze(records, true, now_ms)?;
        let log_append_time = self.config.message_timestamp_type == TimestampType::LogAppendTime;
        let mut next_offset = self.log_end_offset();
        for span in &spans {
            let bytes = &mut records[span.start..span.start + span.len];
            let mut batch = RecordBatchMut::new(bytes).map_err(|e| self.corrupt(e.to_string()))?;
            batch.set_base_offset(next_offset);
            batch.set_partition_leader_epoch(leader_epoch);
            if log_append_time {
                batch.set_max_timestamp(BatchTimestampType::LogAppendTime, now_ms);
            } else {
                let max_timestamp = batch.as_batch().max_timestamp();
                batch.set_max_timestamp(BatchTimestampType::CreateTime, max_timestamp);
            }
            next_offset = batch.as_batch().next_offset();
        }
        let producer_batches = spans
            .iter()
            .map(|span| batch_at(records, span).map(|b| producer_batch(&b)))
            .collect::<Result<Vec<_>>>()?;
        if let Some(duplicate) = self
            .producer_state
            .validate_client_append(&producer_batches)?
        {
            // Kafka's answer to a retried batch: its original offsets, nothing appended.
            return Ok(LogAppendInfo {
                first_offset: duplicate.first_offset(),
                last_offset: duplicate.last_offset,
                max_timestamp: duplicate.timestamp,
                offset_of_max_timestamp: duplicate.last_offset,
                log_append_time_ms: duplicate.timestamp,
                log_start_offset: self.log_start_offset,
                batch_count: 0,
                records_count: 0,
                valid_bytes: 0,
            });
        }
        let mut info = self.append_spans(records, &spans, now_ms)?;
        if log_append_time && info.batch_count > 0 {
            info.log_append_time_ms = now_ms;
        }
        Ok(info)
    }

    /// Appends records fetched from the leader as they are (offsets and epochs kept). The first
    /// offset must not be below the log end offset.
    pub fn append_as_follower(&mut self, records: &[u8], now_ms: i64) -> Result<LogAppendInfo> {
        let spans = self.analyze(records, false, now_ms)?;
        if let Some(first) = spans.first() {
            let first_offset = batch_at(records, first)?.base_offset();
            if first_offset < self.log_end_offset() {
                return Err(LogError::UnexpectedAppendOffset {
                    partition: self.name.to_string(),
                    first_offset,
                    log_end_offset: self.log_end_offset(),
                });
            }
        }
        self.append_spans(records, &spans, now_ms)
    }

    /// Splits `records` into batches and checks each one (Kafka's `analyzeAndValidateRecords`).
    fn analyze(&self, records: &[u8], from_leader: bool, now_ms: i64) -> Result<Vec<BatchSpan>> {
        let mut spans = Vec::new();
        let mut iter = batches(records);
        let mut previous_last: Option<i64> = None;
        loop {
            let start = iter.position();
            let Some(item) = iter.next() else { break };
            let batch = item.map_err(|e| self.corrupt(e.to_string()))?;
            batch
                .ensure_valid()
                .map_err(|e| self.corrupt(e.to_string()))?;
            let size = batch.size_in_bytes();
            if from_leader && size > usize::try_from(self.config.max_message_bytes).unwrap_or(0) {
                return Err(LogError::MessageTooLarge {
                    partition: self.name.to_string(),
                    batch_bytes: size,
                    max_message_bytes: self.config.max_message_bytes,
                });
            }
            if !from_leader && previous_last.is_some_and(|last| batch.base_offset() <= last) {
                return Err(self.corrupt(format!(
                    "out of order offsets: batch at {} follows offset {previous_last:?}",
                    batch.base_offset()
                )));
            }
            if from_leader {
                self.check_timestamps(&batch, now_ms)?;
            }
            previous_last = Some(batch.last_offset());
            spans.push(BatchSpan { start, len: size });
        }
        let total: usize = spans.iter().map(|s| s.len).sum();
        if total > usize::try_from(self.config.segment_bytes).unwrap_or(0) {
            return Err(LogError::RecordListTooLarge {
                partition: self.name.to_string(),
                bytes: total,
                segment_bytes: self.config.segment_bytes,
            });
        }
        Ok(spans)
    }

    /// `message.timestamp.difference.max.ms` for CreateTime topics: every record's timestamp
    /// must be within that distance of the broker clock (Kafka's `validateTimestamp`). Only
    /// walks the records when the limit is set (the default, Long.MAX, disables it).
    fn check_timestamps(&self, batch: &RecordBatch<'_>, now_ms: i64) -> Result<()> {
        let diff_ms = self.config.message_timestamp_difference_max_ms;
        if self.config.message_timestamp_type != TimestampType::CreateTime || diff_ms == i64::MAX {
            return Ok(());
        }
        let records = batch
            .records(MAX_DECOMPRESSED_BYTES)
            .map_err(|e| self.corrupt(e.to_string()))?;
        for record in records.iter() {
            let record = record.map_err(|e| self.corrupt(e.to_string()))?;
            let timestamp_ms = record.timestamp;
            if timestamp_ms != -1 && timestamp_ms.saturating_sub(now_ms).abs() > diff_ms {
                return Err(LogError::InvalidTimestamp {
                    timestamp_ms,
                    offset: self.log_end_offset() + i64::from(record.offset_delta),
                    min_ms: now_ms.saturating_sub(diff_ms),
                    max_ms: now_ms.saturating_add(diff_ms),
                });
            }
        }
        Ok(())
    }

    /// Writes already-final batches: roll if needed, append, update epochs, flush policy.
    fn append_spans(
        &mut self,
        records: &[u8],
        spans: &[BatchSpan],
        now_ms: i64,
    ) -> Result<LogAppendInfo> {
        let end = spans.last().map_or(0, |s| s.start + s.len);
        let bytes = &records[..end];
        let mut info = LogAppendInfo {
            first_offset: self.log_end_offset(),
            last_offset: self.log_end_offset() - 1,
            max_timestamp: -1,
            offset_of_max_timestamp: -1,
            log_append_time_ms: -1,
            log_start_offset: self.log_start_offset,
            batch_count: spans.len(),
            records_count: 0,
            valid_bytes: end,
        };
        if spans.is_empty() {
            return Ok(info);
        }
        for (n, span) in spans.iter().enumerate() {
            let batch = batch_at(records, span)?;
            if n == 0 {
                info.first_offset = batch.base_offset();
            }
            info.last_offset = batch.last_offset();
            info.records_count += i64::from(batch.records_count());
            if batch.max_timestamp() > info.max_timestamp {
                info.max_timestamp = batch.max_timestamp();
                info.offset_of_max_timestamp = batch.last_offset();
            }
        }
        if self.active.should_roll(
            &self.config,
            end as u64,
            info.max_timestamp,
            info.last_offset,
            now_ms,
        ) {
            self.roll(info.first_offset, now_ms)?;
        }
        self.active.append(AppendBatch {
            bytes,
            largest_offset: info.last_offset,
            largest_timestamp: info.max_timestamp,
            offset_of_max_timestamp: info.offset_of_max_timestamp,
        })?;
        let mut producer_batches = Vec::new();
        for span in spans {
            let batch = batch_at(records, span)?;
            self.epochs
                .assign(batch.partition_leader_epoch(), batch.base_offset())?;
            if batch.has_producer_id() {
                producer_batches.push(producer_batch(&batch));
            }
        }
        let end_offset = self.log_end_offset();
        self.producer_state.update(&producer_batches, end_offset);
        self.unflushed_messages += info.records_count;
        if self.unflushed_messages >= self.config.flush_messages {
            self.flush(now_ms)?;
        }
        self.publish();
        Ok(info)
    }

    /// Seals the active segment and starts a new one at `max(expected_base, LEO)` (Kafka's
    /// `Log.roll`). The sealed segment is fsynced and the recovery point moves to the new base.
    pub fn roll(&mut self, expected_base: i64, now_ms: i64) -> Result<()> {
        let new_base = expected_base.max(self.log_end_offset());
        if self.active.size_bytes() == 0 && self.active.base_offset() == new_base {
            return Ok(());
        }
        let started = std::time::Instant::now();
        // Every fallible step comes before the swap, so a failure leaves the log as it was.
        self.active.prepare_seal()?;
        let fresh = ActiveSegment::create(&self.dir, new_base, &self.config, now_ms)?;
        let previous = std::mem::replace(&mut self.active, fresh);
        self.sealed.push(previous.into_sealed());
        self.refresh_sealed_views();
        self.publish();
        log::info!(
            "[Log partition={}, dir={}] Rolled new log segment at offset {new_base} in {} ms.",
            self.name,
            self.dir.display(),
            started.elapsed().as_millis()
        );
        // Kafka flushes the previous segment right after a roll and then moves the recovery
        // point; it is done here synchronously (page cache writeback has usually done most).
        if let Some(sealed) = self.sealed.last() {
            sealed.flush()?;
        }
        self.recovery_point = self.recovery_point.max(new_base);
        // Kafka snapshots the producer state at every roll, so that recovery replays at most
        // the active segment.
        self.producer_state.update(&[], new_base);
        self.producer_state.take_snapshot()?;
        Ok(())
    }

    fn corrupt(&self, reason: String) -> LogError {
        LogError::CorruptRecord {
            partition: self.name.to_string(),
            reason,
        }
    }
}

/// The producer fields of a batch, with its current offsets.
fn producer_batch(batch: &RecordBatch<'_>) -> ProducerBatch {
    ProducerBatch {
        producer_id: batch.producer_id(),
        producer_epoch: batch.producer_epoch(),
        base_sequence: batch.base_sequence(),
        first_offset: batch.base_offset(),
        last_offset: batch.last_offset(),
        max_timestamp: batch.max_timestamp(),
        is_transactional: batch.is_transactional(),
        is_control: batch.is_control(),
    }
}

/// The batch of a span that `analyze` already parsed (the in-place rewrites keep its shape).
fn batch_at<'a>(records: &'a [u8], span: &BatchSpan) -> Result<RecordBatch<'a>> {
    RecordBatch::new(&records[span.start..span.start + span.len]).map_err(|e| {
        LogError::CorruptRecord {
            partition: String::new(),
            reason: e.to_string(),
        }
    })
}
