//! Walking batch headers in a `.log` file without reading payloads.
//!
//! Offset lookups, timestamp searches and the "largest timestamp after the last index entry"
//! load only need each batch's fixed header (kafka-2.4.md §4.10), as Kafka's
//! `FileLogInputStream` reads only headers. The walk reads the file through a buffer filled by
//! positional reads (`pread`) that start small and double, so a lookup that stops at the first
//! header copies little and many small batches still cost few system calls and the shared `File`
//! needs no seek position. Full validation (CRC, records) is done on whole batches by
//! `gregor_protocol::records` in recovery, not here.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use gregor_protocol::records::{RecordBatchHeader, RECORD_BATCH_OVERHEAD};

/// Bytes read by the first `pread` of a walk: most lookups need only the first header or two.
const FIRST_READ_BYTES: usize = 512;
/// Largest `pread` of a walk; each refill doubles the read size up to this.
const MAX_READ_BYTES: usize = 16 * 1024;

/// The fields of a v2 batch header the log needs for navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Byte position of the batch in the file.
    pub position: u64,
    /// First offset.
    pub base_offset: i64,
    /// Last offset (base + last offset delta).
    pub last_offset: i64,
    /// Total size of the batch in bytes, log overhead included.
    pub size_bytes: u32,
    /// Largest record timestamp (or append time).
    pub max_timestamp: i64,
    /// Epoch of the leader that appended it.
    pub partition_leader_epoch: i32,
}

impl BatchHeader {
    /// The offset after this batch.
    pub fn next_offset(&self) -> i64 {
        self.last_offset + 1
    }

    /// Decodes the fixed header at the start of `bytes`; `None` if it is not a complete,
    /// plausible magic-2 header.
    fn decode(bytes: &[u8], position: u64) -> Option<BatchHeader> {
        let header = RecordBatchHeader::parse(bytes).ok()?;
        Some(BatchHeader {
            position,
            base_offset: header.base_offset,
            last_offset: header
                .base_offset
                .checked_add(i64::from(header.last_offset_delta))?,
            size_bytes: u32::try_from(header.size_in_bytes()).ok()?,
            max_timestamp: header.max_timestamp,
            partition_leader_epoch: header.partition_leader_epoch,
        })
    }
}

/// Iterator over the batch headers of `file` in `[start, end)`. Stops (without error) at the
/// first entry that is incomplete or does not look like a v2 batch; I/O errors are yielded.
#[derive(Debug)]
pub struct HeaderScan<'f> {
    /// The segment's log file.
    file: &'f File,
    /// Position of the next header.
    position: u64,
    /// Exclusive bound: the segment's visible size.
    end: u64,
    /// Buffered bytes starting at `buffer_start`.
    buffer: Vec<u8>,
    /// File position of `buffer[0]`.
    buffer_start: u64,
    /// Bytes the next refill asks for.
    next_read_bytes: usize,
    /// Set after the end or an error.
    done: bool,
}

impl<'f> HeaderScan<'f> {
    /// Walks headers from `start` to `end`.
    pub fn new(file: &'f File, start: u64, end: u64) -> HeaderScan<'f> {
        HeaderScan {
            file,
            position: start,
            end,
            buffer: Vec::new(),
            buffer_start: start,
            next_read_bytes: FIRST_READ_BYTES,
            done: false,
        }
    }

    /// Makes sure `buffer` holds `RECORD_BATCH_OVERHEAD` bytes at `position` (or what is left).
    fn fill(&mut self) -> io::Result<()> {
        let offset_in_buffer = self.position.saturating_sub(self.buffer_start) as usize;
        let buffered = self.position >= self.buffer_start
            && offset_in_buffer + RECORD_BATCH_OVERHEAD <= self.buffer.len();
        if buffered {
            return Ok(());
        }
        let want = (self.end - self.position).min(self.next_read_bytes as u64) as usize;
        self.next_read_bytes = (self.next_read_bytes * 2).min(MAX_READ_BYTES);
        self.buffer.resize(want, 0);
        let mut filled = 0;
        while filled < want {
            let read = self
                .file
                .read_at(&mut self.buffer[filled..], self.position + filled as u64)?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        self.buffer.truncate(filled);
        self.buffer_start = self.position;
        Ok(())
    }
}

impl Iterator for HeaderScan<'_> {
    type Item = io::Result<BatchHeader>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.position + RECORD_BATCH_OVERHEAD as u64 > self.end {
            return None;
        }
        if let Err(err) = self.fill() {
            self.done = true;
            return Some(Err(err));
        }
        let at = (self.position - self.buffer_start) as usize;
        let header = self
            .buffer
            .get(at..)
            .and_then(|bytes| BatchHeader::decode(bytes, self.position));
        match header {
            Some(header) if self.position + u64::from(header.size_bytes) <= self.end => {
                self.position += u64::from(header.size_bytes);
                Some(Ok(header))
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}
