//! Legacy message sets: magic 0 and magic 1 messages (Produce v0–2, Fetch v0–3, old segments).
//!
//! Each entry of a set (kafka-2.4.md §4.11; big-endian):
//!
//! ```text
//!  0  offset        int64   absolute offset; for a compressed wrapper, the offset of its last inner message
//!  8  message_size  int32   bytes after this field
//! 12  crc           uint32  CRC-32 (IEEE) of bytes 16..end
//! 16  magic         int8    0 or 1
//! 17  attributes    int8    bits 0-2 codec (none, gzip, snappy, lz4), bit 3 timestamp type (magic 1)
//! 18  timestamp     int64   magic 1 only
//!     key           int32 length (-1 = null) + bytes
//!     value         int32 length (-1 = null) + bytes; for a wrapper, the compressed inner message set
//! ```
//!
//! Inner messages of a magic-1 wrapper carry relative offsets 0..n-1; a magic-0 wrapper's inner
//! messages carry absolute offsets. The writing side (builder, in-place rewrites) is in
//! [`super::legacy_write`].

use bytes::Bytes;

use super::batch::{read_log_overhead, TimestampType, LOG_OVERHEAD, NO_TIMESTAMP};
use super::compression::{decompress_legacy, Compression};
use super::error::{need, RecordsError};
use super::iter::{PartialBatch, RawEntries};
use super::record::OwnedRecord;

/// Byte index of the CRC.
pub(crate) const LEGACY_CRC_OFFSET: usize = 12;
/// Byte index of the attributes.
pub(crate) const LEGACY_ATTRIBUTES_OFFSET: usize = 17;
/// Byte index of the magic-1 timestamp.
pub(crate) const LEGACY_TIMESTAMP_OFFSET: usize = 18;
/// Attribute bit 3: LogAppendTime (magic 1).
pub(crate) const LEGACY_TIMESTAMP_TYPE_MASK: u8 = 0x08;
/// Smallest magic-0 message after the log overhead: crc, magic, attributes, two -1 lengths.
pub const RECORD_OVERHEAD_V0: usize = 14;
/// Smallest magic-1 message after the log overhead (adds the timestamp).
pub const RECORD_OVERHEAD_V1: usize = 22;

/// A read-only view of one legacy message (log overhead included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyMessage<'a> {
    /// Exactly the entry's bytes.
    bytes: &'a [u8],
    /// The key, located while parsing.
    key: Option<&'a [u8]>,
    /// The value, located while parsing.
    value: Option<&'a [u8]>,
}

/// Reads an int32-length-prefixed nullable byte string at `at`; returns it and the index after it.
fn read_legacy_bytes<'b>(
    b: &'b [u8],
    at: usize,
    what: &'static str,
) -> Result<(Option<&'b [u8]>, usize), RecordsError> {
    need(what, at + 4, b.len())?;
    let len = i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let start = at + 4;
    if len == -1 {
        return Ok((None, start));
    }
    let len = usize::try_from(len)
        .map_err(|_| RecordsError::InvalidRecord(format!("negative {what} length {len}")))?;
    need(what, len, b.len() - start)?;
    Ok((Some(&b[start..start + len]), start + len))
}

impl<'a> LegacyMessage<'a> {
    /// Parses exactly one entry: magic 0/1, sizes consistent, key and value inside the entry.
    pub fn new(bytes: &'a [u8]) -> Result<Self, RecordsError> {
        need(
            "legacy message",
            LOG_OVERHEAD + RECORD_OVERHEAD_V0,
            bytes.len(),
        )?;
        let magic = bytes[16] as i8;
        let key_at = match magic {
            0 => 18,
            1 => {
                need(
                    "legacy message",
                    LOG_OVERHEAD + RECORD_OVERHEAD_V1,
                    bytes.len(),
                )?;
                26
            }
            other => return Err(RecordsError::InvalidMagic(other)),
        };
        let size = read_log_overhead(bytes).map_or(-1, |(_, size)| size);
        if usize::try_from(size).ok() != Some(bytes.len() - LOG_OVERHEAD) {
            return Err(RecordsError::InvalidRecord(format!(
                "message size field {size} does not match the {} bytes present",
                bytes.len() - LOG_OVERHEAD
            )));
        }
        let (key, value_at) = read_legacy_bytes(bytes, key_at, "message key")?;
        let (value, end) = read_legacy_bytes(bytes, value_at, "message value")?;
        if end != bytes.len() {
            return Err(RecordsError::InvalidRecord(format!(
                "{} bytes after the message value",
                bytes.len() - end
            )));
        }
        Ok(LegacyMessage { bytes, key, value })
    }

