//! Truncation through the manager (Kafka's `LogManager.truncateTo` and
//! `truncateFullyAndStartAt`), for the replica layer (kafka-2.4.md §3.5).
//!
//! Why not just call the log: truncation lowers a log's recovery point, and the checkpointed
//! one must follow at once. Otherwise a crash after new appends would load the log with the
//! old, higher recovery point and skip recovering the new, unflushed bytes below it.

use std::collections::BTreeSet;

use super::{LogManager, ManagerError};
use crate::dir::{OffsetMap, TopicPartition};

impl LogManager {
    /// Truncates each listed log to its offset (follower truncation); logs not held here are
    /// skipped. The recovery points of every dir where a log was cut are checkpointed.
    pub fn truncate_to(&self, offsets: &OffsetMap) -> Result<(), ManagerError> {
        let mut touched_dirs = BTreeSet::new();
        for (tp, offset) in offsets {
            let Some(managed) = self.logs.read().get(tp).cloned() else {
                continue;
            };
            let truncated = managed
                .log
                .lock()
                .truncate_to(*offset)
                .map_err(|e| ManagerError::log(tp, e))?;
            if truncated {
                touched_dirs.insert(managed.dir_index);
            }
        }
        touched_dirs
            .into_iter()
            .try_for_each(|dir_index| self.checkpoint_recovery_points_in(dir_index))
    }

    /// Deletes all of a log's data and restarts it empty at `new_offset` (a follower that fell
    /// below the leader's log start offset), then checkpoints its dir's recovery points and
    /// log start offsets. Returns false when there is no such log.
    pub fn truncate_fully_and_start_at(
        &self,
        tp: &TopicPartition,
        new_offset: i64,
    ) -> Result<bool, ManagerError> {
        let Some(managed) = self.logs.read().get(tp).cloned() else {
            return Ok(false);
        };
        managed
            .log
            .lock()
            .truncate_fully_and_start_at(new_offset)
            .map_err(|e| ManagerError::log(tp, e))?;
        self.checkpoint_recovery_points_in(managed.dir_index)?;
        self.checkpoint_log_start_offsets_in(managed.dir_index)?;
        Ok(true)
    }
}
