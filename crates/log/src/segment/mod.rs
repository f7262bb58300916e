//! Log segments (kafka-2.4.md §4.4): one `<base>.log` file of record batches with its
//! `<base>.index` and `<base>.timeindex`, named by the base offset as 20 zero-padded digits.
//!
//! * [`SegmentFiles`]: the open files of a segment, shared (`Arc`) between the log and
//!   concurrent readers; the log file is only accessed with positional reads/writes and each
//!   index sits behind its own `RwLock`. Read-side lookups live here.
//! * [`ActiveSegment`] (`active.rs`): the one writable segment: append, index upkeep, roll
//!   decision, truncation.
//! * [`SealedSegment`] (`sealed.rs`): an inactive segment: indexes trimmed, read-only.
//! * `load.rs`: opening existing files after a clean shutdown and re-validating them
//!   (`recover`) after an unclean one.
//!
//! A reader never sees bytes past the size the log published for a segment, so a partially
//! written append is invisible until it completes.

mod active;
mod load;
mod read;
mod rebuild;
mod scan;
mod sealed;

pub use active::{ActiveSegment, AppendBatch};
pub use load::{LoadedSegment, RecoveryOutcome};
pub use read::{FetchSlice, FileRegion, TimestampAndOffset};
pub use scan::{BatchHeader, HeaderScan};
pub use sealed::SealedSegment;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::{LogError, Result};
use crate::index::{OffsetIndex, TimeIndex};

/// Suffix of a segment's record file.
pub const LOG_FILE_SUFFIX: &str = ".log";
/// Suffix of the offset index.
pub const INDEX_FILE_SUFFIX: &str = ".index";
/// Suffix of the time index.
pub const TIME_INDEX_FILE_SUFFIX: &str = ".timeindex";
/// Suffix of the aborted transaction index (never written; removed with its segment).
pub const TXN_INDEX_FILE_SUFFIX: &str = ".txnindex";
/// Suffix added to files scheduled for deletion.
pub const DELETED_FILE_SUFFIX: &str = ".deleted";

/// `00000000000000368769`: the base offset as Kafka formats it in file names.
pub fn filename_prefix(offset: i64) -> String {
    format!("{offset:020}")
}

/// Path of the `.log` file of the segment at `base_offset` in `dir`.
pub fn log_file_path(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}{LOG_FILE_SUFFIX}", filename_prefix(base_offset)))
}

/// Path of the `.index` file of the segment at `base_offset` in `dir`.
pub fn offset_index_file_path(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!(
        "{}{INDEX_FILE_SUFFIX}",
        filename_prefix(base_offset)
    ))
}

/// Path of the `.timeindex` file of the segment at `base_offset` in `dir`.
pub fn time_index_file_path(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!(
        "{}{TIME_INDEX_FILE_SUFFIX}",
        filename_prefix(base_offset)
    ))
}

/// Parses the base offset out of a segment file name (`00000000000000000042.log` -> 42).
pub fn parse_base_offset(file_name: &str, suffix: &str) -> Option<i64> {
    let digits = file_name.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The open files of one segment, shared with readers.
#[derive(Debug)]
pub struct SegmentFiles {
    /// First offset the segment may hold; names the files.
    base_offset: i64,
    /// Path of the `.log` file when it was opened (for error messages).
    log_path: PathBuf,
    /// The `.log` file, opened read-write; only positional I/O is used on it.
    log: Arc<File>,
    /// `.index`, locked so the appender can add entries while fetches search.
    offset_index: RwLock<OffsetIndex>,
    /// `.timeindex`, locked likewise.
    time_index: RwLock<TimeIndex>,
}

impl SegmentFiles {
    /// Base offset of the segment.
    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }

    /// Path of the `.log` file as opened.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The log file, for sendfile.
    pub fn log_file(&self) -> &Arc<File> {
        &self.log
    }

    /// Modification time of the `.log` file in ms (0 when unknown).
    pub fn last_modified_ms(&self) -> i64 {
        self.log
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64)
    }

    /// Read access to the offset index.
    pub fn offset_index(&self) -> parking_lot::RwLockReadGuard<'_, OffsetIndex> {
        self.offset_index.read()
    }

    /// Read access to the time index.
    pub fn time_index(&self) -> parking_lot::RwLockReadGuard<'_, TimeIndex> {
        self.time_index.read()
    }
}

