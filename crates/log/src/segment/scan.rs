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

use gregor_protocol::records::batch::read_log_overhead;
use gregor_protocol::records::{LOG_OVERHEAD, RECORD_BATCH_OVERHEAD};

/// Bytes read by the first `pread` of a walk: most lookups need only the first header or two.
const FIRST_READ_BYTES: usize = 512;
/// Largest `pread` of a walk; each refill doubles the read size up to this.
const MAX_READ_BYTES: usize = 16 * 1024;

/// Byte index of the magic byte (same in every format).
const MAGIC_AT: usize = 16;
/// Byte index of the partition leader epoch in a v2 header.
const PARTITION_LEADER_EPOCH_AT: usize = 12;
/// Byte index of the last offset delta in a v2 header.
const LAST_OFFSET_DELTA_AT: usize = 23;
/// Byte index of the max timestamp in a v2 header.
const MAX_TIMESTAMP_AT: usize = 35;

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
        let header = bytes.get(..RECORD_BATCH_OVERHEAD)?;
        let (base_offset, length) = read_log_overhead(header)?;
        let total = usize::try_from(length).ok()?.checked_add(LOG_OVERHEAD)?;
        if header[MAGIC_AT] != 2 || total < RECORD_BATCH_OVERHEAD {
            return None;
        }
        let last_offset_delta = i32::from_be_bytes(field(header, LAST_OFFSET_DELTA_AT));
        Some(BatchHeader {
            position,
            base_offset,
            last_offset: base_offset.checked_add(i64::from(last_offset_delta))?,
            size_bytes: u32::try_from(total).ok()?,
            max_timestamp: i64::from_be_bytes(field(header, MAX_TIMESTAMP_AT)),
            partition_leader_epoch: i32::from_be_bytes(field(header, PARTITION_LEADER_EPOCH_AT)),
        })
    }
}

/// `N` bytes at `at`; the caller sliced `bytes` to the full header.
fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
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
