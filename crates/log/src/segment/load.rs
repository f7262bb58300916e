//! Opening the files of an existing segment, and recovery (kafka-2.4.md §4.9).
//!
//! After a clean shutdown the files are trusted: indexes are sanity-checked and only the tail
//! after the last index entry is scanned to find the next offset and largest timestamp. A
//! missing or failing index, or an unclean shutdown, makes the log call [`LoadedSegment::recover`],
//! which re-reads every batch, checks it with `gregor_protocol::records` (length, magic, CRC)
//! plus offsets increasing, rebuilds both indexes and cuts the file at the first bad byte.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;

use super::rebuild::Rebuild;
use super::scan::HeaderScan;
use super::{
    log_file_path, offset_index_file_path, time_index_file_path, ActiveSegment, SealedSegment,
    SegmentCore, SegmentFiles,
};
use crate::config::LogConfig;
use crate::epoch::LeaderEpochCache;
use crate::error::{IoContext, Result};
use crate::index::{OffsetIndex, TimeIndex, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES};

/// What recovery of one segment found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryOutcome {
    /// Valid bytes kept.
    pub valid_bytes: u64,
    /// Bytes cut from the end of the file (torn or corrupt tail).
    pub truncated_bytes: u64,
}

/// An existing segment opened from disk, not yet active or sealed.
#[derive(Debug)]
pub struct LoadedSegment {
    /// Files and state.
    core: SegmentCore,
    /// An index was missing or failed its check: the segment must be recovered.
    pub needs_recovery: bool,
}

impl LoadedSegment {
    /// Opens `<base>.log` and its indexes in `dir`; checks the indexes.
    pub fn open(dir: &Path, base_offset: i64, config: &LogConfig) -> Result<LoadedSegment> {
        let log_path = log_file_path(dir, base_offset);
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log_path)
            .at(&log_path)?;
        let size_bytes = log.metadata().at(&log_path)?.len();
        let index_path = offset_index_file_path(dir, base_offset);
        let time_path = time_index_file_path(dir, base_offset);
        let indexes_present = index_path.exists() && time_path.exists();
        let max_index_bytes = config.max_index_bytes();
        let offset_index = OffsetIndex::open(&index_path, base_offset, max_index_bytes)?;
        let time_index = TimeIndex::open(&time_path, base_offset, max_index_bytes)?;
        let shapes_ok = offset_index.length_bytes() % OFFSET_INDEX_ENTRY_BYTES == 0
            && time_index.length_bytes() % TIME_INDEX_ENTRY_BYTES == 0;
        let files = Arc::new(SegmentFiles {
            base_offset,
            log_path,
            log: Arc::new(log),
            offset_index: RwLock::new(offset_index),
            time_index: RwLock::new(time_index),
        });
        let mut core = SegmentCore {
            files,
            dir: dir.to_path_buf(),
            size_bytes,
            next_offset: base_offset,
            max_timestamp_so_far: -1,
            offset_of_max_timestamp: base_offset,
        };
        let mut needs_recovery = !indexes_present || !shapes_ok;
        if !needs_recovery {
            needs_recovery = core.files.offset_index().sanity_check(size_bytes).is_err();
        }
        if !needs_recovery {
            let whole = load_tail(&mut core)?;
            let next = core.next_offset;
            needs_recovery = !whole || core.files.time_index().sanity_check(Some(next)).is_err();
        }
        if needs_recovery {
            log::warn!(
                "Found a corrupted or missing index file (or a partial batch) in segment {}, rebuilding it",
                core.files.log_path().display()
            );
        }
        Ok(LoadedSegment {
            core,
            needs_recovery,
        })
    }

    /// Base offset.
    pub fn base_offset(&self) -> i64 {
        self.core.base_offset()
    }

    /// Offset after the last batch.
    pub fn next_offset(&self) -> i64 {
        self.core.next_offset
    }

    /// Valid bytes.
    pub fn size_bytes(&self) -> u64 {
        self.core.size_bytes
    }

    /// Re-reads and validates every batch, rebuilds the indexes, re-adds leader epochs, and
    /// truncates the file at the first invalid byte (Kafka's `LogSegment.recover`).
    pub fn recover(
        &mut self,
        config: &LogConfig,
        epochs: &mut LeaderEpochCache,
    ) -> Result<RecoveryOutcome> {
        let files = Arc::clone(&self.core.files);
        let log_path = files.log_path().to_path_buf();
        let file_size = files.log.metadata().at(&log_path)?.len();
        let mut rebuild = Rebuild::start(&files, config)?;
        let failure = rebuild.scan(&files.log, &log_path, file_size, epochs)?;
        let state = rebuild.finish()?;
        let truncated_bytes = file_size - state.valid_bytes;
        if truncated_bytes > 0 {
            log::warn!(
                "Found invalid messages in log segment {} at byte offset {}: {}. Truncated {} invalid bytes at the end of segment {} during recovery",
                log_path.display(),
                state.valid_bytes,
                failure.as_deref().unwrap_or("incomplete record batch at the end of the file"),
                truncated_bytes,
                log_path.display()
            );
            files.log.set_len(state.valid_bytes).at(&log_path)?;
        }
        self.core.size_bytes = state.valid_bytes;
        self.core.next_offset = state.next_offset;
        self.core.max_timestamp_so_far = state.max_timestamp;
        self.core.offset_of_max_timestamp = state.offset_of_max_timestamp;
        self.needs_recovery = false;
        Ok(RecoveryOutcome {
            valid_bytes: state.valid_bytes,
            truncated_bytes,
        })
    }

    /// The segment as a sealed one: indexes trimmed.
    pub fn into_sealed(self) -> Result<SealedSegment> {
        self.core.files.offset_index.write().trim_to_valid_size()?;
        self.core.files.time_index.write().trim_to_valid_size()?;
        Ok(SealedSegment::from_core(self.core))
    }

    /// The segment as the active one: indexes grown to `segment.index.bytes` (directly, not
    /// trimmed first).
    pub fn into_active(self, config: &LogConfig, now_ms: i64) -> Result<ActiveSegment> {
        SealedSegment::from_core(self.core).into_active(config, now_ms)
    }
}

