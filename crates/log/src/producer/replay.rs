//! Rebuilding producer state from the log (Kafka's `Log.loadProducersFromLog`): the producer
//! fields of every batch header from an offset to the end of the given segments. Only the
//! 61-byte headers are read, with positional reads, never the records.

use std::os::unix::fs::FileExt;

use gregor_protocol::records::{RecordBatchHeader, RECORD_BATCH_OVERHEAD};

use super::{ProducerBatch, ProducerError};
use crate::segment::SegmentView;

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
            let parsed = parse_header(&header)
                .filter(|(_, size_bytes)| *size_bytes >= RECORD_BATCH_OVERHEAD as u64);
            let Some((batch, size_bytes)) = parsed else {
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
/// is not a plausible magic-2 header.
pub fn parse_header(header: &[u8; RECORD_BATCH_OVERHEAD]) -> Option<(ProducerBatch, u64)> {
    let header = RecordBatchHeader::parse(header).ok()?;
    Some((
        ProducerBatch {
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            base_sequence: header.base_sequence,
            first_offset: header.base_offset,
            last_offset: header
                .base_offset
                .checked_add(i64::from(header.last_offset_delta))?,
            max_timestamp: header.max_timestamp,
            is_transactional: header.is_transactional(),
            is_control: header.is_control(),
        },
        u64::try_from(header.size_in_bytes()).ok()?,
    ))
}
