//! The active (writable) segment: appends, index upkeep (kafka-2.4.md §4.5/§4.6), the roll
//! decision (§4.7) and truncation.
//!
//! Appends write with `pwrite` at the current size and only then advance the size that
//! snapshots publish, so readers never see a half-written append. No fsync happens here: Kafka
//! relies on the page cache and the log flushes on roll, on `flush.messages`/`flush.ms` and at
//! close.

use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;

use super::sealed::SealedSegment;
use super::{
    log_file_path, offset_index_file_path, time_index_file_path, SegmentCore, SegmentFiles,
    SegmentView,
};
use crate::config::LogConfig;
use crate::error::{IoContext, LogError, Result};
use crate::index::{OffsetIndex, TimeIndex};

/// One append handed to the segment: whole batches whose offsets are already final.
#[derive(Debug, Clone, Copy)]
pub struct AppendBatch<'a> {
    /// The batches' bytes.
    pub bytes: &'a [u8],
    /// Last offset of the last batch.
    pub largest_offset: i64,
    /// Largest batch max timestamp among them (-1 when none).
    pub largest_timestamp: i64,
    /// Last offset of the batch carrying `largest_timestamp`.
    pub offset_of_max_timestamp: i64,
}

/// The segment that receives appends.
#[derive(Debug)]
pub struct ActiveSegment {
    /// Files and state shared with sealed segments.
    core: SegmentCore,
    /// Bytes appended since the last offset index entry.
    bytes_since_last_index_entry: u64,
    /// Max timestamp of the first append; the basis of the `segment.ms` roll.
    rolling_based_timestamp: Option<i64>,
    /// Wall-clock time the segment was created or loaded (roll basis without timestamps).
    created_ms: i64,
    /// Random reduction of `segment.ms` drawn for this segment.
    roll_jitter_ms: i64,
    /// `index.interval.bytes`.
    index_interval_bytes: u64,
    /// `segment.index.bytes`, to which indexes are grown.
    max_index_bytes: usize,
    /// `close` trimmed the indexes; they grow back before the next append (a closed empty
    /// segment is not rolled, so it takes appends itself).
    closed: bool,
}