    /// The entry's bytes, log overhead included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The offset field.
    pub fn offset(&self) -> i64 {
        read_log_overhead(self.bytes).map_or(-1, |(offset, _)| offset)
    }

    /// The message size field (bytes after it).
    pub fn message_size(&self) -> i32 {
        (self.bytes.len() - LOG_OVERHEAD) as i32
    }

    /// The stored CRC-32.
    pub fn crc(&self) -> u32 {
        let b = &self.bytes[LEGACY_CRC_OFFSET..LEGACY_CRC_OFFSET + 4];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// 0 or 1.
    pub fn magic(&self) -> i8 {
        self.bytes[16] as i8
    }

    /// The raw attributes byte.
    pub fn attributes(&self) -> u8 {
        self.bytes[LEGACY_ATTRIBUTES_OFFSET]
    }

    /// The codec; zstd (4) and ids 5..=7 are errors for legacy messages.
    pub fn compression(&self) -> Result<Compression, RecordsError> {
        let codec = Compression::from_id(self.attributes() & 0x07)?;
        if codec == Compression::Zstd {
            return Err(RecordsError::UnsupportedCompression(codec, self.magic()));
        }
        Ok(codec)
    }

    /// Whether the message wraps a compressed inner message set.
    pub fn is_compressed(&self) -> bool {
        self.attributes() & 0x07 != 0
    }

    /// NoTimestampType for magic 0; CreateTime or LogAppendTime from bit 3 for magic 1.
    pub fn timestamp_type(&self) -> TimestampType {
        match (
            self.magic(),
            self.attributes() & LEGACY_TIMESTAMP_TYPE_MASK != 0,
        ) {
            (0, _) => TimestampType::NoTimestampType,
            (_, true) => TimestampType::LogAppendTime,
            (_, false) => TimestampType::CreateTime,
        }
    }

    /// The timestamp (-1 for magic 0).
    pub fn timestamp(&self) -> i64 {
        if self.magic() == 0 {
            return NO_TIMESTAMP;
        }
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.bytes[LEGACY_TIMESTAMP_OFFSET..LEGACY_TIMESTAMP_OFFSET + 8]);
        i64::from_be_bytes(a)
    }

    /// The key (`None` = null).
    pub fn key(&self) -> Option<&'a [u8]> {
        self.key
    }

    /// The value (`None` = null); the compressed inner set for a wrapper.
    pub fn value(&self) -> Option<&'a [u8]> {
        self.value
    }

    /// CRC-32 over magic..end.
    pub fn compute_checksum(&self) -> u32 {
        crc32fast::hash(&self.bytes[16..])
    }

    /// Whether the stored CRC matches.
    pub fn is_valid(&self) -> bool {
        self.crc() == self.compute_checksum()
    }

    /// Fails with `CrcMismatch` when the CRC does not match (Kafka's `LegacyRecord.ensureValid`).
    pub fn ensure_valid(&self) -> Result<(), RecordsError> {
        let computed = self.compute_checksum();
        if self.crc() != computed {
            return Err(RecordsError::CrcMismatch {
                stored: self.crc(),
                computed,
            });
        }
        Ok(())
    }

    /// The logical records: the message itself, or a wrapper's inner messages with absolute
    /// offsets (magic 1: wrapper offset − last relative offset + relative offset, when that base is
    /// not negative, as Kafka's deep iterator does) and, under LogAppendTime, the wrapper's
    /// timestamp. Inner CRCs, magic and single-level compression are checked.
    pub fn records(&self, max_decompressed_bytes: usize) -> Result<Vec<OwnedRecord>, RecordsError> {
        let records = self.records_with_stored_offsets(max_decompressed_bytes)?;
        Ok(records.into_iter().map(|(_, record)| record).collect())
    }

    /// Like [`LegacyMessage::records`], pairing each record with the offset stored in its inner
    /// message (relative for magic 1), which validation needs.
    pub(crate) fn records_with_stored_offsets(
        &self,
        max_decompressed_bytes: usize,
    ) -> Result<Vec<(i64, OwnedRecord)>, RecordsError> {
        let codec = self.compression()?;
        if codec == Compression::None {
            let record = owned(self, self.offset(), self.timestamp(), None);
            return Ok(vec![(self.offset(), record)]);
        }
        let compressed = self.value.unwrap_or_default();
        let inner = Bytes::from(decompress_legacy(
            codec,
            compressed,
            max_decompressed_bytes,
        )?);
        let messages = inner_messages(&inner, self.magic())?;
        if messages.is_empty() {
            return Err(RecordsError::InvalidRecord(
                "found invalid compressed record set with no inner records".into(),
            ));
        }
        let last_relative = messages.last().map_or(0, LegacyMessage::offset);
        let base = if self.magic() > 0 {
            self.offset().wrapping_sub(last_relative)
        } else {
            -1
        };
        let log_append_time =
            (self.timestamp_type() == TimestampType::LogAppendTime).then(|| self.timestamp());
        Ok(messages
            .iter()
            .map(|m| {
                let offset = if base >= 0 {
                    base.wrapping_add(m.offset())
                } else {
                    m.offset()
                };
                let timestamp = log_append_time.unwrap_or_else(|| m.timestamp());
                (m.offset(), owned(m, offset, timestamp, Some(&inner)))
            })
            .collect())
    }
}

