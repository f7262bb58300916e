//! The checks a Kafka 2.4.1 leader makes on a magic-2 batch before appending it
//! (`DefaultRecordBatch.ensureValid` + `LogValidator.validateBatch` / `validateRecord`).
//!
//! Topic policy comes in through [`ValidateOptions`] (`max.message.bytes`,
//! `message.timestamp.difference.max.ms`, compacted topics needing keys); the zstd-vs-request
//! version rule and the single-batch rule of Produce v3+ are in [`produce_batch`].

use super::batch::{RecordBatch, TimestampType, NO_TIMESTAMP};
use super::compression::{Compression, DEFAULT_MAX_DECOMPRESSED_BYTES};
use super::error::RecordsError;
use super::record::Record;

/// What to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateOptions {
    /// The batch comes from a client's Produce (not a follower fetch): apply the client-only rules
    /// (offset range matches the count, count > 0, sequence set for idempotent producers, no
    /// control batches).
    pub from_client: bool,
    /// Require offset deltas 0, 1, 2, ... (what every client writes). Kafka 2.4.1 re-compresses a
    /// compressed batch whose deltas are not, and keeps an uncompressed one as is; Gregor appends
    /// in place only, so it rejects such batches instead.
    pub require_sequential_offset_deltas: bool,
    /// Upper bound on the decompressed size of a compressed batch.
    pub max_decompressed_bytes: usize,
    /// The topic's `max.message.bytes`: larger batches are MESSAGE_TOO_LARGE. `None` = no check.
    pub max_message_bytes: Option<usize>,
    /// The topic is compacted (`cleanup.policy=compact`): every record needs a key.
    pub require_keys: bool,
    /// For CreateTime topics: the clock and `message.timestamp.difference.max.ms`; a record
    /// timestamp (other than -1) further than that from `now_ms` is INVALID_TIMESTAMP.
    pub timestamp_check: Option<TimestampCheck>,
}

/// The leader's clock check of record timestamps (`LogValidator.validateTimestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampCheck {
    /// The broker's current time.
    pub now_ms: i64,
    /// The topic's `message.timestamp.difference.max.ms`.
    pub difference_max_ms: i64,
}

impl Default for ValidateOptions {
    /// A client's Produce with the default 64 MiB decompression bound.
    fn default() -> Self {
        ValidateOptions {
            from_client: true,
            require_sequential_offset_deltas: true,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_message_bytes: None,
            require_keys: false,
            timestamp_check: None,
        }
    }
}

/// Facts learnt while validating, for the caller's policy checks and offset assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatedBatch {
    /// Records present (equal to the header's count).
    pub records_count: i32,
    /// Smallest record timestamp, -1 (NO_TIMESTAMP) ignored; -1 when there is none.
    pub min_timestamp: i64,
    /// Largest record timestamp (-1 when none): what the leader stores as max timestamp.
    pub max_timestamp: i64,
    /// Offset delta of the record with the largest timestamp (first one on ties), -1 when none.
    pub offset_delta_of_max_timestamp: i32,
    /// Some record has a null key (rejected by the broker for compacted topics).
    pub has_null_key: bool,
    /// Whether the offset deltas are exactly 0..count-1.
    pub offset_deltas_sequential: bool,
    /// Size of the encoded records after decompression.
    pub uncompressed_bytes: usize,
}

/// Validates a batch fully: header, CRC-32C, codec, every record's structure and the count.
pub fn validate(
    batch: &RecordBatch<'_>,
    options: &ValidateOptions,
) -> Result<ValidatedBatch, RecordsError> {
    if let Some(max_message_bytes) = options.max_message_bytes {
        if batch.size_in_bytes() > max_message_bytes {
            return Err(RecordsError::MessageTooLarge {
                size: batch.size_in_bytes(),
                max_message_bytes,
            });
        }
    }
    batch.ensure_valid()?;
    validate_batch_header(batch, options.from_client)?;
    let records = batch.records(options.max_decompressed_bytes)?;
    let mut summary = ValidatedBatch {
        records_count: 0,
        min_timestamp: NO_TIMESTAMP,
        max_timestamp: NO_TIMESTAMP,
        offset_delta_of_max_timestamp: -1,
        has_null_key: false,
        offset_deltas_sequential: true,
        uncompressed_bytes: records.uncompressed_bytes(),
    };
    for record in records.iter() {
        let record = record?;
        if record.offset_delta != summary.records_count {
            summary.offset_deltas_sequential = false;
        }
        if record.key.is_none() {
            if options.require_keys {
                return Err(RecordsError::InvalidRecord(
                    "compacted topic cannot accept message without key".to_string(),
                ));
            }
            summary.has_null_key = true;
        }
        check_timestamp(&record, options.timestamp_check)?;
        if record.timestamp > summary.max_timestamp {
            summary.max_timestamp = record.timestamp;
            summary.offset_delta_of_max_timestamp = record.offset_delta;
        }
        if record.timestamp != NO_TIMESTAMP
            && (summary.min_timestamp == NO_TIMESTAMP || record.timestamp < summary.min_timestamp)
        {
            summary.min_timestamp = record.timestamp;
        }
        summary.records_count += 1;
    }
    if options.require_sequential_offset_deltas && !summary.offset_deltas_sequential {
        return Err(RecordsError::InvalidRecord(
            "record offset deltas are not 0, 1, 2, ... inside the batch".to_string(),
        ));
    }
    if summary.records_count > 0 && summary.offset_deltas_sequential {
        let last_delta = summary.records_count - 1;
        if options.from_client && batch.last_offset_delta() != last_delta {
            return Err(RecordsError::InvalidBatch(format!(
                "last offset delta {} but the last record has delta {last_delta}",
                batch.last_offset_delta()
            )));
        }
    }
    Ok(summary)
}

