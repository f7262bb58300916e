//! The log manager's periodic work and its clean shutdown.
//!
//! * `tick(now_ms)` runs the tasks that are due (see `schedule.rs`): retention, flushing logs
//!   past `flush.ms`, the recovery-point and log-start-offset checkpoints, and removal of
//!   `-delete` dirs and `.deleted` segment files whose delay passed. A failing log is logged
//!   and the others go on, as Kafka's scheduled tasks do.
//! * The checkpoint writers, also called directly (shutdown, deletion, the replica layer's
//!   high-watermark checkpoint).
//! * `shutdown`: flush and close every log (all dirs at once, `num.recovery.threads.per.data.dir`
//!   threads each), write the recovery points and log start offsets, create
//!   `.kafka_cleanshutdown` in each dir, then release the dir locks.

use std::sync::atomic::Ordering;

use parking_lot::Mutex;

use super::schedule::Task;
use super::{LogManager, ManagerError, SharedLog};
use crate::dir::{OffsetMap, TopicPartition};

impl LogManager {
    /// Runs every periodic task due at `now_ms`; returns the tasks that ran. Errors of single
    /// logs are logged, not returned, so one bad partition does not stop the others.
    pub fn tick(&self, now_ms: i64) -> Vec<Task> {
        if self.shut_down.load(Ordering::Acquire) {
            return Vec::new();
        }
        let due = self.schedule.lock().due(now_ms);
        for task in &due {
            let result = match task {
                Task::Retention => {
                    self.cleanup_logs(now_ms);
                    Ok(())
                }
                Task::Flush => {
                    self.flush_dirty_logs(now_ms);
                    Ok(())
                }
                Task::RecoveryPointCheckpoint => self.checkpoint_recovery_points(),
                Task::LogStartOffsetCheckpoint => self.checkpoint_log_start_offsets(),
                Task::DeleteLogs => self.delete_expired(now_ms),
            };
            if let Err(e) = result {
                ::log::error!("Error in log manager task {task:?}: {e}");
            }
        }
        due
    }

    /// Earliest time a periodic task is due.
    pub fn next_task_due_ms(&self) -> i64 {
        self.schedule.lock().next_due_ms()
    }

    /// One retention run over every log (Kafka's `cleanupLogs`); returns segments deleted.
    /// Segments at or above a log's high watermark are never deleted; a log whose high
    /// watermark the replica layer never reported uses its log end offset.
    pub fn cleanup_logs(&self, now_ms: i64) -> usize {
        let mut total = 0;
        for (tp, log) in self.all_logs() {
            let mut log = log.lock();
            let high_watermark = self.high_watermark_or(&tp, log.log_end_offset());
            match log.delete_old_segments(high_watermark, now_ms) {
                Ok(deleted) => total += deleted,
                Err(e) => ::log::error!("Error cleaning up log {tp}: {e}"),
            }
        }
        ::log::debug!("Log cleanup completed. {total} files deleted");
        total
    }

    /// fsyncs every log whose last flush is older than its `flush.ms` (default never).
    pub fn flush_dirty_logs(&self, now_ms: i64) {
        for (tp, log) in self.all_logs() {
            let mut log = log.lock();
            let since_flush_ms = now_ms.saturating_sub(log.last_flush_ms());
            if since_flush_ms >= log.config().flush_ms {
                if let Err(e) = log.flush(now_ms) {
                    ::log::error!("Error flushing topic {}: {e}", tp.topic);
                }
            }
        }
    }

    /// Writes `recovery-point-offset-checkpoint` in every dir.
    pub fn checkpoint_recovery_points(&self) -> Result<(), ManagerError> {
        (0..self.dirs.len()).try_for_each(|i| self.checkpoint_recovery_points_in(i))
    }

    /// Writes `log-start-offset-checkpoint` in every dir.
    pub fn checkpoint_log_start_offsets(&self) -> Result<(), ManagerError> {
        (0..self.dirs.len()).try_for_each(|i| self.checkpoint_log_start_offsets_in(i))
    }

    /// The replica layer's high-watermark checkpoint (`replication-offset-checkpoint`,
    /// every `replica.high.watermark.checkpoint.interval.ms`): remembers `high_watermarks`
    /// and writes, in each dir, the known high watermark of every log held there.
    pub fn checkpoint_high_watermarks(
        &self,
        high_watermarks: &OffsetMap,
    ) -> Result<(), ManagerError> {
        self.high_watermarks
            .lock()
            .extend(high_watermarks.iter().map(|(tp, hw)| (tp.clone(), *hw)));
        (0..self.dirs.len()).try_for_each(|i| self.write_high_watermarks_in(i))
    }

    /// High watermarks as last checkpointed (at start-up: read from every dir's
    /// `replication-offset-checkpoint`), for the replica layer to initialise partitions.
    pub fn high_watermarks(&self) -> OffsetMap {
        self.high_watermarks.lock().clone()
    }

    pub(super) fn checkpoint_recovery_points_in(
        &self,
        dir_index: usize,
    ) -> Result<(), ManagerError> {
        let points = self.collect(dir_index, |log| Some(log.recovery_point()));
        Ok(self.dirs[dir_index].write_recovery_points(&points)?)
    }

    pub(super) fn checkpoint_log_start_offsets_in(
        &self,
        dir_index: usize,
    ) -> Result<(), ManagerError> {
        // Kafka lists a log only when its start offset is above its first segment's base.
        let offsets = self.collect(dir_index, checkpointed_start_offset);
        Ok(self.dirs[dir_index].write_log_start_offsets(&offsets)?)
    }