/// Parses and checks the inner messages of a decompressed wrapper value.
fn inner_messages(inner: &[u8], wrapper_magic: i8) -> Result<Vec<LegacyMessage<'_>>, RecordsError> {
    let mut entries = RawEntries::new(inner);
    let mut out = Vec::new();
    for entry in entries.by_ref() {
        let (bytes, _) = entry?;
        let message = LegacyMessage::new(bytes)?;
        message.ensure_valid()?;
        if message.magic() != wrapper_magic {
            return Err(RecordsError::InvalidRecord(format!(
                "inner message magic {} does not match wrapper magic {wrapper_magic}",
                message.magic()
            )));
        }
        if message.is_compressed() {
            return Err(RecordsError::InvalidRecord(
                "compressed message inside a compressed message".into(),
            ));
        }
        out.push(message);
    }
    if entries.partial_tail().is_some() {
        return Err(RecordsError::InvalidRecord(
            "truncated inner message in a compressed wrapper".into(),
        ));
    }
    Ok(out)
}

/// Copies a message into an `OwnedRecord`, slicing `backing` instead of copying when given.
fn owned(
    m: &LegacyMessage<'_>,
    offset: i64,
    timestamp: i64,
    backing: Option<&Bytes>,
) -> OwnedRecord {
    let to_bytes = |s: &[u8]| match backing {
        Some(b) => b.slice_ref(s),
        None => Bytes::copy_from_slice(s),
    };
    OwnedRecord {
        offset,
        timestamp,
        key: m.key().map(to_bytes),
        value: m.value().map(to_bytes),
        headers: Vec::new(),
    }
}

/// Iterator over the (shallow) messages of a legacy message set; errors on magic 2, stops at a
/// partial trailing entry like [`super::Batches`].
#[derive(Debug, Clone)]
pub struct LegacyMessages<'a> {
    /// The entry walk.
    raw: RawEntries<'a>,
}

/// Iterates the shallow messages of a magic 0/1 message set.
pub fn legacy_messages(records: &[u8]) -> LegacyMessages<'_> {
    LegacyMessages {
        raw: RawEntries::new(records),
    }
}

impl LegacyMessages<'_> {
    /// End of the last complete entry returned.
    pub fn position(&self) -> usize {
        self.raw.position()
    }

    /// The incomplete trailing entry, if iteration stopped at one.
    pub fn partial_tail(&self) -> Option<PartialBatch> {
        self.raw.partial_tail()
    }
}

impl<'a> Iterator for LegacyMessages<'a> {
    type Item = Result<LegacyMessage<'a>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.raw.position();
        let entry = self.raw.next()?;
        let result = entry.and_then(|(bytes, _)| LegacyMessage::new(bytes));
        if result.is_err() {
            self.raw.stop_at(start);
        }
        Some(result)
    }
}
