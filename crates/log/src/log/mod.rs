//! One partition's log: the directory `<topic>-<partition>` of segments (kafka-2.4.md §4.4).
//!
//! `Log` owns the segments (sealed ones in base offset order, then the one active segment),
//! the log start offset, the recovery point, the leader epoch cache and the `.deleted` files
//! waiting for `file.delete.delay.ms`. Submodules: `open` (load and recovery), `append`,
//! `snapshot` (reads), `retention` (time/size retention, log start offset), `truncate`.
//!
//! Locking model: every mutation takes `&mut Log` (the owner wraps the log in a mutex held only
//! for the append itself). After each mutation the log publishes an immutable [`LogSnapshot`]
//! (segment views with their visible sizes, log start and end offsets) behind a tiny lock that
//! is held only to clone an `Arc`. Readers get it through a cloneable [`LogReader`] and then
//! read with positional I/O on shared files and read-locked indexes, without ever waiting for
//! an append. A snapshot may refer to segments deleted since; their open files keep the data
//! readable until the snapshot is dropped. The one race left is a read of bytes that a
//! concurrent truncation cuts off: it fails with a storage error or sends fewer bytes (Kafka has
//! the same race; replication truncates only on leadership changes, which fence such fetches).

mod append;
mod open;
mod retention;
mod snapshot;
mod truncate;

pub use append::LogAppendInfo;
pub use open::LogLoadOptions;
pub use snapshot::{FetchDataInfo, LogOffsetMetadata, LogSnapshot};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::checkpoint::EpochEntry;
use crate::config::LogConfig;
use crate::epoch::LeaderEpochCache;
use crate::error::Result;
use crate::producer::ProducerStateManager;
use crate::segment::{ActiveSegment, SealedSegment, SegmentView, TimestampAndOffset};

/// ListOffsets' "latest" sentinel timestamp.
pub const LATEST_TIMESTAMP: i64 = -1;
/// ListOffsets' "earliest" sentinel timestamp.
pub const EARLIEST_TIMESTAMP: i64 = -2;

/// Files renamed to `.deleted`, removed once `delete_after_ms` has passed.
#[derive(Debug)]
struct PendingDeletion {
    /// The renamed files.
    paths: Vec<PathBuf>,
    /// Wall-clock time after which they may be removed.
    delete_after_ms: i64,
}

/// A partition's log.
#[derive(Debug)]
pub struct Log {
    /// The partition directory.
    dir: PathBuf,
    /// Its name, `topic-partition`, used in errors and log lines (shared with snapshots).
    name: Arc<str>,
    /// Effective topic config.
    config: LogConfig,
    /// Inactive segments, ascending base offsets, all below the active one.
    sealed: Vec<SealedSegment>,
    /// The segment receiving appends.
    active: ActiveSegment,
    /// First offset readers may ask for.
    log_start_offset: i64,
    /// Offsets below this are known to be fsynced.
    recovery_point: i64,
    /// Epoch → start offset, persisted in `leader-epoch-checkpoint`.
    epochs: LeaderEpochCache,
    /// Messages appended since the last flush (`flush.messages`).
    unflushed_messages: i64,
    /// Wall-clock time of the last flush (`flush.ms`, checked by the manager).
    last_flush_ms: i64,
    /// Deleted segment files waiting for `file.delete.delay.ms`.
    pending_deletions: Vec<PendingDeletion>,
    /// Views of the sealed segments, rebuilt when that list changes.
    sealed_views: Arc<Vec<SegmentView>>,
    /// The latest published snapshot, shared with readers.
    published: Arc<RwLock<Arc<LogSnapshot>>>,
    /// Idempotent producers' epochs and sequence numbers (`<offset>.snapshot` files).
    producer_state: ProducerStateManager,
}

/// A cheap, cloneable handle that reads a log without holding its mutation lock.
#[derive(Debug, Clone)]
pub struct LogReader {
    /// The owning log's published snapshot.
    published: Arc<RwLock<Arc<LogSnapshot>>>,
}

impl LogReader {
    /// The log as of its last completed mutation.
    pub fn snapshot(&self) -> Arc<LogSnapshot> {
        Arc::clone(&self.published.read())
    }
}

impl Log {
    /// The partition directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `topic-partition`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Effective config.
    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Replaces the config (AlterConfigs); applies from the next append or retention run.
    pub fn update_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    /// First offset held.
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// Next offset to be written (LEO).
    pub fn log_end_offset(&self) -> i64 {
        self.active.next_offset()
    }