/// `LogValidator.validateTimestamp` for one record.
fn check_timestamp(record: &Record<'_>, check: Option<TimestampCheck>) -> Result<(), RecordsError> {
    let Some(TimestampCheck {
        now_ms,
        difference_max_ms,
    }) = check
    else {
        return Ok(());
    };
    if record.timestamp != NO_TIMESTAMP
        && record.timestamp.abs_diff(now_ms) > difference_max_ms.unsigned_abs()
    {
        return Err(RecordsError::InvalidTimestamp {
            timestamp: record.timestamp,
            offset: record.offset,
            now_ms,
            difference_max_ms,
        });
    }
    Ok(())
}

/// `LogValidator.validateBatch`: header-only rules.
fn validate_batch_header(batch: &RecordBatch<'_>, from_client: bool) -> Result<(), RecordsError> {
    batch.compression()?;
    if from_client {
        // Log.analyzeAndValidateRecords: clients always write base offset 0 in v2.
        if batch.base_offset() != 0 {
            return Err(RecordsError::InvalidBatch(format!(
                "the baseOffset of the record batch should be 0, but it is {}",
                batch.base_offset()
            )));
        }
        let count_from_offsets = i64::from(batch.last_offset_delta()) + 1;
        if count_from_offsets <= 0 {
            return Err(RecordsError::InvalidBatch(format!(
                "batch has an invalid offset range: [{}, {}]",
                batch.base_offset(),
                batch.last_offset()
            )));
        }
        let count = batch.records_count();
        if count <= 0 {
            return Err(RecordsError::InvalidBatch(format!(
                "invalid reported count for record batch: {count}"
            )));
        }
        if count_from_offsets != i64::from(count) {
            return Err(RecordsError::InvalidBatch(format!(
                "inconsistent batch offset range [{}, {}] and count of records {count}",
                batch.base_offset(),
                batch.last_offset()
            )));
        }
        if batch.has_producer_id() && batch.base_sequence() < 0 {
            return Err(RecordsError::InvalidBatch(format!(
                "invalid sequence number {} in record batch with producerId {}",
                batch.base_sequence(),
                batch.producer_id()
            )));
        }
        if batch.is_control() {
            return Err(RecordsError::InvalidBatch(
                "clients are not allowed to write control records".to_string(),
            ));
        }
        if batch.timestamp_type() == TimestampType::LogAppendTime {
            return Err(RecordsError::LogAppendTimeFromProducer);
        }
    }
    if batch.is_transactional() && !batch.has_producer_id() {
        return Err(RecordsError::InvalidBatch(
            "cannot write transactional messages without a valid producer ID".to_string(),
        ));
    }
    Ok(())
}

/// `ProduceRequest.validateRecords` for Produce v3+: the partition's records must be exactly one
/// magic-2 batch, and zstd needs v7+. Produce v0–2 carry legacy sets and are not checked here.
pub fn produce_batch(
    records: &[u8],
    produce_version: i16,
) -> Result<RecordBatch<'_>, RecordsError> {
    let invalid = |what: &str| {
        RecordsError::InvalidProduceRecords(format!(
            "Produce requests with version {produce_version} {what}"
        ))
    };
    let mut entries = super::iter::entries(records);
    let first = match entries.next() {
        None => return Err(invalid("must have at least one record batch")),
        Some(entry) => entry?,
    };
    let super::iter::RecordSetEntry::V2(batch) = first else {
        return Err(invalid(
            "are only allowed to contain record batches with magic version 2",
        ));
    };
    if produce_version < 7 && batch.compression_id() == Compression::Zstd.id() {
        return Err(RecordsError::UnsupportedCompression(Compression::Zstd, 2));
    }
    if entries.next().is_some() || entries.partial_tail().is_some() {
        return Err(invalid(
            "are only allowed to contain exactly one record batch",
        ));
    }
    Ok(batch)
}
