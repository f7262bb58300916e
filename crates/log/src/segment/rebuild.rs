//! Rebuilding a segment's indexes from its `.log` file during recovery (kafka-2.4.md §4.9).
//!
//! The file is read in chunks and walked with `gregor_protocol::records::batches`; each batch
//! must be structurally whole, carry a matching CRC-32C and continue the offsets. Index entries
//! are placed exactly as appends place them (§4.5/§4.6), so a rebuilt index equals the one the
//! appends wrote. The walk stops at the first bad or incomplete batch; the caller cuts there.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use gregor_protocol::records::{batches, RecordBatch};
use parking_lot::RwLockWriteGuard;

use super::SegmentFiles;
use crate::config::LogConfig;
use crate::epoch::LeaderEpochCache;
use crate::error::{IoContext, Result};
use crate::index::{OffsetIndex, TimeIndex};

/// Bytes read at a time (grown for a larger batch).
const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// What the rebuild learnt about the valid prefix of the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct RebuildState {
    /// Bytes of complete, valid batches from the file start.
    pub valid_bytes: u64,
    /// Position of the last offset index entry written.
    last_index_entry: u64,
    /// Offset after the last valid batch.
    pub next_offset: i64,
    /// Largest max timestamp so far (-1 when none).
    pub max_timestamp: i64,
    /// Last offset of the batch holding it.
    pub offset_of_max_timestamp: i64,
}

/// An index rebuild in progress; holds both index write locks.
pub(super) struct Rebuild<'f> {
    /// Offset index, emptied and sized for the rebuild.
    offset_index: RwLockWriteGuard<'f, OffsetIndex>,
    /// Time index, emptied and sized for the rebuild.
    time_index: RwLockWriteGuard<'f, TimeIndex>,
    /// `index.interval.bytes`.
    interval_bytes: u64,
    /// Segment base offset.
    base_offset: i64,
    /// Progress.
    state: RebuildState,
}

impl<'f> Rebuild<'f> {
    /// Empties both indexes and grows them to `segment.index.bytes`.
    pub(super) fn start(files: &'f SegmentFiles, config: &LogConfig) -> Result<Rebuild<'f>> {
        let mut offset_index = files.offset_index.write();
        let mut time_index = files.time_index.write();
        offset_index.reset();
        time_index.reset();
        offset_index.resize(config.max_index_bytes())?;
        time_index.resize(config.max_index_bytes())?;
        let base_offset = files.base_offset;
        Ok(Rebuild {
            offset_index,
            time_index,
            interval_bytes: u64::try_from(config.index_interval_bytes).unwrap_or(0),
            base_offset,
            state: RebuildState {
                valid_bytes: 0,
                last_index_entry: 0,
                next_offset: base_offset,
                max_timestamp: -1,
                offset_of_max_timestamp: base_offset,
            },
        })
    }

    /// Walks the file; returns why it stopped early, if it did (`None`: clean end or torn tail).
    pub(super) fn scan(
        &mut self,
        log: &File,
        log_path: &Path,
        file_size: u64,
        epochs: &mut LeaderEpochCache,
    ) -> Result<Option<String>> {
        let mut chunk_bytes = CHUNK_BYTES;
        let mut buffer = Vec::new();
        while self.state.valid_bytes < file_size {
            let chunk_start = self.state.valid_bytes;
            let want = (file_size - chunk_start).min(chunk_bytes as u64) as usize;
            buffer.resize(want, 0);
            log.read_exact_at(&mut buffer, chunk_start).at(log_path)?;
            let mut iter = batches(&buffer);
            loop {
                let position = chunk_start + iter.position() as u64;
                let Some(item) = iter.next() else { break };
                let checked = item.and_then(|b| b.ensure_valid().map(|()| b));
                let batch = match checked {
                    Ok(batch) => batch,
                    Err(err) => return Ok(Some(err.to_string())),
                };
                if let Err(reason) = self.visit(&batch, position, epochs)? {
                    return Ok(Some(reason));
                }
            }
            let Some(tail) = iter.partial_tail() else {
                continue; // the chunk ended on a batch boundary: read the next one
            };
            if chunk_start + want as u64 >= file_size {
                break; // torn last batch
            }
            if tail.position == 0 {
                // One batch larger than the chunk: read it whole if it is really on disk.
                let needed = tail.needed_bytes.unwrap_or(0) as u64;
                if needed == 0 || chunk_start + needed > file_size {
                    break;
                }
                chunk_bytes = needed as usize;
            }
        }
        Ok(None)
    }

    /// Accounts for one valid batch at `position`; `Ok(Err(reason))` when its offsets do not
    /// continue the segment.
    fn visit(
        &mut self,
        batch: &RecordBatch<'_>,
        position: u64,
        epochs: &mut LeaderEpochCache,
    ) -> Result<std::result::Result<(), String>> {
        let state = &mut self.state;
        let (base, last) = (batch.base_offset(), batch.last_offset());
        if base < state.next_offset || last < base || last - self.base_offset > i64::from(i32::MAX)
        {
            return Ok(Err(format!(
                "batch offsets {base}..={last} do not follow offset {}",
                state.next_offset
            )));
        }
        if batch.max_timestamp() > state.max_timestamp {
            state.max_timestamp = batch.max_timestamp();
            state.offset_of_max_timestamp = last;
        }
        let due = position - state.last_index_entry > self.interval_bytes;
        if due && !self.offset_index.is_full() {
            self.offset_index.append(last, position as u32)?;
            if !self.time_index.is_full() {
                self.time_index.maybe_append(
                    state.max_timestamp,
                    state.offset_of_max_timestamp,
                    false,
                )?;
            }
            state.last_index_entry = position;
        }
        state.valid_bytes = position + batch.size_in_bytes() as u64;
        state.next_offset = batch.next_offset();
        let epoch = batch.partition_leader_epoch();
        if epoch >= 0 && epochs.latest_epoch().map_or(true, |latest| epoch > latest) {
            epochs.assign(epoch, base)?;
        }
        Ok(Ok(()))
    }

    /// Adds the final (max timestamp, offset) time index entry and releases the indexes.
    pub(super) fn finish(mut self) -> Result<RebuildState> {
        let state = self.state;
        self.time_index
            .maybe_append(state.max_timestamp, state.offset_of_max_timestamp, true)?;
        Ok(state)
    }
}
