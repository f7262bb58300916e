//! Dumping `.index` and `.timeindex` files as Kafka 2.4's `DumpLogSegments` does: each entry
//! checked against the segment's `.log` (an offset-index entry must point at a batch whose last
//! offset is the entry's offset; a time-index entry must name a batch's last offset and its max
//! timestamp, in increasing time order), and the indexes' `sanityCheck`.
//!
//! Files are read as Kafka opens them read-only: the entry count is the file length rounded
//! down to whole entries, so a pre-allocated active index ends in zero entries, where the dump
//! stops (an entry at the base offset after the first one).

use std::fmt::Write as _;

use gregor_protocol::records::{entries, RecordSetEntry, DEFAULT_MAX_DECOMPRESSED_BYTES};

/// Offset-index entry size: relative offset int32 + position int32.
pub const OFFSET_ENTRY_BYTES: usize = 8;
/// Time-index entry size: timestamp int64 + relative offset int32.
pub const TIME_ENTRY_BYTES: usize = 12;

/// A failed `sanityCheck`: Kafka throws `CorruptIndexException` with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CorruptIndex(pub String);

fn be_i32(bytes: &[u8], at: usize) -> i32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    i32::from_be_bytes(word)
}

fn be_i64(bytes: &[u8], at: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    i64::from_be_bytes(word)
}

/// The offset index's entries as (absolute offset, position).
pub fn offset_entries(index: &[u8], base_offset: i64) -> Vec<(i64, i64)> {
    index
        .chunks_exact(OFFSET_ENTRY_BYTES)
        .map(|e| {
            (
                base_offset + i64::from(be_i32(e, 0)),
                i64::from(be_i32(e, 4)),
            )
        })
        .collect()
}

/// The time index's entries as (timestamp, absolute offset).
pub fn time_entries(index: &[u8], base_offset: i64) -> Vec<(i64, i64)> {
    index
        .chunks_exact(TIME_ENTRY_BYTES)
        .map(|e| (be_i64(e, 0), base_offset + i64::from(be_i32(e, 8))))
        .collect()
}

/// `OffsetIndex.sanityCheck`.
pub fn offset_sanity_check(path: &str, index: &[u8], base_offset: i64) -> Result<(), CorruptIndex> {
    let entries = offset_entries(index, base_offset);
    let last_offset = entries.last().map_or(base_offset, |e| e.0);
    if !entries.is_empty() && last_offset < base_offset {
        return Err(CorruptIndex(format!("Corrupt index found, index file ({path}) has non-zero size but the last offset is {last_offset} which is less than the base offset {base_offset}.")));
    }
    if index.len() % OFFSET_ENTRY_BYTES != 0 {
        return Err(CorruptIndex(format!("Index file {path} is corrupt, found {} bytes which is neither positive nor a multiple of {OFFSET_ENTRY_BYTES}.", index.len())));
    }
    Ok(())
}

/// `TimeIndex.sanityCheck`.
pub fn time_sanity_check(path: &str, index: &[u8], base_offset: i64) -> Result<(), CorruptIndex> {
    let entries = time_entries(index, base_offset);
    if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
        if last.0 < first.0 {
            return Err(CorruptIndex(format!("Corrupt time index found, time index file ({path}) has non-zero size but the last timestamp is {} which is less than the first timestamp {}", last.0, first.0)));
        }
        if last.1 < base_offset {
            return Err(CorruptIndex(format!("Corrupt time index found, time index file ({path}) has non-zero size but the last offset is {} which is less than the first offset {base_offset}", last.1)));
        }
    }
    if index.len() % TIME_ENTRY_BYTES != 0 {
        return Err(CorruptIndex(format!("Time index file {path} is corrupt, found {} bytes which is neither positive nor a multiple of {TIME_ENTRY_BYTES}.", index.len())));
    }
    Ok(())
}

/// Last offset of the first batch starting at `position` and fitting in `max_message_bytes`.
fn first_batch_last_offset(log: &[u8], position: usize, max_message_bytes: usize) -> Option<i64> {
    let end = log.len().min(position.saturating_add(max_message_bytes));
    let slice = log.get(position..end)?;
    entries(slice).next()?.ok().map(|entry| entry.last_offset())
}