    pub(super) fn write_high_watermarks_in(&self, dir_index: usize) -> Result<(), ManagerError> {
        let known = self.high_watermarks.lock().clone();
        let hws: OffsetMap = self
            .logs_in_dir(dir_index)
            .into_iter()
            .filter_map(|(tp, _)| known.get(&tp).map(|hw| (tp, *hw)))
            .collect();
        Ok(self.dirs[dir_index].write_high_watermarks(&hws)?)
    }

    /// One value per log of a dir, skipping logs for which `value` is `None`.
    fn collect(
        &self,
        dir_index: usize,
        value: impl Fn(&crate::log::Log) -> Option<i64>,
    ) -> OffsetMap {
        self.logs_in_dir(dir_index)
            .into_iter()
            .filter_map(|(tp, log)| value(&log.lock()).map(|v| (tp, v)))
            .collect()
    }

    fn high_watermark_or(&self, tp: &TopicPartition, log_end_offset: i64) -> i64 {
        let known = self.high_watermarks.lock().get(tp).copied();
        known.unwrap_or(log_end_offset).min(log_end_offset)
    }

    /// Removes `-delete` dirs and `.deleted` segment files whose delay has passed.
    pub fn delete_expired(&self, now_ms: i64) -> Result<(), ManagerError> {
        let expired: Vec<_> = {
            let mut pending = self.dirs_to_delete.lock();
            let (expired, waiting) = pending.drain(..).partition(|p| p.delete_after_ms <= now_ms);
            *pending = waiting;
            expired
        };
        for dir in expired {
            match std::fs::remove_dir_all(&dir.path) {
                Ok(()) => ::log::info!("Deleted log {}.", dir.path.display()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => ::log::error!("Exception while deleting {}: {e}", dir.path.display()),
            }
        }
        for (tp, log) in self.all_logs() {
            if let Err(e) = log.lock().delete_expired_files(now_ms) {
                ::log::error!("Error deleting expired segment files of {tp}: {e}");
            }
        }
        Ok(())
    }

    /// Clean shutdown (Kafka's `LogManager.shutdown`): in every dir at once, flush and close
    /// every log on `num.recovery.threads.per.data.dir` threads, then write the dir's recovery
    /// points and log start offsets and create `.kafka_cleanshutdown`; finally release every
    /// dir lock. Logs still shared elsewhere are closed in place. A dir whose logs failed to
    /// close gets no marker. Calling it twice is a no-op.
    pub fn shutdown(&self, now_ms: i64) -> Result<(), ManagerError> {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        ::log::info!("Shutting down.");
        let all = std::mem::take(&mut *self.logs.write());
        let mut by_dir: Vec<Vec<(TopicPartition, SharedLog)>> = vec![Vec::new(); self.dirs.len()];
        for (tp, managed) in all {
            by_dir[managed.dir_index].push((tp, managed.log));
        }
        let results: Vec<Result<(), ManagerError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = by_dir
                .into_iter()
                .enumerate()
                .map(|(dir_index, logs)| {
                    scope.spawn(move || self.shutdown_dir(dir_index, logs, now_ms))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut first_error = None;
        for (dir_index, result) in results.into_iter().enumerate() {
            if let Err(e) = result {
                ::log::error!(
                    "Error shutting down {}: {e}",
                    self.dir_path(dir_index).display()
                );
                first_error.get_or_insert(e);
            }
        }
        for dir in &self.dirs {
            dir.unlock();
        }
        ::log::info!("Shutdown complete.");
        first_error.map_or(Ok(()), Err)
    }

    fn shutdown_dir(
        &self,
        dir_index: usize,
        logs: Vec<(TopicPartition, SharedLog)>,
        now_ms: i64,
    ) -> Result<(), ManagerError> {
        let logs = Mutex::new(logs);
        let points = Mutex::new((OffsetMap::new(), OffsetMap::new()));
        let errors = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..self.config.num_recovery_threads_per_data_dir.max(1) {
                scope.spawn(|| loop {
                    let Some((tp, log)) = logs.lock().pop() else {
                        break;
                    };
                    let mut log = log.lock();
                    match log.close(now_ms) {
                        Ok(()) => {
                            let mut points = points.lock();
                            points.0.insert(tp.clone(), log.recovery_point());
                            if let Some(start) = checkpointed_start_offset(&log) {
                                points.1.insert(tp, start);
                            }
                        }
                        Err(e) => errors.lock().push(ManagerError::log(&tp, e)),
                    }
                });
            }
        });
        if let Some(e) = errors.into_inner().pop() {
            return Err(e);
        }
        let (recovery_points, start_offsets) = points.into_inner();
        let dir = &self.dirs[dir_index];
        ::log::debug!("Updating recovery points at {}", dir.path().display());
        dir.write_recovery_points(&recovery_points)?;
        dir.write_log_start_offsets(&start_offsets)?;
        ::log::debug!("Writing clean shutdown marker at {}", dir.path().display());
        dir.write_clean_shutdown_marker()?;
        Ok(())
    }
}

/// The log start offset when `log-start-offset-checkpoint` must list it: only above the
/// first segment's base offset, as Kafka writes it.
fn checkpointed_start_offset(log: &crate::log::Log) -> Option<i64> {
    let first_base = log.segment_base_offsets().first().copied()?;
    (log.log_start_offset() > first_base).then_some(log.log_start_offset())
}
