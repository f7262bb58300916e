//! `<offset>.snapshot` files (kafka-2.4.md §4.12, Kafka's `ProducerStateManager.writeSnapshot`
//! / `readSnapshot`): int16 version 1, uint32 CRC-32C of everything after the CRC field, then an
//! int32 count and that many 46-byte producer entries, all big-endian. The file name is the
//! 20-digit offset up to which the state is complete.

use std::collections::VecDeque;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::entry::{BatchMetadata, ProducerStateEntry};
use super::ProducerError;
use crate::segment::{filename_prefix, parse_base_offset};

/// Suffix of producer snapshot files.
pub const SNAPSHOT_FILE_SUFFIX: &str = ".snapshot";

/// The only snapshot version Kafka 2.4 writes and reads.
const SNAPSHOT_VERSION: i16 = 1;
/// Bytes before the entry array's count: version (2) and CRC (4).
const ENTRIES_AT: usize = 6;
/// Bytes of one serialized producer entry.
const ENTRY_BYTES: usize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

/// Path of the snapshot for `offset` in `dir`.
pub fn snapshot_path(dir: &Path, offset: i64) -> PathBuf {
    dir.join(format!("{}{SNAPSHOT_FILE_SUFFIX}", filename_prefix(offset)))
}

/// Offsets of every snapshot file in `dir`, ascending.
pub fn list_snapshots(dir: &Path) -> Result<Vec<i64>, ProducerError> {
    let mut offsets = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| ProducerError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ProducerError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(offset) = parse_base_offset(&name, SNAPSHOT_FILE_SUFFIX) {
            offsets.push(offset);
        }
    }
    offsets.sort_unstable();
    Ok(offsets)
}

/// Serializes `entries` in Kafka's snapshot format.
pub fn encode<'a>(entries: impl ExactSizeIterator<Item = &'a ProducerStateEntry>) -> Vec<u8> {
    let count = entries.len();
    let mut out = Vec::with_capacity(ENTRIES_AT + 4 + count * ENTRY_BYTES);
    out.extend_from_slice(&SNAPSHOT_VERSION.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&i32::try_from(count).unwrap_or(i32::MAX).to_be_bytes());
    for entry in entries {
        out.extend_from_slice(&entry.producer_id.to_be_bytes());
        out.extend_from_slice(&entry.producer_epoch.to_be_bytes());
        out.extend_from_slice(&entry.last_seq().to_be_bytes());
        out.extend_from_slice(&entry.last_data_offset().to_be_bytes());
        out.extend_from_slice(&entry.last_offset_delta().to_be_bytes());
        out.extend_from_slice(&entry.last_timestamp.to_be_bytes());
        out.extend_from_slice(&entry.coordinator_epoch.to_be_bytes());
        out.extend_from_slice(&entry.current_txn_first_offset.unwrap_or(-1).to_be_bytes());
    }
    let crc = crc32c::crc32c(&out[ENTRIES_AT..]);
    out[2..ENTRIES_AT].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Parses a snapshot; every length is checked against the bytes present.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<Vec<ProducerStateEntry>, ProducerError> {
    let corrupt = |reason: String| ProducerError::CorruptSnapshot {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < ENTRIES_AT + 4 {
        return Err(corrupt(format!("only {} bytes", bytes.len())));
    }
    let version = i16::from_be_bytes([bytes[0], bytes[1]]);
    if version != SNAPSHOT_VERSION {
        return Err(corrupt(format!(
            "Snapshot contained an unknown file version {version}"
        )));
    }
    let stored_crc = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
    let computed_crc = crc32c::crc32c(&bytes[ENTRIES_AT..]);
    if stored_crc != computed_crc {
        return Err(corrupt(format!(
            "Snapshot is corrupt (CRC is no longer valid). Stored crc: {stored_crc}. Computed crc: {computed_crc}"
        )));
    }
    let mut reader = Reader {
        bytes: &bytes[ENTRIES_AT..],
    };
    let count = reader
        .i32()
        .ok_or_else(|| corrupt("truncated count".into()))?;
    let count = usize::try_from(count).map_err(|_| corrupt(format!("negative count {count}")))?;
    if count.checked_mul(ENTRY_BYTES) != Some(reader.bytes.len()) {
        return Err(corrupt(format!(
            "{count} entries do not fit the {} bytes left",
            reader.bytes.len()
        )));
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        entries.push(read_entry(&mut reader).ok_or_else(|| corrupt("truncated entry".into()))?);
    }
    Ok(entries)
}

fn read_entry(reader: &mut Reader<'_>) -> Option<ProducerStateEntry> {
    let producer_id = reader.i64()?;
    let producer_epoch = reader.i16()?;
    let last_seq = reader.i32()?;
    let last_offset = reader.i64()?;
    let offset_delta = reader.i32()?;
    let timestamp = reader.i64()?;
    let coordinator_epoch = reader.i32()?;
    let txn_first_offset = reader.i64()?;
    let mut batches = VecDeque::new();
    // Kafka restores only the last batch; an entry without data (only markers) has offset -1.
    if last_offset >= 0 {
        batches.push_back(BatchMetadata {
            last_seq,
            last_offset,
            offset_delta,
            timestamp,
        });
    }
    Some(ProducerStateEntry {
        producer_id,
        producer_epoch,
        batches,
        coordinator_epoch,
        last_timestamp: timestamp,
        current_txn_first_offset: (txn_first_offset >= 0).then_some(txn_first_offset),
    })
}

/// Writes `bytes` to `path` durably: a temporary file, fsync, rename.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ProducerError> {
    let tmp = path.with_extension("snapshot.tmp");
    let mut file = fs::File::create(&tmp).map_err(|e| ProducerError::io(&tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| ProducerError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| ProducerError::io(path, e))
}

/// Removes a snapshot file; a missing one is fine.
pub fn delete_file(path: &Path) -> Result<(), ProducerError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ProducerError::io(path, e)),
        _ => Ok(()),
    }
}

