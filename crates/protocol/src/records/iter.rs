//! Iteration over the batches of a record set: a Produce request's `records`, a Fetch response's
//! `records`, or a segment file's bytes.
//!
//! Every entry starts with the 12-byte log overhead (offset int64, size int32) and carries its magic
//! byte at index 16, so the walk is the same for all formats (Kafka's `ByteBufferLogInputStream`).
//! A trailing entry that is cut short (a Fetch response cut at its byte limit, a segment torn by a
//! crash) ends the iteration cleanly and is reported by [`Batches::partial_tail`].

use super::batch::{read_log_overhead, RecordBatch, LOG_OVERHEAD, MAGIC_OFFSET};
use super::error::RecordsError;
use super::legacy::LegacyMessage;

/// Smallest legal size field: a magic-0 message with null key and value
/// (`LegacyRecord.RECORD_OVERHEAD_V0`).
pub const MIN_ENTRY_SIZE: usize = 14;

/// An incomplete entry at the end of a record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialBatch {
    /// Byte index in the record set where the incomplete entry starts (= valid bytes before it).
    pub position: usize,
    /// Bytes present from `position` to the end.
    pub available_bytes: usize,
    /// Bytes the entry claims to need, when its size field could be read.
    pub needed_bytes: Option<usize>,
}

/// Walks raw entries of any magic; shared by [`Batches`] and the legacy/mixed iterators.
#[derive(Debug, Clone)]
pub(crate) struct RawEntries<'a> {
    /// The whole record set.
    data: &'a [u8],
    /// Start of the next entry.
    position: usize,
    /// Set after the end, a partial tail or an error: the iterator is fused.
    done: bool,
    /// The incomplete trailing entry, once seen.
    partial_tail: Option<PartialBatch>,
    /// Largest size field accepted, if the caller set one.
    max_entry_bytes: Option<usize>,
}

impl<'a> RawEntries<'a> {
    /// Starts at the first byte of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        RawEntries {
            data,
            position: 0,
            done: false,
            partial_tail: None,
            max_entry_bytes: None,
        }
    }

    /// Start of the next entry (the end of the last complete one returned).
    pub(crate) fn position(&self) -> usize {
        self.position
    }

    /// The incomplete trailing entry, if iteration stopped at one.
    pub(crate) fn partial_tail(&self) -> Option<PartialBatch> {
        self.partial_tail
    }

    /// Caps the size field of each entry.
    pub(crate) fn set_max_entry_bytes(&mut self, max: usize) {
        self.max_entry_bytes = Some(max);
    }

    /// Fuses the iterator after a caller-side error in the entry that started at `start`.
    pub(crate) fn stop_at(&mut self, start: usize) {
        self.position = start;
        self.done = true;
    }

    /// Marks the iteration as stopped at a partial tail.
    fn stop_partial(
        &mut self,
        needed_bytes: Option<usize>,
    ) -> Option<Result<(&'a [u8], i8), RecordsError>> {
        self.partial_tail = Some(PartialBatch {
            position: self.position,
            available_bytes: self.data.len() - self.position,
            needed_bytes,
        });
        self.done = true;
        None
    }

    /// Marks the iteration as failed.
    fn fail(&mut self, e: RecordsError) -> Option<Result<(&'a [u8], i8), RecordsError>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for RawEntries<'a> {
    /// One complete entry's bytes (log overhead included) and its magic byte.
    type Item = Result<(&'a [u8], i8), RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = &self.data[self.position..];
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let Some((_, size)) = read_log_overhead(rest) else {
            return self.stop_partial(None);
        };
        if size < MIN_ENTRY_SIZE as i32 {
            return self.fail(RecordsError::SizeTooSmall {
                size: i64::from(size),
                minimum: MIN_ENTRY_SIZE,
            });
        }
        let size = size as usize;
        if let Some(maximum) = self.max_entry_bytes {
            if size > maximum {
                return self.fail(RecordsError::SizeTooLarge { size, maximum });
            }
        }
        if rest.len() > MAGIC_OFFSET {
            let magic = rest[MAGIC_OFFSET] as i8;
            if !(0..=2).contains(&magic) {
                return self.fail(RecordsError::InvalidMagic(magic));
            }
        }
        let total = size + LOG_OVERHEAD;
        if rest.len() < total {
            return self.stop_partial(Some(total));
        }
        let entry = &rest[..total];
        self.position += total;
        Some(Ok((entry, entry[MAGIC_OFFSET] as i8)))
    }
}

/// Iterator over the magic-2 batches of a record set. Yields an error (and then stops) for a
/// malformed size field, an invalid magic byte, or a magic 0/1 entry; stops silently at a partial
/// trailing batch.
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    /// The entry walk.
    raw: RawEntries<'a>,
}