    /// Offsets below this are flushed to disk.
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }

    /// Number of segments, active included.
    pub fn segment_count(&self) -> usize {
        self.sealed.len() + 1
    }

    /// Base offsets of all segments, ascending.
    pub fn segment_base_offsets(&self) -> Vec<i64> {
        let mut bases: Vec<i64> = self.sealed.iter().map(SealedSegment::base_offset).collect();
        bases.push(self.active.base_offset());
        bases
    }

    /// Total bytes of all segments' `.log` files.
    pub fn size_bytes(&self) -> u64 {
        self.sealed
            .iter()
            .map(SealedSegment::size_bytes)
            .sum::<u64>()
            + self.active.size_bytes()
    }

    /// Messages appended since the last flush.
    pub fn unflushed_messages(&self) -> i64 {
        self.unflushed_messages
    }

    /// Wall-clock time of the last flush.
    pub fn last_flush_ms(&self) -> i64 {
        self.last_flush_ms
    }

    /// A handle for concurrent readers.
    pub fn reader(&self) -> LogReader {
        LogReader {
            published: Arc::clone(&self.published),
        }
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<LogSnapshot> {
        Arc::clone(&self.published.read())
    }

    /// Reads from the current snapshot; see [`LogSnapshot::read`].
    pub fn read(
        &self,
        start_offset: i64,
        max_bytes: usize,
        max_offset: i64,
        min_one_message: bool,
    ) -> Result<FetchDataInfo> {
        self.snapshot()
            .read(start_offset, max_bytes, max_offset, min_one_message)
    }

    /// ListOffsets lookup (Kafka's `fetchOffsetByTimestamp`): -2 earliest, -1 latest (both with
    /// timestamp -1), otherwise the first record with a timestamp >= `target`.
    pub fn fetch_offset_by_timestamp(&self, target: i64) -> Result<Option<TimestampAndOffset>> {
        match target {
            EARLIEST_TIMESTAMP => {
                let epoch = self
                    .epochs
                    .earliest_entry()
                    .filter(|e| e.start_offset <= self.log_start_offset)
                    .map(|e| e.epoch);
                Ok(Some(TimestampAndOffset {
                    timestamp: -1,
                    offset: self.log_start_offset,
                    leader_epoch: epoch,
                }))
            }
            LATEST_TIMESTAMP => Ok(Some(TimestampAndOffset {
                timestamp: -1,
                offset: self.log_end_offset(),
                leader_epoch: self.epochs.latest_epoch(),
            })),
            _ => self.snapshot().offset_for_timestamp(target),
        }
    }

    /// Leader epoch cache entries, oldest first.
    pub fn epoch_entries(&self) -> &[EpochEntry] {
        self.epochs.entries()
    }

    /// Latest leader epoch known to the log.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.latest_epoch()
    }

    /// Records that `epoch` starts at `start_offset` (becoming leader: epoch at the current LEO).
    pub fn assign_epoch_start_offset(&mut self, epoch: i32, start_offset: i64) -> Result<()> {
        self.epochs.assign(epoch, start_offset)
    }

    /// OffsetsForLeaderEpoch: (largest epoch <= `epoch`, its end offset).
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epochs.end_offset_for(epoch, self.log_end_offset())
    }

    /// fsyncs every segment holding offsets at or above the recovery point and moves the
    /// recovery point to the log end offset. Like Kafka's `flush(offset)`, a log with nothing
    /// past its recovery point is left alone: no fsync, no msync, and `last_flush_ms` keeps
    /// the time of the last flush that wrote something.
    pub fn flush(&mut self, now_ms: i64) -> Result<()> {
        if self.log_end_offset() <= self.recovery_point {
            return Ok(());
        }
        for segment in self
            .sealed
            .iter()
            .filter(|s| s.next_offset() > self.recovery_point)
        {
            segment.flush()?;
        }
        self.active.flush()?;
        self.recovery_point = self.log_end_offset();
        self.unflushed_messages = 0;
        self.last_flush_ms = now_ms;
        Ok(())
    }

    /// Flushes and closes the log at shutdown (Kafka's `Log.close`): the producer state is
    /// written to `<log end offset>.snapshot` and the active segment gets its final time index
    /// entry and indexes trimmed to their entries. Takes `&mut self` so that the manager can
    /// close a log still shared with others, and a later append still works (it rolls a new
    /// segment unless the active one is empty).
    pub fn close(&mut self, now_ms: i64) -> Result<()> {
        self.flush(now_ms)?;
        self.producer_state.take_snapshot()?;
        self.active.close()?;
        self.publish();
        Ok(())
    }

    /// Idempotent producers' state.
    pub fn producer_state(&self) -> &ProducerStateManager {
        &self.producer_state
    }

    /// Forgets idle idempotent producers (see
    /// [`ProducerStateManager::remove_expired_producers`]); for the log manager's periodic task.
    pub fn remove_expired_producers(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        self.producer_state
            .remove_expired_producers(now_ms, expiration_ms)
    }

    /// Views of every segment, oldest first (for rebuilding producer state).
    fn all_views(&self) -> Vec<crate::segment::SegmentView> {
        let mut views: Vec<_> = self.sealed_views.iter().cloned().collect();
        views.push(self.active.view());
        views
    }

    /// Kafka's `loadProducerState`: the latest snapshot within the log plus a replay of the
    /// batch headers after it; a snapshot is written when a replay was needed.
    fn reload_producer_state(&mut self) -> Result<()> {
        let end = self.log_end_offset();
        let from = self.producer_state.load(self.log_start_offset, end)?;
        if from < end {
            let batches = crate::producer::replay::producer_batches(&self.all_views(), from)?;
            self.producer_state.update(&batches, end);
            self.producer_state.take_snapshot()?;
        }
        Ok(())
    }

    /// Rebuilds the sealed views after the sealed list changed.
    fn refresh_sealed_views(&mut self) {
        self.sealed_views = Arc::new(self.sealed.iter().map(SealedSegment::view).collect());
    }

    /// Publishes a snapshot of the current state to readers.
    fn publish(&mut self) {
        let snapshot = Arc::new(LogSnapshot::new(
            Arc::clone(&self.name),
            Arc::clone(&self.sealed_views),
            self.active.view(),
            self.log_start_offset,
        ));
        *self.published.write() = snapshot;
    }
}

/// Wall-clock milliseconds since the epoch; used only to schedule file deletions and to date
/// segments created outside an append.
pub(crate) fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