/// Finds the next offset and the largest timestamp by scanning from the last index entries
/// to the end of the file (Kafka's `readNextOffset` and `loadLargestTimestamp`). Returns false
/// when the headers do not end exactly at the end of the file (a tail that is not whole
/// batches, which a clean shutdown never leaves).
fn load_tail(core: &mut SegmentCore) -> Result<bool> {
    let start = {
        let index = core.files.offset_index();
        u64::from(index.lookup(index.last_offset()).position)
    };
    core.next_offset = core.base_offset();
    let mut end = start;
    let files = Arc::clone(&core.files);
    for header in HeaderScan::new(&files.log, start, core.size_bytes) {
        let header = header.at(files.log_path())?;
        core.next_offset = header.next_offset();
        end = header.position + u64::from(header.size_bytes);
    }
    load_largest_timestamp(core)?;
    Ok(end == core.size_bytes)
}

/// Sets the max timestamp from the last time index entry and the batches after it.
pub(super) fn load_largest_timestamp(core: &mut SegmentCore) -> Result<()> {
    let last = core.files.time_index().last_entry();
    core.max_timestamp_so_far = last.timestamp;
    core.offset_of_max_timestamp = last.offset;
    let start = u64::from(core.files.offset_index().lookup(last.offset).position);
    let files = Arc::clone(&core.files);
    for header in HeaderScan::new(&files.log, start, core.size_bytes) {
        let header = header.at(files.log_path())?;
        if header.max_timestamp > core.max_timestamp_so_far {
            core.max_timestamp_so_far = header.max_timestamp;
            core.offset_of_max_timestamp = header.last_offset;
        }
    }
    Ok(())
}

/// Max timestamp of the segment's first batch (the `segment.ms` roll basis).
pub(super) fn first_batch_max_timestamp(core: &SegmentCore) -> Result<Option<i64>> {
    let files = &core.files;
    match HeaderScan::new(&files.log, 0, core.size_bytes).next() {
        Some(header) => Ok(Some(header.at(files.log_path())?.max_timestamp)),
        None => Ok(None),
    }
}