impl ActiveSegment {
    /// Creates a new empty segment at `base_offset` in `dir` (an existing `.log` is emptied).
    pub fn create(dir: &Path, base_offset: i64, config: &LogConfig, now_ms: i64) -> Result<Self> {
        let log_path = log_file_path(dir, base_offset);
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&log_path)
            .at(&log_path)?;
        // A stale index of a previous segment with the same base must not be reused.
        for stale in [
            offset_index_file_path(dir, base_offset),
            time_index_file_path(dir, base_offset),
        ] {
            match std::fs::remove_file(&stale) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(LogError::storage(&stale, err))
                }
                _ => {}
            }
        }
        let max_index_bytes = config.max_index_bytes();
        let offset_index = OffsetIndex::open(
            &offset_index_file_path(dir, base_offset),
            base_offset,
            max_index_bytes,
        )?;
        let time_index = TimeIndex::open(
            &time_index_file_path(dir, base_offset),
            base_offset,
            max_index_bytes,
        )?;
        let files = Arc::new(SegmentFiles {
            base_offset,
            log_path,
            log: Arc::new(log),
            offset_index: RwLock::new(offset_index),
            time_index: RwLock::new(time_index),
        });
        let core = SegmentCore {
            files,
            dir: dir.to_path_buf(),
            size_bytes: 0,
            next_offset: base_offset,
            max_timestamp_so_far: -1,
            offset_of_max_timestamp: base_offset,
        };
        Ok(ActiveSegment::from_core(core, config, now_ms, None))
    }

    /// Wraps loaded state; indexes must already be sized for appends.
    pub(super) fn from_core(
        core: SegmentCore,
        config: &LogConfig,
        now_ms: i64,
        rolling_based_timestamp: Option<i64>,
    ) -> ActiveSegment {
        ActiveSegment {
            core,
            bytes_since_last_index_entry: 0,
            rolling_based_timestamp,
            created_ms: now_ms,
            roll_jitter_ms: random_jitter_ms(config.segment_jitter_ms.min(config.segment_ms)),
            index_interval_bytes: u64::try_from(config.index_interval_bytes).unwrap_or(0),
            max_index_bytes: config.max_index_bytes(),
            closed: false,
        }
    }

    /// Base offset.
    pub fn base_offset(&self) -> i64 {
        self.core.base_offset()
    }

    /// Valid bytes in the `.log` file.
    pub fn size_bytes(&self) -> u64 {
        self.core.size_bytes
    }

    /// Offset after the last batch.
    pub fn next_offset(&self) -> i64 {
        self.core.next_offset
    }

    /// Largest timestamp for retention (max record timestamp, else file mtime).
    pub fn largest_timestamp(&self) -> i64 {
        self.core.largest_timestamp()
    }

    /// The reader's view of this segment now.
    pub fn view(&self) -> SegmentView {
        self.core.view()
    }

    /// Shared files.
    pub fn files(&self) -> &Arc<SegmentFiles> {
        &self.core.files
    }

    /// Kafka's `LogSegment.shouldRoll` (kafka-2.4.md §4.7) for an append of `incoming_bytes`
    /// whose largest offset and timestamp are given.
    pub fn should_roll(
        &self,
        config: &LogConfig,
        incoming_bytes: u64,
        largest_timestamp: i64,
        largest_offset: i64,
        now_ms: i64,
    ) -> bool {
        let size = self.core.size_bytes;
        let segment_bytes = u64::try_from(config.segment_bytes).unwrap_or(0);
        let waited_ms = match self.rolling_based_timestamp {
            Some(first) if first >= 0 => largest_timestamp.saturating_sub(first),
            _ => now_ms.saturating_sub(self.created_ms),
        };
        let reached_roll_ms = waited_ms > config.segment_ms.saturating_sub(self.roll_jitter_ms);
        size > segment_bytes.saturating_sub(incoming_bytes)
            || (size > 0 && reached_roll_ms)
            || self.core.files.offset_index().is_full()
            || self.core.files.time_index().is_full()
            || !self.can_convert_to_relative_offset(largest_offset)
    }

    /// True when `offset` fits in a relative u32 index entry of this segment.
    pub fn can_convert_to_relative_offset(&self, offset: i64) -> bool {
        let relative = offset - self.base_offset();
        (0..=i64::from(i32::MAX)).contains(&relative)
    }

    /// Writes one append (Kafka's `LogSegment.append`). On an I/O error the file is cut back
    /// to its previous size so the segment stays readable.
    pub fn append(&mut self, append: AppendBatch<'_>) -> Result<()> {
        if append.bytes.is_empty() {
            return Ok(());
        }
        if self.closed {
            let files = &self.core.files;
            files.offset_index.write().resize(self.max_index_bytes)?;
            files.time_index.write().resize(self.max_index_bytes)?;
            self.closed = false;
        }
        let position = self.core.size_bytes;
        let files = Arc::clone(&self.core.files);
        if let Err(err) = files.log.write_all_at(append.bytes, position) {
            // Best effort: drop the partial write; the size readers see never moved.
            let _ = files.log.set_len(position);
            return Err(LogError::storage(files.log_path(), err));
        }
        // The data is in: account for it before the index upkeep, whose failure must not
        // make the written batches invisible.
        let index_due = self.bytes_since_last_index_entry > self.index_interval_bytes;
        self.bytes_since_last_index_entry += append.bytes.len() as u64;
        self.core.size_bytes = position + append.bytes.len() as u64;
        self.core.next_offset = append.largest_offset + 1;
        if position == 0 {
            self.rolling_based_timestamp = Some(append.largest_timestamp);
        }
        if append.largest_timestamp > self.core.max_timestamp_so_far {
            self.core.max_timestamp_so_far = append.largest_timestamp;
            self.core.offset_of_max_timestamp = append.offset_of_max_timestamp;
        }
        if index_due {
            let position = u32::try_from(position).map_err(|_| {
                LogError::storage(
                    files.log_path(),
                    std::io::Error::other("segment beyond 4 GiB"),
                )
            })?;
            files
                .offset_index
                .write()
                .append(append.largest_offset, position)?;
            files.time_index.write().maybe_append(
                self.core.max_timestamp_so_far,
                self.core.offset_of_max_timestamp,
                false,
            )?;
            self.bytes_since_last_index_entry = append.bytes.len() as u64;
        }
        Ok(())
    }

    /// Removes every batch from the one containing `offset` on; returns the bytes removed.
    pub fn truncate_to(&mut self, offset: i64, now_ms: i64) -> Result<u64> {
        let Some(first_removed) = self.view().translate_offset(offset)? else {
            return Ok(0);
        };
        let files = Arc::clone(&self.core.files);
        {
            // The whole batch containing `offset` goes, so cut the indexes at its base.
            let cut = first_removed.base_offset;
            let mut offset_index = files.offset_index.write();
            offset_index.truncate_to(cut);
            offset_index.resize(self.max_index_bytes)?;
            let mut time_index = files.time_index.write();
            time_index.truncate_to(cut);
            time_index.resize(self.max_index_bytes)?;
        }
        let removed = self.core.size_bytes - first_removed.position;
        files
            .log
            .set_len(first_removed.position)
            .at(files.log_path())?;
        self.core.size_bytes = first_removed.position;
        self.core.next_offset = first_removed.base_offset.max(self.base_offset());
        if self.core.size_bytes == 0 {
            self.created_ms = now_ms;
            self.rolling_based_timestamp = None;
            self.core.next_offset = self.base_offset();
        }
        self.bytes_since_last_index_entry = 0;
        super::load::load_largest_timestamp(&mut self.core)?;
        Ok(removed)
    }

    /// fsyncs the log file and flushes the indexes.
    pub fn flush(&self) -> Result<()> {
        let files = &self.core.files;
        files.log.sync_data().at(files.log_path())?;
        files.offset_index().flush()?;
        files.time_index().flush()
    }

    /// The fallible half of sealing (Kafka's `onBecomeInactiveSegment`): the final time index
    /// entry, indexes trimmed to their entries and the file to its valid size. On error the
    /// segment stays active and usable (its trimmed indexes then read as full, so the next
    /// append tries to roll again).
    pub fn prepare_seal(&mut self) -> Result<()> {
        self.finish_indexes()?;
        let files = &self.core.files;
        let file_bytes = files.log.metadata().at(files.log_path())?.len();
        // ftruncate updates the mtime even when the size does not change, and the mtime is
        // the retention timestamp of a segment without record timestamps.
        if file_bytes != self.core.size_bytes {
            files
                .log
                .set_len(self.core.size_bytes)
                .at(files.log_path())?;
        }
        Ok(())
    }

    /// Appends the final time index entry and trims both indexes to their entries; an index
    /// already at its used size is left untouched (Kafka's `AbstractIndex.resize`).
    fn finish_indexes(&mut self) -> Result<()> {
        let core = &self.core;
        let mut time_index = core.files.time_index.write();
        time_index.maybe_append(
            core.max_timestamp_so_far,
            core.offset_of_max_timestamp,
            true,
        )?;
        time_index.trim_to_valid_size()?;
        core.files.offset_index.write().trim_to_valid_size()
    }

    /// Turns this into a sealed segment; call [`ActiveSegment::prepare_seal`] first.
    pub fn into_sealed(self) -> SealedSegment {
        SealedSegment::from_core(self.core)
    }

    /// Renames the files with `.deleted` (the segment is being dropped).
    pub fn rename_for_deletion(&self) -> Result<Vec<std::path::PathBuf>> {
        self.core.rename_for_deletion()
    }

    /// Closes the segment at shutdown (Kafka's `LogSegment.close`): final time index entry and
    /// indexes trimmed. Nothing is fsynced: the log flushed the data before, and Kafka does not
    /// sync the trimmed indexes either (a torn trim is caught by the next load's checks). The
    /// segment stays usable: when not empty, its trimmed indexes read as full and the next
    /// append rolls; when empty, the next append grows the indexes back.
    pub fn close(&mut self) -> Result<()> {
        self.prepare_seal()?;
        self.closed = true;
        Ok(())
    }
}

/// A random jitter in `[0, jitter_ms)` (Kafka: `abs(random) % min(jitter, segment.ms)`).
fn random_jitter_ms(jitter_ms: i64) -> i64 {
    if jitter_ms <= 0 {
        return 0;
    }
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (random % jitter_ms as u64) as i64
}