/// Dumps an offset index; returns the (index offset, log offset) mismatches, newest first as
/// Kafka's prepended list prints them. `Err` when the first batch at an entry is missing
/// (Kafka's `NoSuchElementException`).
pub fn dump_offset_index(
    index: &[u8],
    log: &[u8],
    base_offset: i64,
    verify_only: bool,
    max_message_bytes: usize,
    out: &mut String,
) -> Result<Vec<(i64, i64)>, String> {
    let mut mismatches = Vec::new();
    for (i, (offset, position)) in offset_entries(index, base_offset).into_iter().enumerate() {
        // A pre-allocated (sparse) file ends in zero entries; stop at the first one.
        if offset == base_offset && i > 0 {
            break;
        }
        let position_bytes = usize::try_from(position).unwrap_or(usize::MAX);
        let last = first_batch_last_offset(log, position_bytes, max_message_bytes)
            .ok_or_else(|| "java.util.NoSuchElementException".to_string())?;
        if last != offset {
            mismatches.insert(0, (offset, last));
        }
        if !verify_only {
            let _ = writeln!(out, "offset: {offset} position: {position}");
        }
    }
    Ok(mismatches)
}

/// What checking a time index found (Kafka's `TimeIndexDumpErrors`, per file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeIndexErrors {
    /// (index timestamp, log max timestamp).
    pub mismatches: Vec<(i64, i64)>,
    /// (index timestamp, previously indexed timestamp).
    pub out_of_order: Vec<(i64, i64)>,
    /// (indexed offset, batch last offset found or -1).
    pub offsets_not_found: Vec<(i64, i64)>,
}

/// Dumps a time index, looking entries up through the offset index as Kafka does.
pub fn dump_time_index(
    time_index: &[u8],
    offset_index: &[u8],
    log: &[u8],
    base_offset: i64,
    verify_only: bool,
    out: &mut String,
) -> TimeIndexErrors {
    let mut errors = TimeIndexErrors::default();
    let offsets: Vec<(i64, i64)> = offset_entries(offset_index, base_offset)
        .into_iter()
        .enumerate()
        .take_while(|(i, (offset, _))| *i == 0 || *offset != base_offset)
        .map(|(_, entry)| entry)
        .collect();
    let mut previous_timestamp = -1i64;
    for (i, (timestamp, offset)) in time_entries(time_index, base_offset)
        .into_iter()
        .enumerate()
    {
        if offset == base_offset && i > 0 {
            break;
        }
        // OffsetIndex.lookup: the greatest entry at or below the offset, else the segment start.
        let position = offsets
            .iter()
            .rev()
            .find(|(indexed, _)| *indexed <= offset)
            .map_or(0, |(_, position)| *position);
        let from = log
            .get(usize::try_from(position).unwrap_or(usize::MAX)..)
            .unwrap_or_default();
        let batch = entries(from)
            .map_while(Result::ok)
            .find(|entry| entry.last_offset() >= offset);
        match batch {
            None => errors.offsets_not_found.push((offset, -1)),
            Some(entry) if entry.last_offset() != offset => {
                errors.offsets_not_found.push((offset, entry.last_offset()))
            }
            Some(entry) => {
                let max_timestamp = max_record_timestamp(&entry);
                if max_timestamp != timestamp {
                    errors.mismatches.push((timestamp, max_timestamp));
                }
                if previous_timestamp >= timestamp {
                    errors.out_of_order.push((timestamp, previous_timestamp));
                }
            }
        }
        if !verify_only {
            let _ = writeln!(out, "timestamp: {timestamp} offset: {offset}");
        }
        previous_timestamp = timestamp;
    }
    errors
}

fn max_record_timestamp(entry: &RecordSetEntry<'_>) -> i64 {
    let mut max = -1i64;
    match entry {
        RecordSetEntry::V2(batch) => {
            if let Ok(records) = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES) {
                for record in records.iter().map_while(Result::ok) {
                    max = max.max(record.timestamp);
                }
            }
        }
        RecordSetEntry::Legacy(message) => {
            if let Ok(records) = message.records(DEFAULT_MAX_DECOMPRESSED_BYTES) {
                for record in records {
                    max = max.max(record.timestamp);
                }
            }
        }
    }
    max
}
