//! Reads over an immutable snapshot of a log (Kafka's `Log.read` and the timestamp search).
//!
//! A fetch finds the segment holding the start offset by binary search over base offsets,
//! then the offset index, then a short header scan, and returns a file region of that one
//! segment (Kafka never fills a fetch across segments; the client asks again).

use std::sync::Arc;

use crate::error::{LogError, Result};
use crate::segment::{FileRegion, SegmentView, TimestampAndOffset};

/// Where an offset lives: Kafka's `LogOffsetMetadata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOffsetMetadata {
    /// The offset.
    pub message_offset: i64,
    /// Base offset of the segment holding it.
    pub segment_base_offset: i64,
    /// Byte position of its batch in that segment.
    pub relative_position_in_segment: u64,
}

/// Result of a log read: a region to sendfile (none when there is nothing to return).
#[derive(Debug, Clone)]
pub struct FetchDataInfo {
    /// Where the read started.
    pub fetch_offset_metadata: LogOffsetMetadata,
    /// The bytes, starting at the batch containing the fetch offset.
    pub records: Option<FileRegion>,
    /// The byte limit cut the first batch (only when `min_one_message` was false).
    pub first_entry_incomplete: bool,
}

impl FetchDataInfo {
    /// Bytes returned.
    pub fn size_bytes(&self) -> u64 {
        self.records.as_ref().map_or(0, |r| r.length)
    }

    fn empty(metadata: LogOffsetMetadata) -> FetchDataInfo {
        FetchDataInfo {
            fetch_offset_metadata: metadata,
            records: None,
            first_entry_incomplete: false,
        }
    }
}

/// The log as of one instant, safe to read from any thread.
#[derive(Debug)]
pub struct LogSnapshot {
    /// `topic-partition`, for errors.
    name: Arc<str>,
    /// Sealed segments, ascending base offsets.
    sealed: Arc<Vec<SegmentView>>,
    /// The active segment, with the size at snapshot time.
    active: SegmentView,
    /// First offset held.
    log_start_offset: i64,
}

impl LogSnapshot {
    pub(super) fn new(
        name: Arc<str>,
        sealed: Arc<Vec<SegmentView>>,
        active: SegmentView,
        log_start_offset: i64,
    ) -> LogSnapshot {
        LogSnapshot {
            name,
            sealed,
            active,
            log_start_offset,
        }
    }

    /// First offset held.
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// Next offset to be written.
    pub fn log_end_offset(&self) -> i64 {
        self.active.next_offset
    }

    /// Every segment view, oldest first.
    pub fn segments(&self) -> impl Iterator<Item = &SegmentView> {
        self.sealed.iter().chain(std::iter::once(&self.active))
    }

    /// Segment `n` (0 = oldest).
    fn segment(&self, n: usize) -> Option<&SegmentView> {
        if n < self.sealed.len() {
            self.sealed.get(n)
        } else if n == self.sealed.len() {
            Some(&self.active)
        } else {
            None
        }
    }

    /// Index of the segment whose base offset is the greatest one <= `offset`.
    fn floor_segment(&self, offset: i64) -> Option<usize> {
        if offset >= self.active.base_offset() {
            return Some(self.sealed.len());
        }
        self.sealed
            .partition_point(|s| s.base_offset() <= offset)
            .checked_sub(1)
    }

    /// Where `offset` lives; for the log end offset, the end of the active segment.
    pub fn offset_metadata(&self, offset: i64) -> Result<LogOffsetMetadata> {
        let out_of_range = || self.out_of_range(offset);
        if offset == self.log_end_offset() {
            return Ok(LogOffsetMetadata {
                message_offset: offset,
                segment_base_offset: self.active.base_offset(),
                relative_position_in_segment: self.active.size_bytes,
            });
        }
        let mut n = self.floor_segment(offset).ok_or_else(out_of_range)?;
        while let Some(segment) = self.segment(n) {
            if let Some(header) = segment.translate_offset(offset)? {
                return Ok(LogOffsetMetadata {
                    message_offset: offset,
                    segment_base_offset: segment.base_offset(),
                    relative_position_in_segment: header.position,
                });
            }
            n += 1;
        }
        Err(out_of_range())
    }

