//! Rebuilding producer state from the log (Kafka's `Log.loadProducersFromLog`): the producer
//! fields of every batch header from an offset to the end of the given segments. Only the
//! 61-byte headers are read, with positional reads, never the records.

use std::os::unix::fs::FileExt;

use gregor_protocol::records::{LOG_OVERHEAD, RECORD_BATCH_OVERHEAD};

use super::{ProducerBatch, ProducerError};
use crate::segment::SegmentView;

/// Attribute bit of transactional batches.
const TRANSACTIONAL_FLAG: i16 = 0x10;
/// Attribute bit of control batches (transaction markers).
const CONTROL_FLAG: i16 = 0x20;

/// The producer batches (producer id >= 0) of `segments` whose last offset is at or after
/// `from_offset`, in log order.
pub fn producer_batches(
    segments: &[SegmentView],
    from_offset: i64,
) -> Result<Vec<ProducerBatch>, ProducerError> {
    let mut out = Vec::new();
    for segment in segments.iter().filter(|s| s.next_offset > from_offset) {
        let file = segment.files.log_file();
        let path = segment.files.log_path();
        let mut position = 0u64;
        let mut header = [0u8; RECORD_BATCH_OVERHEAD];
        while position + RECORD_BATCH_OVERHEAD as u64 <= segment.size_bytes {
            file.read_exact_at(&mut header, position)
                .map_err(|e| ProducerError::io(path, e))?;
            let Some((batch, size_bytes)) = parse_header(&header) else {
                // Recovery already cut invalid tails; a legacy or odd entry simply ends the walk.
                break;
            };
            if batch.producer_id >= 0 && batch.last_offset >= from_offset {
                out.push(batch);
            }
            position += size_bytes;
        }
    }
    Ok(out)
}

/// The producer fields of a v2 batch header and the batch's total size; `None` when the header
/// is not magic 2 or its length is impossible.
pub fn parse_header(header: &[u8; RECORD_BATCH_OVERHEAD]) -> Option<(ProducerBatch, u64)> {
    let base_offset = i64::from_be_bytes(field(header, 0));
    let length = i32::from_be_bytes(field(header, 8));
    let size_bytes = u64::try_from(length).ok()? + LOG_OVERHEAD as u64;
    if header[16] != 2 || size_bytes < RECORD_BATCH_OVERHEAD as u64 {
        return None;
    }
    let attributes = i16::from_be_bytes(field(header, 21));
    let last_offset_delta = i32::from_be_bytes(field(header, 23));
    Some((
        ProducerBatch {
            producer_id: i64::from_be_bytes(field(header, 43)),
            producer_epoch: i16::from_be_bytes(field(header, 51)),
            base_sequence: i32::from_be_bytes(field(header, 53)),
            first_offset: base_offset,
            last_offset: base_offset.checked_add(i64::from(last_offset_delta))?,
            max_timestamp: i64::from_be_bytes(field(header, 35)),
            is_transactional: attributes & TRANSACTIONAL_FLAG != 0,
            is_control: attributes & CONTROL_FLAG != 0,
        },
        size_bytes,
    ))
}

/// `N` bytes at `at` of a full header.
fn field<const N: usize>(header: &[u8; RECORD_BATCH_OVERHEAD], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&header[at..at + N]);
    out
}
