//! The offset index (`<base>.index`, kafka-2.4.md §4.5).
//!
//! Entry = relative offset (u32 BE, offset − segment base offset) + file position (u32 BE) of
//! the start of the batch whose **last** offset is the entry's offset. Entries are strictly
//! increasing in offset and position. A lookup returns the greatest entry at or below the
//! target; the segment then scans batch headers forward from that position.

use std::path::Path;

use super::{read_u32, IndexFile};
use crate::error::{LogError, Result};

/// Bytes per offset index entry.
pub const OFFSET_INDEX_ENTRY_BYTES: usize = 8;

/// An (absolute offset, file position) pair from the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPosition {
    /// Absolute offset.
    pub offset: i64,
    /// Byte position in the `.log` file.
    pub position: u32,
}

/// The memory-mapped offset index of one segment.
#[derive(Debug)]
pub struct OffsetIndex {
    /// The mapped file.
    file: IndexFile,
    /// Base offset of the segment; entries are relative to it.
    base_offset: i64,
}

impl OffsetIndex {
    /// Opens (or creates and preallocates to `max_index_bytes`) the index at `path`.
    pub fn open(path: &Path, base_offset: i64, max_index_bytes: usize) -> Result<OffsetIndex> {
        let file = IndexFile::open(path, OFFSET_INDEX_ENTRY_BYTES, max_index_bytes)?;
        Ok(OffsetIndex { file, base_offset })
    }

