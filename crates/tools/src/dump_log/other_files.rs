//! The two small files `DumpLogSegments` also reads: the aborted-transaction index
//! (`.txnindex`) and the producer-state snapshot (`.snapshot`).
//!
//! `.txnindex`: 34-byte entries: version int16, producerId int64, firstOffset int64,
//! lastOffset int64, lastStableOffset int64.
//! `.snapshot` (version 1): version int16, crc uint32 (CRC-32C of the rest), count int32, then
//! 46-byte entries: producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64,
//! offsetDelta int32, timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64.

use std::fmt::Write as _;

use super::log_file::increment_sequence;

const TXN_ENTRY_BYTES: usize = 34;
const SNAPSHOT_HEADER_BYTES: usize = 10;
const SNAPSHOT_ENTRY_BYTES: usize = 46;

fn int(bytes: &[u8], at: usize, width: usize) -> i64 {
    let mut value: i64 = if bytes[at] & 0x80 != 0 { -1 } else { 0 };
    for byte in &bytes[at..at + width] {
        value = (value << 8) | i64::from(*byte);
    }
    value
}

/// One line per aborted transaction.
pub fn dump_txn_index(bytes: &[u8], out: &mut String) {
    for entry in bytes.chunks_exact(TXN_ENTRY_BYTES) {
        let _ = writeln!(
            out,
            "version: {} producerId: {} firstOffset: {} lastOffset: {} lastStableOffset: {}",
            int(entry, 0, 2),
            int(entry, 2, 8),
            int(entry, 10, 8),
            int(entry, 18, 8),
            int(entry, 26, 8)
        );
    }
}

/// One line per producer; `Err` carries Kafka's `CorruptSnapshotException` message.
pub fn dump_producer_snapshot(path: &str, bytes: &[u8], out: &mut String) -> Result<(), String> {
    if bytes.len() < SNAPSHOT_HEADER_BYTES {
        return Err(format!("Snapshot file {path} is corrupt: too short"));
    }
    let stored_crc = int(bytes, 2, 4) as u32;
    if crc32c::crc32c(&bytes[6..]) != stored_crc {
        return Err(format!(
            "Snapshot is corrupt (CRC is no longer valid). Stored crc: {stored_crc}. Computed crc: {}",
            crc32c::crc32c(&bytes[6..])
        ));
    }
    let count = usize::try_from(int(bytes, 6, 4)).unwrap_or(0);
    let body = &bytes[SNAPSHOT_HEADER_BYTES..];
    if count > body.len() / SNAPSHOT_ENTRY_BYTES {
        return Err(format!(
            "Snapshot file {path} is corrupt: {count} entries do not fit"
        ));
    }
    for entry in body.chunks_exact(SNAPSHOT_ENTRY_BYTES).take(count) {
        let last_sequence = int(entry, 10, 4) as i32;
        let offset_delta = int(entry, 22, 4) as i32;
        let first_sequence = if last_sequence < 0 {
            last_sequence
        } else {
            // Java: lastSeq - offsetDelta, wrapping below 0 back to Integer.MAX_VALUE.
            let first = last_sequence - offset_delta;
            if first < 0 {
                increment_sequence(i32::MAX, first)
            } else {
                first
            }
        };
        let _ = writeln!(
            out,
            "producerId: {} producerEpoch: {} coordinatorEpoch: {} currentTxnFirstOffset: {} firstSequence: {first_sequence} lastSequence: {last_sequence} lastOffset: {} offsetDelta: {offset_delta} timestamp: {}",
            int(entry, 0, 8),
            int(entry, 8, 2),
            int(entry, 34, 4),
            int(entry, 38, 8),
            int(entry, 14, 8),
            int(entry, 26, 8)
        );
    }
    Ok(())
}
