//! The leader epoch cache of one partition (kafka-2.4.md §3.4) and its
//! `leader-epoch-checkpoint` file.
//!
//! Holds (epoch, start offset) pairs, epochs and offsets both strictly increasing. Written by
//! the log on appends whose batch carries a new `PartitionLeaderEpoch`, by the partition when
//! it becomes leader, and on truncation / log start offset moves. Every change is written to
//! the checkpoint at once (atomic rename), as Kafka's `LeaderEpochFileCache` flushes on change.
//! After a crash the file holds the last completed write; recovery re-adds the entries of the
//! batches it re-reads.

use std::path::Path;

use crate::checkpoint::{CheckpointFile, EpochEntry};
use crate::error::Result;

/// Name of the checkpoint file inside the partition directory.
pub const LEADER_EPOCH_CHECKPOINT_FILE: &str = "leader-epoch-checkpoint";

/// `RecordBatch.NO_PARTITION_LEADER_EPOCH` / `UNDEFINED_EPOCH`.
pub const UNDEFINED_EPOCH: i32 = -1;
/// `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// Epoch → start offset, persisted in `leader-epoch-checkpoint`.
#[derive(Debug)]
pub struct LeaderEpochCache {
    /// Where the entries are persisted.
    checkpoint: CheckpointFile,
    /// Entries in increasing epoch and start offset order.
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// Loads the cache of the partition in `partition_dir` (creating an empty checkpoint).
    pub fn open(partition_dir: &Path) -> Result<LeaderEpochCache> {
        let checkpoint = CheckpointFile::open(partition_dir.join(LEADER_EPOCH_CHECKPOINT_FILE))?;
        let mut entries: Vec<EpochEntry> = checkpoint.read()?;
        // A hand-edited or partially valid file must not break the ordering invariant.
        entries.dedup_by(|next, prev| {
            next.epoch <= prev.epoch || next.start_offset < prev.start_offset
        });
        Ok(LeaderEpochCache {
            checkpoint,
            entries,
        })
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The newest epoch, if any.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    /// The oldest entry, if any.
    pub fn earliest_entry(&self) -> Option<EpochEntry> {
        self.entries.first().copied()
    }

    /// Records that `epoch` starts at `start_offset`. Entries with an epoch >= `epoch` or a start
    /// offset >= `start_offset` are dropped first. Negative epochs (old clients) are ignored.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<()> {
        if epoch < 0 {
            return Ok(());
        }
        let update_needed = match self.entries.last() {
            None => true,
            Some(last) => last.epoch != epoch || start_offset < last.start_offset,
        };
        if !update_needed {
            return Ok(());
        }
        self.entries
            .retain(|e| e.epoch < epoch && e.start_offset < start_offset);
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        self.flush()
    }

    /// Answer of OffsetsForLeaderEpoch: (largest epoch <= `requested_epoch`, its end offset).
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        if requested_epoch == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested_epoch) {
            return (requested_epoch, log_end_offset);
        }
        let split = self.entries.partition_point(|e| e.epoch <= requested_epoch);
        match (split.checked_sub(1), self.entries.get(split)) {
            (_, None) => (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET),
            (None, Some(next)) => (requested_epoch, next.start_offset),
            (Some(prev), Some(next)) => (self.entries[prev].epoch, next.start_offset),
        }
    }

    /// Log truncated to `end_offset`: drops entries starting at or after it.
    pub fn truncate_from_end(&mut self, end_offset: i64) -> Result<()> {
        if end_offset >= 0
            && self
                .entries
                .last()
                .is_some_and(|e| e.start_offset >= end_offset)
        {
            self.entries.retain(|e| e.start_offset < end_offset);
            self.flush()?;
        }
        Ok(())
    }

    /// Log start offset moved to `start_offset`: drops entries wholly below it and moves the
    /// first retained entry's start to it.
    pub fn truncate_from_start(&mut self, start_offset: i64) -> Result<()> {
        let split = self
            .entries
            .partition_point(|e| e.start_offset <= start_offset);
        if split == 0 {
            return Ok(());
        }
        let first = EpochEntry {
            epoch: self.entries[split - 1].epoch,
            start_offset,
        };
        if split == 1 && self.entries[0] == first {
            // Already starts exactly there (every load of a log whose start did not move):
            // rewriting the checkpoint would cost an fsync and a rename for nothing.
            return Ok(());
        }
        self.entries.drain(..split);
        self.entries.insert(0, first);
        self.flush()
    }

    /// Drops every entry (full truncation).
    pub fn clear(&mut self) -> Result<()> {
        self.entries.clear();
        self.flush()
    }

    /// Writes the entries to `leader-epoch-checkpoint`.
    fn flush(&self) -> Result<()> {
        self.checkpoint.write(&self.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(epoch: i32, start_offset: i64) -> EpochEntry {
        EpochEntry {
            epoch,
            start_offset,
        }
    }

    #[test]
    fn assign_drops_newer_entries_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::open(dir.path()).unwrap();
        cache.assign(0, 0).unwrap();
        cache.assign(0, 5).unwrap();
        cache.assign(2, 150).unwrap();
        cache.assign(-1, 200).unwrap();
        assert_eq!(cache.entries(), &[entry(0, 0), entry(2, 150)]);
        let text = std::fs::read_to_string(dir.path().join(LEADER_EPOCH_CHECKPOINT_FILE)).unwrap();
        assert_eq!(text, "0\n2\n0 0\n2 150\n");
        cache.assign(1, 100).unwrap();
        assert_eq!(cache.entries(), &[entry(0, 0), entry(1, 100)]);
        let reopened = LeaderEpochCache::open(dir.path()).unwrap();
        assert_eq!(reopened.entries(), cache.entries());
    }

    #[test]
    fn end_offset_for_follows_kafka_rules() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::open(dir.path()).unwrap();
        assert_eq!(cache.end_offset_for(0, 10), (-1, -1));
        cache.assign(1, 10).unwrap();
        cache.assign(3, 20).unwrap();
        cache.assign(5, 30).unwrap();
        assert_eq!(cache.end_offset_for(5, 42), (5, 42));
        assert_eq!(cache.end_offset_for(4, 42), (3, 30));
        assert_eq!(cache.end_offset_for(3, 42), (3, 30));
        assert_eq!(cache.end_offset_for(0, 42), (0, 10));
        assert_eq!(cache.end_offset_for(9, 42), (-1, -1));
        assert_eq!(cache.end_offset_for(-1, 42), (-1, -1));
    }

    #[test]
    fn truncation_from_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::open(dir.path()).unwrap();
        for (epoch, offset) in [(1, 10), (3, 20), (5, 30)] {
            cache.assign(epoch, offset).unwrap();
        }
        cache.truncate_from_end(25).unwrap();
        assert_eq!(cache.entries(), &[entry(1, 10), entry(3, 20)]);
        cache.truncate_from_start(22).unwrap();
        assert_eq!(cache.entries(), &[entry(3, 22)]);
        cache.truncate_from_start(5).unwrap();
        assert_eq!(cache.entries(), &[entry(3, 22)]);
        cache.clear().unwrap();
        assert!(cache.entries().is_empty());
    }
}