/// Iterates the magic-2 batches in `records`.
pub fn batches(records: &[u8]) -> Batches<'_> {
    Batches {
        raw: RawEntries::new(records),
    }
}

impl<'a> Batches<'a> {
    /// Rejects batches whose size field exceeds `max_batch_bytes` (Kafka's `maxMessageSize` check).
    pub fn with_max_batch_bytes(mut self, max_batch_bytes: usize) -> Self {
        self.raw.set_max_entry_bytes(max_batch_bytes);
        self
    }

    /// Byte index of the end of the last complete batch returned: the length of the valid prefix
    /// once iteration is over without error.
    pub fn position(&self) -> usize {
        self.raw.position()
    }

    /// The incomplete trailing batch, if iteration stopped at one.
    pub fn partial_tail(&self) -> Option<PartialBatch> {
        self.raw.partial_tail()
    }
}

impl<'a> Iterator for Batches<'a> {
    type Item = Result<RecordBatch<'a>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.raw.position;
        let entry = self.raw.next()?;
        let result = entry.and_then(|(bytes, _)| RecordBatch::new(bytes));
        if result.is_err() {
            // A bad entry makes everything after it unreadable; stop, like Kafka's input stream,
            // and leave `position` at its start so callers know where the valid prefix ends.
            self.raw.stop_at(start);
        }
        Some(result)
    }
}

/// One entry of a record set of any magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSetEntry<'a> {
    /// A magic-2 batch.
    V2(RecordBatch<'a>),
    /// A magic 0/1 message (possibly a compressed wrapper).
    Legacy(LegacyMessage<'a>),
}

impl<'a> RecordSetEntry<'a> {
    /// The entry's magic byte.
    pub fn magic(&self) -> i8 {
        match self {
            RecordSetEntry::V2(b) => b.magic(),
            RecordSetEntry::Legacy(m) => m.magic(),
        }
    }

    /// Offset of the entry's last record (a legacy wrapper stores exactly that).
    pub fn last_offset(&self) -> i64 {
        match self {
            RecordSetEntry::V2(b) => b.last_offset(),
            RecordSetEntry::Legacy(m) => m.offset(),
        }
    }

    /// Bytes of the entry, log overhead included.
    pub fn size_in_bytes(&self) -> usize {
        match self {
            RecordSetEntry::V2(b) => b.size_in_bytes(),
            RecordSetEntry::Legacy(m) => m.as_bytes().len(),
        }
    }

    /// Whether the entry's own checksum (CRC-32C or CRC-32) matches.
    pub fn is_valid(&self) -> bool {
        match self {
            RecordSetEntry::V2(b) => b.is_valid(),
            RecordSetEntry::Legacy(m) => m.is_valid(),
        }
    }
}

/// Iterator over the entries of a record set of any magic (Kafka's `Records.batches()`), for
/// Produce v0–2, dump-log and old segments. Same stopping rules as [`Batches`].
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    /// The entry walk.
    raw: RawEntries<'a>,
}

/// Iterates the entries of `records`, whatever their magic.
pub fn entries(records: &[u8]) -> Entries<'_> {
    Entries {
        raw: RawEntries::new(records),
    }
}

impl Entries<'_> {
    /// End of the last complete entry returned.
    pub fn position(&self) -> usize {
        self.raw.position()
    }

    /// The incomplete trailing entry, if iteration stopped at one.
    pub fn partial_tail(&self) -> Option<PartialBatch> {
        self.raw.partial_tail()
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<RecordSetEntry<'a>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.raw.position;
        let result = self.raw.next()?.and_then(|(bytes, magic)| match magic {
            2 => RecordBatch::new(bytes).map(RecordSetEntry::V2),
            _ => LegacyMessage::new(bytes).map(RecordSetEntry::Legacy),
        });
        if result.is_err() {
            self.raw.stop_at(start);
        }
        Some(result)
    }
}