/// What readers need to know about a segment at one instant (part of a log snapshot).
#[derive(Debug, Clone)]
pub struct SegmentView {
    /// The segment's files.
    pub files: Arc<SegmentFiles>,
    /// Bytes of the `.log` file that hold complete batches.
    pub size_bytes: u64,
    /// Offset after the segment's last batch (its base offset when empty).
    pub next_offset: i64,
    /// Largest batch max timestamp in the segment (-1 when none).
    pub max_timestamp: i64,
}

impl SegmentView {
    /// Base offset of the segment.
    pub fn base_offset(&self) -> i64 {
        self.files.base_offset
    }
}

/// Fields common to active and sealed segments.
#[derive(Debug)]
struct SegmentCore {
    /// Shared files.
    files: Arc<SegmentFiles>,
    /// The partition directory (files are renamed inside it).
    dir: PathBuf,
    /// Valid bytes in the `.log` file.
    size_bytes: u64,
    /// Offset after the last batch.
    next_offset: i64,
    /// Largest batch max timestamp so far (-1 when none).
    max_timestamp_so_far: i64,
    /// Last offset of the batch holding `max_timestamp_so_far`.
    offset_of_max_timestamp: i64,
}

impl SegmentCore {
    fn view(&self) -> SegmentView {
        SegmentView {
            files: Arc::clone(&self.files),
            size_bytes: self.size_bytes,
            next_offset: self.next_offset,
            max_timestamp: self.max_timestamp_so_far,
        }
    }

    fn base_offset(&self) -> i64 {
        self.files.base_offset
    }

    /// Largest timestamp for retention: the max record timestamp, else the file's mtime.
    fn largest_timestamp(&self) -> i64 {
        if self.max_timestamp_so_far >= 0 {
            return self.max_timestamp_so_far;
        }
        self.files.last_modified_ms()
    }

    /// Renames the three files to `<name>.deleted`; the open handles stay usable by readers.
    fn rename_for_deletion(&self) -> Result<Vec<PathBuf>> {
        let base = self.base_offset();
        let log_path = log_file_path(&self.dir, base);
        let mut renamed = Vec::with_capacity(3);
        let deleted = |path: &Path| {
            let mut name = path.as_os_str().to_os_string();
            name.push(DELETED_FILE_SUFFIX);
            PathBuf::from(name)
        };
        let to = deleted(&log_path);
        std::fs::rename(&log_path, &to).map_err(|e| LogError::storage(&log_path, e))?;
        renamed.push(to);
        let index_to = deleted(&offset_index_file_path(&self.dir, base));
        self.files.offset_index.write().rename(index_to.clone())?;
        renamed.push(index_to);
        let time_to = deleted(&time_index_file_path(&self.dir, base));
        self.files.time_index.write().rename(time_to.clone())?;
        renamed.push(time_to);
        Ok(renamed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_twenty_digit_base_offsets() {
        let dir = Path::new("/logs/first-0");
        assert_eq!(
            log_file_path(dir, 368769),
            Path::new("/logs/first-0/00000000000000368769.log")
        );
        assert_eq!(
            time_index_file_path(dir, 0),
            Path::new("/logs/first-0/00000000000000000000.timeindex")
        );
        assert_eq!(
            parse_base_offset("00000000000000368769.log", ".log"),
            Some(368769)
        );
        assert_eq!(parse_base_offset("368769.log", ".log"), None);
        assert_eq!(parse_base_offset("0000000000000036876x.log", ".log"), None);
    }
}
