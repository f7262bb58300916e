//! Read-side lookups on a segment snapshot (`SegmentView`): offset → file position, fetch
//! slices for sendfile, and the timestamp search behind ListOffsets.
//!
//! Everything here takes `&self` and works on the size captured in the view, so it can run
//! concurrently with appends to the same segment.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use gregor_protocol::records::{RecordBatch, TimestampType};

use super::scan::{BatchHeader, HeaderScan};
use super::SegmentView;
use crate::error::{LogError, Result};

/// Upper bound on decompressed records when a timestamp search must look inside a batch.
const MAX_DECOMPRESSED_BYTES: usize = 64 * 1024 * 1024;

/// A byte range of a segment file, sent with sendfile without copying.
#[derive(Debug, Clone)]
pub struct FileRegion {
    /// The segment's `.log` file (kept open even if the segment is deleted meanwhile).
    pub file: Arc<File>,
    /// First byte.
    pub position: u64,
    /// Number of bytes.
    pub length: u64,
}

impl FileRegion {
    /// Copies the region into memory (tests, tools and down-conversion only).
    pub fn read_to_vec(&self) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0u8; self.length as usize];
        self.file.read_exact_at(&mut bytes, self.position)?;
        Ok(bytes)
    }
}

/// Result of a read inside one segment.
#[derive(Debug, Clone)]
pub struct FetchSlice {
    /// Base offset of the segment read.
    pub segment_base_offset: i64,
    /// Position of the first returned batch (the one containing the start offset).
    pub position: u64,
    /// The bytes to send; may end inside a batch when cut by the byte limit, as Kafka does.
    pub region: FileRegion,
    /// True when the limit was smaller than the first batch (`min_one_message` was false).
    pub first_entry_incomplete: bool,
}

/// A ListOffsets answer: the first record at or after a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampAndOffset {
    /// The record's timestamp.
    pub timestamp: i64,
    /// The record's offset.
    pub offset: i64,
    /// Epoch of the batch holding it, when known.
    pub leader_epoch: Option<i32>,
}

impl SegmentView {
    /// The first batch whose last offset is >= `offset`, scanning from the offset index entry
    /// (Kafka's `translateOffset`); `None` when the offset is beyond this segment.
    pub fn translate_offset(&self, offset: i64) -> Result<Option<BatchHeader>> {
        let start = u64::from(self.files.offset_index().lookup(offset).position);
        self.scan_from(start, |header| header.last_offset >= offset)
    }

    /// Byte position where `offset` starts (or would start): the batch containing it, else the
    /// segment's end.
    pub fn position_of(&self, offset: i64) -> Result<u64> {
        Ok(self
            .translate_offset(offset)?
            .map_or(self.size_bytes, |header| header.position))
    }

    /// Reads from the batch containing `start_offset`, at most `max_bytes` (or the whole first
    /// batch when `min_one_message`), never past `max_position`. `None` when the offset is
    /// beyond this segment.
    pub fn read(
        &self,
        start_offset: i64,
        max_bytes: usize,
        max_position: u64,
        min_one_message: bool,
    ) -> Result<Option<FetchSlice>> {
        let Some(first) = self.translate_offset(start_offset)? else {
            return Ok(None);
        };
        let first_size = u64::from(first.size_bytes);
        let limit = if min_one_message {
            (max_bytes as u64).max(first_size)
        } else {
            max_bytes as u64
        };
        let length = limit.min(max_position.saturating_sub(first.position));
        Ok(Some(FetchSlice {
            segment_base_offset: self.base_offset(),
            position: first.position,
            region: FileRegion {
                file: Arc::clone(&self.files.log),
                position: first.position,
                length,
            },
            first_entry_incomplete: limit < first_size,
        }))
    }

    /// The first record with timestamp >= `target` and offset >= `start_offset` (Kafka's
    /// `LogSegment.findOffsetByTimestamp`).
    pub fn find_offset_by_timestamp(
        &self,
        target: i64,
        start_offset: i64,
    ) -> Result<Option<TimestampAndOffset>> {
        let indexed = self.files.time_index().lookup(target);
        let start_position = u64::from(
            self.files
                .offset_index()
                .lookup(indexed.offset.max(start_offset))
                .position,
        );
        let mut scan = HeaderScan::new(&self.files.log, start_position, self.size_bytes);
        for header in scan.by_ref() {
            let header = header.map_err(|e| self.io_error(e))?;
            if header.max_timestamp < target || header.last_offset < start_offset {
                continue;
            }
            if let Some(found) = self.search_batch(&header, target, start_offset)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Looks inside one batch for the first record matching the timestamp search.
    fn search_batch(
        &self,
        header: &BatchHeader,
        target: i64,
        start_offset: i64,
    ) -> Result<Option<TimestampAndOffset>> {
        let mut bytes = vec![0u8; header.size_bytes as usize];
        self.files
            .log
            .read_exact_at(&mut bytes, header.position)
            .map_err(|e| self.io_error(e))?;
        let corrupt = |reason: String| LogError::CorruptRecord {
            partition: self.files.log_path().display().to_string(),
            reason,
        };
        let batch = RecordBatch::new(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let epoch = batch.partition_leader_epoch();
        let leader_epoch = (epoch >= 0).then_some(epoch);
        let log_append_time = batch.timestamp_type() == TimestampType::LogAppendTime;
        let records = batch
            .records(MAX_DECOMPRESSED_BYTES)
            .map_err(|e| corrupt(e.to_string()))?;
        for record in records.iter() {
            let record = record.map_err(|e| corrupt(e.to_string()))?;
            let timestamp = if log_append_time {
                batch.max_timestamp()
            } else {
                record.timestamp
            };
            if timestamp >= target && record.offset >= start_offset {
                return Ok(Some(TimestampAndOffset {
                    timestamp,
                    offset: record.offset,
                    leader_epoch,
                }));
            }
        }
        Ok(None)
    }

    /// First header from `start` on that satisfies `wanted`.
    pub(crate) fn scan_from(
        &self,
        start: u64,
        wanted: impl Fn(&BatchHeader) -> bool,
    ) -> Result<Option<BatchHeader>> {
        for header in HeaderScan::new(&self.files.log, start, self.size_bytes) {
            let header = header.map_err(|e| self.io_error(e))?;
            if wanted(&header) {
                return Ok(Some(header));
            }
        }
        Ok(None)
    }

    fn io_error(&self, source: std::io::Error) -> LogError {
        LogError::storage(self.files.log_path(), source)
    }
}