    /// Base offset of the segment.
    pub fn base_offset(&self) -> i64 {
        self.base_offset
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

    /// True when no further entry fits (forces a roll).
    pub fn is_full(&self) -> bool {
        self.file.entries() >= self.file.max_entries()
    }

    /// Entry `n` (`n < entries()`).
    pub fn entry(&self, n: usize) -> OffsetPosition {
        self.decode(self.file.slot(n))
    }

    /// Offset of the last entry, or the base offset when empty.
    pub fn last_offset(&self) -> i64 {
        match self.entries() {
            0 => self.base_offset,
            n => self.entry(n - 1).offset,
        }
    }

    /// Adds an entry. Offsets must be strictly increasing and fit a relative u32.
    pub fn append(&mut self, offset: i64, position: u32) -> Result<()> {
        let relative = offset - self.base_offset;
        if self.is_full() || relative < 0 || relative > i64::from(i32::MAX) {
            return Err(self.corrupt(format!(
                "cannot append offset {offset} (full: {}, base {})",
                self.is_full(),
                self.base_offset
            )));
        }
        if self.entries() > 0 && offset <= self.last_offset() {
            return Err(self.corrupt(format!(
                "attempt to append offset {offset} no larger than the last offset {}",
                self.last_offset()
            )));
        }
        let mut entry = [0u8; OFFSET_INDEX_ENTRY_BYTES];
        entry[..4].copy_from_slice(&(relative as u32).to_be_bytes());
        entry[4..].copy_from_slice(&position.to_be_bytes());
        self.file.push(&entry);
        Ok(())
    }

    /// Greatest entry with offset <= `target`; `(base_offset, 0)` when there is none.
    pub fn lookup(&self, target: i64) -> OffsetPosition {
        let base = self.base_offset;
        match self
            .file
            .largest_lower_bound(target, |slot| base + i64::from(read_u32(slot, 0)))
        {
            Some(n) => self.entry(n),
            None => OffsetPosition {
                offset: base,
                position: 0,
            },
        }
    }

    /// Removes every entry with offset >= `offset`.
    pub fn truncate_to(&mut self, offset: i64) {
        let base = self.base_offset;
        let keep = self
            .file
            .smallest_upper_bound(offset, |slot| base + i64::from(read_u32(slot, 0)));
        self.file.truncate_entries(keep);
    }

    /// Removes every entry.
    pub fn reset(&mut self) {
        self.file.truncate_entries(0);
    }

    /// Checks the invariants of a loaded file: offsets strictly increasing and above the base,
    /// positions strictly increasing and below `log_size_bytes`.
    pub fn sanity_check(&self, log_size_bytes: u64) -> Result<()> {
        let mut previous: Option<OffsetPosition> = None;
        for n in 0..self.entries() {
            let entry = self.entry(n);
            let ordered = match previous {
                None => entry.offset > self.base_offset,
                Some(prev) => entry.offset > prev.offset && entry.position > prev.position,
            };
            if !ordered || u64::from(entry.position) >= log_size_bytes {
                return Err(self.corrupt(format!(
                    "entry {n} ({}, {}) is out of order or past the log size {log_size_bytes}",
                    entry.offset, entry.position
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

    fn decode(&self, slot: &[u8]) -> OffsetPosition {
        OffsetPosition {
            offset: self.base_offset + i64::from(read_u32(slot, 0)),
            position: read_u32(slot, 4),
        }
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
    fn entries_are_preallocated_looked_up_truncated_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000100.index");
        let mut index = OffsetIndex::open(&path, 100, 81).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 80);
        for (n, offset) in [105, 110, 120].iter().enumerate() {
            index.append(*offset, (n as u32 + 1) * 1000).unwrap();
        }
        assert!(index.append(120, 9000).is_err(), "offsets must increase");
        assert_eq!(
            index.lookup(99),
            OffsetPosition {
                offset: 100,
                position: 0
            }
        );
        assert_eq!(index.lookup(109).offset, 105);
        assert_eq!(index.lookup(110).position, 2000);
        assert_eq!(index.lookup(500).offset, 120);
        index.truncate_to(110);
        assert_eq!(index.entries(), 1);
        index.trim_to_valid_size().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes, [0, 0, 0, 5, 0, 0, 0x03, 0xe8]);
        drop(index);
        let reopened = OffsetIndex::open(&path, 100, 81).unwrap();
        assert_eq!(reopened.entries(), 1);
        reopened.sanity_check(2000).unwrap();
        assert!(
            reopened.sanity_check(1000).is_err(),
            "position past the log end"
        );
    }

    #[test]
    fn untrimmed_file_after_a_crash_fails_the_sanity_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        let mut index = OffsetIndex::open(&path, 0, 80).unwrap();
        index.append(7, 4200).unwrap();
        index.flush().unwrap();
        drop(index);
        let reopened = OffsetIndex::open(&path, 0, 80).unwrap();
        assert_eq!(reopened.entries(), 10);
        assert!(reopened.sanity_check(1 << 20).is_err());
    }

    #[test]
    fn an_existing_empty_index_is_not_preallocated() {
        // Kafka preallocates only an index it creates; a trimmed empty index of a cleanly
        // closed segment is loaded as it is.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.index");
        std::fs::File::create(&path).unwrap();
        let index = OffsetIndex::open(&path, 0, 80).unwrap();
        assert_eq!(index.entries(), 0);
        assert!(index.is_full());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn full_index_reports_full() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = OffsetIndex::open(&dir.path().join("a.index"), 0, 16).unwrap();
        index.append(1, 1).unwrap();
        index.append(2, 2).unwrap();
        assert!(index.is_full());
        assert!(index.append(3, 3).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Lookup = greatest entry <= target (brute force), truncation keeps entries below.
        #[test]
        fn lookup_and_truncate_match_a_linear_search(
            gaps in proptest::collection::vec(1i64..50, 0..60),
            targets in proptest::collection::vec(0i64..3000, 1..20),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut index = OffsetIndex::open(&dir.path().join("p.index"), 7, 4096).unwrap();
            let mut entries = Vec::new();
            let mut offset = 7;
            for (n, gap) in gaps.iter().enumerate() {
                offset += gap;
                index.append(offset, n as u32 * 10 + 1).unwrap();
                entries.push((offset, n as u32 * 10 + 1));
            }
            for target in targets {
                let expected = entries
                    .iter()
                    .rev()
                    .find(|(o, _)| *o <= target)
                    .map_or((7, 0), |e| *e);
                let found = index.lookup(target);
                proptest::prop_assert_eq!((found.offset, found.position), expected);
            }
            let cut = entries.get(entries.len() / 2).map_or(0, |e| e.0);
            index.truncate_to(cut);
            let kept = entries.iter().filter(|(o, _)| *o < cut).count();
            proptest::prop_assert_eq!(index.entries(), kept);
        }
    }
}
