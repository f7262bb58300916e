//! Retention and the log start offset (kafka-2.4.md §4.8): deleting whole segments by
//! `retention.ms`, `retention.bytes` and DeleteRecords (log start offset).
//!
//! Candidates are taken oldest first and the run stops at the first segment that does not
//! qualify. A segment qualifies only when everything in it is below the high watermark
//! (its successor's base offset, or the LEO for the last one, is <= HW), and an empty last
//! segment is never deleted. Deleting every segment first rolls a new empty one. Deleted
//! segments are renamed `.deleted` and removed by [`Log::delete_expired_files`].

use super::{wall_clock_ms, Log};
use crate::error::{LogError, Result};

/// Facts about one segment that the retention predicates look at.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// `.log` size.
    size_bytes: u64,
    /// Largest record timestamp, else mtime.
    largest_timestamp: i64,
    /// Base offset of the next segment; the LEO for the last segment.
    upper_bound_offset: i64,
    /// Last segment and empty: never deleted.
    last_and_empty: bool,
    /// A later segment exists (the log start offset rule needs one).
    has_next: bool,
}

impl Log {
    /// One retention run (Kafka's `deleteOldSegments`); returns the number of segments deleted.
    pub fn delete_old_segments(&mut self, high_watermark: i64, now_ms: i64) -> Result<usize> {
        let mut deleted = 0;
        if self.config.delete_enabled() {
            deleted += self.delete_retention_ms_breached(high_watermark, now_ms)?;
            deleted += self.delete_retention_size_breached(high_watermark, now_ms)?;
        }
        deleted += self.delete_log_start_offset_breached(high_watermark, now_ms)?;
        Ok(deleted)
    }

    /// DeleteRecords: moves the log start offset up to `new_start_offset` (never beyond the
    /// high watermark) and deletes segments wholly below it. Returns the new log start offset.
    pub fn increment_log_start_offset(
        &mut self,
        new_start_offset: i64,
        high_watermark: i64,
    ) -> Result<i64> {
        if new_start_offset > high_watermark || new_start_offset > self.log_end_offset() {
            return Err(LogError::OffsetOutOfRange {
                offset: new_start_offset,
                partition: self.name.to_string(),
                log_start_offset: self.log_start_offset,
                log_end_offset: self.log_end_offset(),
            });
        }
        if new_start_offset > self.log_start_offset {
            log::info!(
                "[Log partition={}] Incrementing log start offset to {new_start_offset}",
                self.name
            );
            self.log_start_offset = new_start_offset;
            self.recovery_point = self.recovery_point.max(new_start_offset);
            self.epochs.truncate_from_start(new_start_offset)?;
            self.publish();
        }
        self.delete_log_start_offset_breached(high_watermark, wall_clock_ms())?;
        self.producer_state.truncate_head(self.log_start_offset)?;
        Ok(self.log_start_offset)
    }

    fn delete_retention_ms_breached(&mut self, high_watermark: i64, now_ms: i64) -> Result<usize> {
        let retention_ms = self.config.retention_ms;
        if retention_ms < 0 {
            return Ok(0);
        }
        self.delete_segments_while(high_watermark, now_ms, "retention time", |segment| {
            now_ms.saturating_sub(segment.largest_timestamp) > retention_ms
        })
    }

    fn delete_retention_size_breached(
        &mut self,
        high_watermark: i64,
        now_ms: i64,
    ) -> Result<usize> {
        let retention_bytes = self.config.retention_bytes;
        let size = self.size_bytes() as i64;
        if retention_bytes < 0 || size < retention_bytes {
            return Ok(0);
        }
        let mut excess_bytes = size - retention_bytes;
        self.delete_segments_while(high_watermark, now_ms, "retention size", move |segment| {
            let segment_bytes = segment.size_bytes as i64;
            if excess_bytes - segment_bytes >= 0 {
                excess_bytes -= segment_bytes;
                true
            } else {
                false
            }
        })
    }

    fn delete_log_start_offset_breached(
        &mut self,
        high_watermark: i64,
        now_ms: i64,
    ) -> Result<usize> {
        let log_start_offset = self.log_start_offset;
        self.delete_segments_while(high_watermark, now_ms, "log start offset", |segment| {
            segment.has_next && segment.upper_bound_offset <= log_start_offset
        })
    }

    /// Deletes the longest prefix of segments satisfying `predicate` (Kafka's
    /// `deletableSegments` + `deleteSegments`).
    fn delete_segments_while(
        &mut self,
        high_watermark: i64,
        now_ms: i64,
        reason: &str,
        mut predicate: impl FnMut(&Candidate) -> bool,
    ) -> Result<usize> {
        let candidates = self.candidates();
        let deletable = candidates
            .iter()
            .take_while(|c| {
                high_watermark >= c.upper_bound_offset && !c.last_and_empty && predicate(c)
            })
            .count();
        if deletable == 0 {
            return Ok(0);
        }
        if deletable == candidates.len() {
            // Kafka always keeps one segment: roll an empty one at the LEO first.
            let end = self.log_end_offset();
            self.roll(end, now_ms)?;
        }
        let mut paths = Vec::new();
        for segment in self.sealed.drain(..deletable) {
            log::info!(
                "[Log partition={}] Deleting segment {} due to {reason} breach",
                self.name,
                segment.base_offset()
            );
            paths.extend(segment.rename_for_deletion()?);
        }
        self.schedule_deletion(paths, now_ms);
        let first_base = self
            .sealed
            .first()
            .map_or(self.active.base_offset(), |s| s.base_offset());
        if first_base > self.log_start_offset {
            self.log_start_offset = first_base;
            self.recovery_point = self.recovery_point.max(first_base);
            self.epochs.truncate_from_start(first_base)?;
            self.producer_state.truncate_head(first_base)?;
        }
        self.refresh_sealed_views();
        self.publish();
        Ok(deletable)
    }

    /// Every segment, oldest first, as retention sees it.
    fn candidates(&self) -> Vec<Candidate> {
        let mut out = Vec::with_capacity(self.sealed.len() + 1);
        for (n, segment) in self.sealed.iter().enumerate() {
            let upper_bound_offset = self
                .sealed
                .get(n + 1)
                .map_or(self.active.base_offset(), |next| next.base_offset());
            out.push(Candidate {
                size_bytes: segment.size_bytes(),
                largest_timestamp: segment.largest_timestamp(),
                upper_bound_offset,
                last_and_empty: false,
                has_next: true,
            });
        }
        out.push(Candidate {
            size_bytes: self.active.size_bytes(),
            largest_timestamp: self.active.largest_timestamp(),
            upper_bound_offset: self.log_end_offset(),
            last_and_empty: self.active.size_bytes() == 0,
            has_next: false,
        });
        out
    }
}
