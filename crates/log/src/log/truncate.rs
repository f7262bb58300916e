//! Truncation, for replication (kafka-2.4.md §3.5): cut the log back to an offset, or drop
//! everything and restart at a new offset.

use super::{wall_clock_ms, Log, PendingDeletion};
use crate::error::{LogError, Result};
use crate::segment::{ActiveSegment, SealedSegment};

impl Log {
    /// Removes every batch at or after the one containing `target_offset` (Kafka's
    /// `Log.truncateTo`). Returns false when the log already ends at or before it.
    pub fn truncate_to(&mut self, target_offset: i64) -> Result<bool> {
        if target_offset < 0 {
            return Err(LogError::OffsetOutOfRange {
                offset: target_offset,
                partition: self.name.to_string(),
                log_start_offset: self.log_start_offset,
                log_end_offset: self.log_end_offset(),
            });
        }
        if target_offset >= self.log_end_offset() {
            return Ok(false);
        }
        let first_base = self
            .sealed
            .first()
            .map_or(self.active.base_offset(), SealedSegment::base_offset);
        if first_base > target_offset {
            self.truncate_fully_and_start_at(target_offset)?;
            return Ok(true);
        }
        log::info!(
            "[Log partition={}] Truncating to offset {target_offset}",
            self.name
        );
        let now_ms = wall_clock_ms();
        if self.active.base_offset() > target_offset {
            self.delete_active_and_reactivate_below(target_offset, now_ms)?;
        }
        self.active.truncate_to(target_offset, now_ms)?;
        // A target inside a batch removes the whole batch: the log may now end below it.
        self.epochs.truncate_from_end(self.log_end_offset())?;
        // Kafka lowers the start to the target; the data may end below the target when the
        // target was inside a batch, and the start must never pass the end.
        self.log_start_offset = self.log_start_offset.min(self.log_end_offset());
        self.recovery_point = self.recovery_point.min(self.log_end_offset());
        self.refresh_sealed_views();
        self.publish();
        // Kafka's `truncateTo` reloads producer state from the snapshots below the new end.
        self.reload_producer_state()?;
        Ok(true)
    }

    /// Drops the active segment and every sealed segment above `target_offset`, and makes the
    /// sealed segment holding it active again.
    fn delete_active_and_reactivate_below(
        &mut self,
        target_offset: i64,
        now_ms: i64,
    ) -> Result<()> {
        let keep = self
            .sealed
            .partition_point(|s| s.base_offset() <= target_offset);
        let removed: Vec<SealedSegment> = self.sealed.drain(keep..).collect();
        let Some(reactivated) = self.sealed.pop() else {
            return Err(LogError::OffsetOutOfRange {
                offset: target_offset,
                partition: self.name.to_string(),
                log_start_offset: self.log_start_offset,
                log_end_offset: self.log_end_offset(),
            });
        };
        let new_active = reactivated.into_active(&self.config, now_ms)?;
        let old_active = std::mem::replace(&mut self.active, new_active);
        let mut paths = old_active.rename_for_deletion()?;
        for segment in &removed {
            paths.extend(segment.rename_for_deletion()?);
        }
        self.schedule_deletion(paths, now_ms);
        Ok(())
    }

    /// Deletes every segment and starts an empty log at `new_offset` (Kafka's
    /// `truncateFullyAndStartAt`); the epoch cache is cleared.
    pub fn truncate_fully_and_start_at(&mut self, new_offset: i64) -> Result<()> {
        log::info!(
            "[Log partition={}] Truncating fully and starting at offset {new_offset}",
            self.name
        );
        let now_ms = wall_clock_ms();
        let mut paths = Vec::new();
        for segment in self.sealed.drain(..) {
            paths.extend(segment.rename_for_deletion()?);
        }
        paths.extend(self.active.rename_for_deletion()?);
        self.active = ActiveSegment::create(&self.dir, new_offset, &self.config, now_ms)?;
        self.schedule_deletion(paths, now_ms);
        self.epochs.clear()?;
        self.log_start_offset = new_offset;
        self.recovery_point = new_offset;
        self.refresh_sealed_views();
        self.publish();
        self.reload_producer_state()?;
        Ok(())
    }

    /// Queues renamed files for removal after `file.delete.delay.ms`.
    pub(super) fn schedule_deletion(&mut self, paths: Vec<std::path::PathBuf>, now_ms: i64) {
        if !paths.is_empty() {
            self.pending_deletions.push(PendingDeletion {
                paths,
                delete_after_ms: now_ms.saturating_add(self.config.file_delete_delay_ms),
            });
        }
    }

    /// Removes `.deleted` files whose delay has passed by `now_ms`; returns how many files.
    /// A file that cannot be removed stays queued and the first such error is returned.
    pub fn delete_expired_files(&mut self, now_ms: i64) -> Result<usize> {
        let mut removed = 0;
        let mut first_error = None;
        for pending in &mut self.pending_deletions {
            if pending.delete_after_ms > now_ms {
                continue;
            }
            pending
                .paths
                .retain(|path| match std::fs::remove_file(path) {
                    Ok(()) => {
                        removed += 1;
                        false
                    }
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
                    Err(err) => {
                        first_error.get_or_insert_with(|| LogError::storage(path, err));
                        true
                    }
                });
        }
        self.pending_deletions.retain(|p| !p.paths.is_empty());
        match first_error {
            Some(err) => Err(err),
            None => Ok(removed),
        }
    }
}