/// Big-endian reads from a shrinking slice.
struct Reader<'a> {
    /// Bytes not read yet.
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take().map(i16::from_be_bytes)
    }

    fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_be_bytes)
    }

    fn i64(&mut self) -> Option<i64> {
        self.take().map(i64::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64) -> ProducerStateEntry {
        let mut e = ProducerStateEntry::empty(id);
        e.add_batch(
            3,
            BatchMetadata {
                last_seq: 41,
                last_offset: 100,
                offset_delta: 4,
                timestamp: 1_600_000_000_000,
            },
        );
        e
    }

    #[test]
    fn round_trips_and_has_kafkas_layout() {
        let entries = [entry(1000), entry(1001)];
        let bytes = encode(entries.iter());
        assert_eq!(bytes.len(), 6 + 4 + 2 * 46);
        assert_eq!(&bytes[..2], &[0, 1]);
        assert_eq!(&bytes[6..10], &[0, 0, 0, 2]);
        assert_eq!(&bytes[10..18], &1000i64.to_be_bytes());
        let back = decode(Path::new("x"), &bytes).unwrap();
        assert_eq!(back, entries.to_vec());
    }

    #[test]
    fn corruption_and_lying_counts_are_refused() {
        let mut bytes = encode([entry(1)].iter());
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(decode(Path::new("x"), &bytes).is_err());
        let mut lying = encode(std::iter::empty());
        lying[6..10].copy_from_slice(&i32::MAX.to_be_bytes());
        let crc = crc32c::crc32c(&lying[6..]);
        lying[2..6].copy_from_slice(&crc.to_be_bytes());
        assert!(decode(Path::new("x"), &lying).is_err());
        assert!(decode(Path::new("x"), &[0, 1]).is_err());
    }

    #[test]
    fn file_names_are_twenty_digit_offsets() {
        let path = snapshot_path(Path::new("/d"), 42);
        assert_eq!(path, Path::new("/d/00000000000000000042.snapshot"));
    }
}
