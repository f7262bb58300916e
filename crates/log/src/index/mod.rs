//! Memory-mapped index files of a segment (kafka-2.4.md §4.5, §4.6).
//!
//! `IndexFile` owns the mapping of one fixed-entry-size file: preallocation to
//! `segment.index.bytes` (rounded down to whole entries), trimming to the used size on roll and
//! close, truncation and binary search over entries. `OffsetIndex` and `TimeIndex` give the
//! entries meaning. Entry counts of an existing file come from its length, as Kafka derives
//! them, so a file that was preallocated and never trimmed (crash) fails the sanity check and
//! is rebuilt from the `.log` file by the segment.
//!
//! Locking: an index is not `Sync` by itself; segments wrap each one in a `RwLock` so fetches
//! can search while the appender adds entries.

mod offset;
mod time;

pub use offset::{OffsetIndex, OffsetPosition, OFFSET_INDEX_ENTRY_BYTES};
pub use time::{TimeIndex, TimestampOffset, TIME_INDEX_ENTRY_BYTES};

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use memmap2::MmapMut;

use crate::error::{IoContext, Result};

/// One memory-mapped file of fixed-size, big-endian entries.
#[derive(Debug)]
pub(crate) struct IndexFile {
    /// Where the file lives; reopened to resize, renamed on deletion.
    path: PathBuf,
    /// The whole file mapped; its length is the file's length.
    mmap: MmapMut,
    /// Bytes per entry (8 or 12).
    entry_bytes: usize,
    /// Valid entries at the front of the file.
    entries: usize,
    /// Entries were written since the last msync. Flushing a clean index is skipped: an
    /// msync still commits the inode's metadata, a journal write per index on every flush.
    dirty: AtomicBool,
}

