//! The time index (`<base>.timeindex`, kafka-2.4.md §4.6).
//!
//! Entry = timestamp (i64 BE) + relative offset (u32 BE). An entry says "records with
//! timestamps up to this one end at or before this offset"; timestamps are strictly increasing
//! between entries and offsets non-decreasing. Considered full one entry early so that the
//! final (max timestamp, offset) entry written on roll always fits.

use std::path::Path;

use super::{read_i64, read_u32, IndexFile};
use crate::error::{LogError, Result};

/// Bytes per time index entry.
pub const TIME_INDEX_ENTRY_BYTES: usize = 12;

/// A (timestamp, absolute offset) pair from the time index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampOffset {
    /// Timestamp in ms.
    pub timestamp: i64,
    /// Absolute offset.
    pub offset: i64,
}

/// The memory-mapped time index of one segment.
#[derive(Debug)]
pub struct TimeIndex {
    /// The mapped file.
    file: IndexFile,
    /// Base offset of the segment; entries are relative to it.
    base_offset: i64,
}

impl TimeIndex {
    /// Opens (or creates and preallocates to `max_index_bytes`) the index at `path`.
    pub fn open(path: &Path, base_offset: i64, max_index_bytes: usize) -> Result<TimeIndex> {
        let file = IndexFile::open(path, TIME_INDEX_ENTRY_BYTES, max_index_bytes)?;
        Ok(TimeIndex { file, base_offset })
    }

    /// The index file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Number of entries.
    pub fn entries(&self) -> usize {
        self.file.entries()
    }

    /// File length in bytes.
    pub fn length_bytes(&self) -> usize {
        self.file.length_bytes()
    }

    /// True when only the slot reserved for the roll entry is left.
    pub fn is_full(&self) -> bool {
        self.file.entries() + 1 >= self.file.max_entries()
    }

    /// Entry `n` (`n < entries()`).
    pub fn entry(&self, n: usize) -> TimestampOffset {
        let slot = self.file.slot(n);
        TimestampOffset {
            timestamp: read_i64(slot, 0),
            offset: self.base_offset + i64::from(read_u32(slot, 8)),
        }
    }

    /// The last entry, or (-1, base offset) when empty.
    pub fn last_entry(&self) -> TimestampOffset {
        match self.entries() {
            0 => TimestampOffset {
                timestamp: -1,
                offset: self.base_offset,
            },
            n => self.entry(n - 1),
        }
    }

    /// Appends (timestamp, offset) if `timestamp` is newer than the last entry.
    /// `skip_full_check` lets the roll entry use the reserved last slot.
    pub fn maybe_append(
        &mut self,
        timestamp: i64,
        offset: i64,
        skip_full_check: bool,
    ) -> Result<()> {
        let last = self.last_entry();
        let relative = offset - self.base_offset;
        let full_error = || {
            self.corrupt(format!(
                "time index is full, cannot append ({timestamp}, {offset})"
            ))
        };
        if !skip_full_check && self.is_full() {
            return Err(full_error());
        }
        if self.entries() > 0 && offset < last.offset {
            return Err(self.corrupt(format!(
                "attempt to append offset {offset} below the last offset {}",
                last.offset
            )));
        }
        if relative < 0 || relative > i64::from(i32::MAX) {
            return Err(self.corrupt(format!(
                "offset {offset} is not relative to {}",
                self.base_offset
            )));
        }
        if timestamp <= last.timestamp {
            return Ok(());
        }
        // Only a write needs a free slot: the final entry of a segment closed before (its
        // index trimmed to the entries) is usually already there, as in Kafka's maybeAppend.
        if self.file.entries() >= self.file.max_entries() {
            return Err(full_error());
        }
        let mut entry = [0u8; TIME_INDEX_ENTRY_BYTES];
        entry[..8].copy_from_slice(&timestamp.to_be_bytes());
        entry[8..].copy_from_slice(&(relative as u32).to_be_bytes());
        self.file.push(&entry);
        Ok(())
    }