    /// Reads from `start_offset` (Kafka's `Log.read`): at most `max_bytes` (at least the first
    /// batch when `min_one_message`), never beyond `max_offset` (the high watermark for
    /// consumers, the log end offset for followers). Offsets outside
    /// `[log_start_offset, log_end_offset]` are OFFSET_OUT_OF_RANGE.
    pub fn read(
        &self,
        start_offset: i64,
        max_bytes: usize,
        max_offset: i64,
        min_one_message: bool,
    ) -> Result<FetchDataInfo> {
        let end = self.log_end_offset();
        if start_offset == end {
            return Ok(FetchDataInfo::empty(self.offset_metadata(end)?));
        }
        if start_offset > end || start_offset < self.log_start_offset {
            return Err(self.out_of_range(start_offset));
        }
        let max_offset = max_offset.min(end);
        if start_offset >= max_offset {
            return Ok(FetchDataInfo::empty(self.offset_metadata(start_offset)?));
        }
        let limit = self.offset_metadata(max_offset)?;
        let mut n = self
            .floor_segment(start_offset)
            .ok_or_else(|| self.out_of_range(start_offset))?;
        while let Some(segment) = self.segment(n) {
            if segment.base_offset() > limit.segment_base_offset {
                break;
            }
            let max_position = if segment.base_offset() == limit.segment_base_offset {
                limit.relative_position_in_segment
            } else {
                segment.size_bytes
            };
            if let Some(slice) =
                segment.read(start_offset, max_bytes, max_position, min_one_message)?
            {
                let metadata = LogOffsetMetadata {
                    message_offset: start_offset,
                    segment_base_offset: slice.segment_base_offset,
                    relative_position_in_segment: slice.position,
                };
                let records = (slice.region.length > 0).then_some(slice.region);
                return Ok(FetchDataInfo {
                    fetch_offset_metadata: metadata,
                    records,
                    first_entry_incomplete: slice.first_entry_incomplete,
                });
            }
            n += 1;
        }
        Ok(FetchDataInfo::empty(self.offset_metadata(end)?))
    }

    /// The first record with timestamp >= `target` at or after the log start offset, searching
    /// the first segment whose largest timestamp reaches `target`.
    pub fn offset_for_timestamp(&self, target: i64) -> Result<Option<TimestampAndOffset>> {
        for segment in self.segments() {
            if segment.max_timestamp >= target {
                return segment.find_offset_by_timestamp(target, self.log_start_offset);
            }
        }
        Ok(None)
    }

    /// ListOffsets v0 (Kafka's `legacyFetchOffsetsBefore`): up to `max_num_offsets` offsets,
    /// newest first, from the segment base offsets (clamped to the log start offset) plus the
    /// log end offset when the active segment holds data, starting at the last candidate whose
    /// segment file was modified at or before `timestamp` (-1 latest, -2 earliest).
    pub fn legacy_offsets_before(
        &self,
        timestamp: i64,
        max_num_offsets: usize,
        now_ms: i64,
    ) -> Vec<i64> {
        let mut candidates: Vec<(i64, i64)> = self
            .segments()
            .map(|s| {
                let offset = s.base_offset().max(self.log_start_offset);
                (offset, s.files.last_modified_ms())
            })
            .collect();
        if self.active.size_bytes > 0 {
            candidates.push((self.log_end_offset(), now_ms));
        }
        let start = match timestamp {
            super::LATEST_TIMESTAMP => candidates.len().checked_sub(1),
            super::EARLIEST_TIMESTAMP => (!candidates.is_empty()).then_some(0),
            _ => candidates
                .iter()
                .rposition(|(_, modified_ms)| *modified_ms <= timestamp),
        };
        let Some(start) = start else {
            return Vec::new();
        };
        let mut offsets: Vec<i64> = candidates[..=start]
            .iter()
            .rev()
            .take(max_num_offsets)
            .map(|(offset, _)| *offset)
            .collect();
        offsets.sort_unstable_by(|a, b| b.cmp(a));
        offsets
    }

    fn out_of_range(&self, offset: i64) -> LogError {
        LogError::OffsetOutOfRange {
            offset,
            partition: self.name.to_string(),
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset(),
        }
    }
}