impl IndexFile {
    /// Opens or creates the file. A file created here is preallocated to `max_bytes` rounded
    /// down to whole entries and holds no entries; an existing file's entries are
    /// `length / entry_bytes` (an existing empty file stays empty, as in Kafka: only a newly
    /// created index is preallocated).
    pub(crate) fn open(path: &Path, entry_bytes: usize, max_bytes: usize) -> Result<IndexFile> {
        let (file, newly_created) = match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(file) => (file, true),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .at(path)?;
                (file, false)
            }
            Err(err) => return Err(err).at(path),
        };
        let length = file.metadata().at(path)?.len();
        let length = usize::try_from(length)
            .map_err(|_| io::Error::other("index larger than memory"))
            .at(path)?;
        let (entries, length) = if newly_created {
            let preallocated = round_down(max_bytes, entry_bytes);
            file.set_len(preallocated as u64).at(path)?;
            (0, preallocated)
        } else {
            (length / entry_bytes, length)
        };
        let mmap = map(&file, path, length)?;
        Ok(IndexFile {
            path: path.to_path_buf(),
            mmap,
            entry_bytes,
            entries,
            dirty: AtomicBool::new(false),
        })
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Valid entries.
    pub(crate) fn entries(&self) -> usize {
        self.entries
    }

    /// Entries that fit in the file as currently sized.
    pub(crate) fn max_entries(&self) -> usize {
        self.mmap.len() / self.entry_bytes
    }

    /// Current file length in bytes.
    pub(crate) fn length_bytes(&self) -> usize {
        self.mmap.len()
    }

    /// Raw bytes of entry `n` (`n < entries`, or any slot when checking stale content).
    pub(crate) fn slot(&self, n: usize) -> &[u8] {
        &self.mmap[n * self.entry_bytes..(n + 1) * self.entry_bytes]
    }

    /// Appends one entry; the caller checked `entries < max_entries`.
    pub(crate) fn push(&mut self, entry: &[u8]) {
        debug_assert_eq!(entry.len(), self.entry_bytes);
        let start = self.entries * self.entry_bytes;
        self.mmap[start..start + self.entry_bytes].copy_from_slice(entry);
        self.entries += 1;
        self.dirty.store(true, Ordering::Release);
    }

    /// Keeps only the first `entries` entries.
    pub(crate) fn truncate_entries(&mut self, entries: usize) {
        self.entries = entries.min(self.entries);
    }

    /// Resizes the file to `new_bytes` rounded down to whole entries (never below the used
    /// size) and remaps it. Used to grow the active index and to trim on roll/close.
    pub(crate) fn resize(&mut self, new_bytes: usize) -> Result<()> {
        let used = self.entries * self.entry_bytes;
        let target = round_down(new_bytes, self.entry_bytes).max(used);
        if target == self.mmap.len() {
            return Ok(());
        }
        // No msync: dirty pages of a shared mapping stay in the page cache after the unmap
        // and are synced by the next flush of the file, as in Kafka's resize.
        // Unmap before shrinking: touching a mapping past the end of its file is SIGBUS.
        self.mmap = MmapMut::map_anon(0).at(&self.path)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)
            .at(&self.path)?;
        file.set_len(target as u64).at(&self.path)?;
        self.mmap = map(&file, &self.path, target)?;
        Ok(())
    }

    /// Trims the file to exactly the used entries (roll and close).
    pub(crate) fn trim_to_valid_size(&mut self) -> Result<()> {
        let used = self.entries * self.entry_bytes;
        self.resize(used)
    }

    /// Writes dirty pages to disk; nothing when no entry was written since the last flush.
    pub(crate) fn flush(&self) -> Result<()> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            if let Err(err) = self.mmap.flush() {
                self.dirty.store(true, Ordering::Release);
                return Err(err).at(&self.path);
            }
        }
        Ok(())
    }

    /// Renames the file (e.g. adding `.deleted`); the mapping stays valid.
    pub(crate) fn rename(&mut self, to: PathBuf) -> Result<()> {
        match fs::rename(&self.path, &to) {
            Ok(()) => {}
            // Kafka tolerates an index that was never created on disk.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(crate::error::LogError::storage(&self.path, err)),
        }
        self.path = to;
        Ok(())
    }

    /// Greatest slot `n < entries` whose key is `<= target`, by binary search over a key that
    /// is non-decreasing in `n`; `None` when every key is larger (or there are no entries).
    pub(crate) fn largest_lower_bound<K: Ord>(
        &self,
        target: K,
        key: impl Fn(&[u8]) -> K,
    ) -> Option<usize> {
        // partition_point: first slot whose key is > target.
        let (mut low, mut high) = (0usize, self.entries);
        while low < high {
            let mid = low + (high - low) / 2;
            if key(self.slot(mid)) <= target {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low.checked_sub(1)
    }

    /// Smallest slot whose key is `>= target` (== entries when none).
    pub(crate) fn smallest_upper_bound<K: Ord>(
        &self,
        target: K,
        key: impl Fn(&[u8]) -> K,
    ) -> usize {
        let (mut low, mut high) = (0usize, self.entries);
        while low < high {
            let mid = low + (high - low) / 2;
            if key(self.slot(mid)) < target {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }
}

/// Maps `length` bytes of `file`.
fn map(file: &fs::File, path: &Path, length: usize) -> Result<MmapMut> {
    if length == 0 {
        // A zero-length file cannot be mapped; an anonymous empty map stands in for it.
        return MmapMut::map_anon(0).at(path);
    }
    // SAFETY: the file lives in a log dir this process holds the exclusive `.lock` on, and is
    // only resized through `IndexFile::resize`, which drops this mapping first; so the mapped
    // range never extends past the end of the file while it is in use.
    let mmap = unsafe { memmap2::MmapOptions::new().len(length).map_mut(file) }.at(path)?;
    // Lookups are binary searches: without this, every page fault reads ahead a large window
    // of the (mostly sparse) file, which dominated loading thousands of logs.
    mmap.advise(memmap2::Advice::Random).at(path)?;
    Ok(mmap)
}

fn round_down(bytes: usize, entry_bytes: usize) -> usize {
    bytes / entry_bytes * entry_bytes
}

/// Big-endian u32 at `at`; callers pass slices of a known entry size.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut buf = [0u8; 4];
    buf.copy_from_slice(&bytes[at..at + 4]);
    u32::from_be_bytes(buf)
}

/// Big-endian i64 at `at`; callers pass slices of a known entry size.
pub(crate) fn read_i64(bytes: &[u8], at: usize) -> i64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&bytes[at..at + 8]);
    i64::from_be_bytes(buf)
}