    /// Greatest entry with timestamp <= `target`; `(-1, base offset)` when none.
    pub fn lookup(&self, target: i64) -> TimestampOffset {
        match self
            .file
            .largest_lower_bound(target, |slot| read_i64(slot, 0))
        {
            Some(n) => self.entry(n),
            None => TimestampOffset {
                timestamp: -1,
                offset: self.base_offset,
            },
        }
    }

    /// Removes every entry with offset >= `offset`.
    pub fn truncate_to(&mut self, offset: i64) {
        let base = self.base_offset;
        let keep = self
            .file
            .smallest_upper_bound(offset, |slot| base + i64::from(read_u32(slot, 8)));
        self.file.truncate_entries(keep);
    }

    /// Removes every entry.
    pub fn reset(&mut self) {
        self.file.truncate_entries(0);
    }

    /// Checks a loaded file: timestamps strictly increasing, offsets non-decreasing and at or
    /// above the base, and none beyond `next_offset` when given.
    pub fn sanity_check(&self, next_offset: Option<i64>) -> Result<()> {
        let mut previous: Option<TimestampOffset> = None;
        for n in 0..self.entries() {
            let entry = self.entry(n);
            let ordered = match previous {
                None => entry.timestamp >= 0,
                Some(prev) => entry.timestamp > prev.timestamp && entry.offset >= prev.offset,
            };
            let in_range = next_offset.map_or(true, |next| entry.offset < next);
            if !ordered || !in_range {
                return Err(self.corrupt(format!(
                    "entry {n} ({}, {}) is out of order or past the log end",
                    entry.timestamp, entry.offset
                )));
            }
            previous = Some(entry);
        }
        Ok(())
    }

    /// Grows or shrinks the file to `max_index_bytes` (never below the used size).
    pub fn resize(&mut self, max_index_bytes: usize) -> Result<()> {
        self.file.resize(max_index_bytes)
    }

    /// Trims the file to the used entries.
    pub fn trim_to_valid_size(&mut self) -> Result<()> {
        self.file.trim_to_valid_size()
    }

    /// Flushes dirty pages.
    pub fn flush(&self) -> Result<()> {
        self.file.flush()
    }

    /// Renames the file, keeping the mapping.
    pub fn rename(&mut self, to: std::path::PathBuf) -> Result<()> {
        self.file.rename(to)
    }

    fn corrupt(&self, reason: String) -> LogError {
        LogError::CorruptIndex {
            path: self.file.path().to_path_buf(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_only_newer_timestamps_and_looks_up_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000010.timeindex");
        let mut index = TimeIndex::open(&path, 10, 10_485_760).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 10_485_756);
        index.maybe_append(1000, 12, false).unwrap();
        index.maybe_append(1000, 14, false).unwrap();
        index.maybe_append(900, 15, false).unwrap();
        index.maybe_append(2000, 20, false).unwrap();
        assert_eq!(index.entries(), 2);
        assert!(
            index.maybe_append(3000, 19, false).is_err(),
            "offsets may not go back"
        );
        assert_eq!(index.lookup(999).offset, 10);
        assert_eq!(
            index.lookup(1500),
            TimestampOffset {
                timestamp: 1000,
                offset: 12
            }
        );
        index.trim_to_valid_size().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 24);
        assert_eq!(&bytes[..12], &[0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 2]);
        index.truncate_to(20);
        assert_eq!(index.entries(), 1);
        index.sanity_check(Some(13)).unwrap();
        assert!(index.sanity_check(Some(12)).is_err());
    }

    #[test]
    fn full_one_entry_early_but_roll_entry_still_fits() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = TimeIndex::open(&dir.path().join("a.timeindex"), 0, 24).unwrap();
        index.maybe_append(1, 1, false).unwrap();
        assert!(index.is_full());
        assert!(index.maybe_append(2, 2, false).is_err());
        index.maybe_append(2, 2, true).unwrap();
        assert_eq!(index.entries(), 2);
    }
}
