//! Writing legacy message sets: a builder (for down-conversion to old consumers and tests), the
//! leader's in-place rewrites (offsets, LogAppendTime) and validation of a produced legacy set.
//! Layout in [`super::legacy`].

use super::batch::{TimestampType, LOG_OVERHEAD};
use super::compression::{compress, Compression};
use super::error::RecordsError;
use super::legacy::{
    legacy_messages, LegacyMessage, LEGACY_ATTRIBUTES_OFFSET, LEGACY_CRC_OFFSET,
    LEGACY_TIMESTAMP_OFFSET, LEGACY_TIMESTAMP_TYPE_MASK,
};

/// Builds a magic 0 or 1 message set; compressed sets become one wrapper message.
#[derive(Debug, Clone)]
pub struct LegacyBuilder {
    /// 0 or 1.
    magic: i8,
    /// Codec of the wrapper (zstd is not allowed).
    compression: Compression,
    /// Encoded messages so far (inner messages when compressed).
    messages: Vec<u8>,
    /// First absolute offset appended.
    first_offset: Option<i64>,
    /// Last absolute offset appended.
    last_offset: i64,
    /// Largest timestamp appended (the wrapper's CreateTime timestamp).
    max_timestamp: i64,
    /// Broker append time when the set uses LogAppendTime (magic 1).
    log_append_time: Option<i64>,
}

impl LegacyBuilder {
    /// A builder for `magic` (0 or 1) and `compression` (not zstd).
    pub fn new(magic: i8, compression: Compression) -> Result<Self, RecordsError> {
        if !(0..=1).contains(&magic) {
            return Err(RecordsError::InvalidMagic(magic));
        }
        if compression == Compression::Zstd {
            return Err(RecordsError::UnsupportedCompression(compression, magic));
        }
        Ok(LegacyBuilder {
            magic,
            compression,
            messages: Vec::new(),
            first_offset: None,
            last_offset: -1,
            max_timestamp: -1,
            log_append_time: None,
        })
    }

    /// Uses LogAppendTime: every message (and the wrapper) carries `append_time_ms` and
    /// attribute bit 3. Ignored for magic 0.
    pub fn log_append_time(mut self, append_time_ms: i64) -> Self {
        if self.magic == 1 {
            self.log_append_time = Some(append_time_ms);
        }
        self
    }

    /// Attribute bits for the timestamp type.
    fn timestamp_type_bits(&self) -> u8 {
        if self.log_append_time.is_some() {
            LEGACY_TIMESTAMP_TYPE_MASK
        } else {
            0
        }
    }

    /// Appends a message at absolute `offset`; `timestamp` is ignored for magic 0.
    pub fn append(
        &mut self,
        offset: i64,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
    ) {
        let first = *self.first_offset.get_or_insert(offset);
        self.last_offset = offset;
        let timestamp = self.log_append_time.unwrap_or(timestamp);
        let attributes = self.timestamp_type_bits();
        self.max_timestamp = self.max_timestamp.max(timestamp);
        // Inner offsets of a magic-1 wrapper are relative to the first message.
        let stored = if self.compression != Compression::None && self.magic == 1 {
            offset - first
        } else {
            offset
        };
        write_message(
            &mut self.messages,
            self.magic,
            stored,
            attributes,
            timestamp,
            key,
            value,
        );
    }

    /// The message set; empty when nothing was appended.
    pub fn build(self) -> Result<Vec<u8>, RecordsError> {
        if self.compression == Compression::None || self.first_offset.is_none() {
            return Ok(self.messages);
        }
        let compressed = compress(self.compression, &self.messages)?;
        let mut out = Vec::with_capacity(compressed.len() + 40);
        let attributes = self.compression.id() | self.timestamp_type_bits();
        write_message(
            &mut out,
            self.magic,
            self.last_offset,
            attributes,
            self.log_append_time.unwrap_or(self.max_timestamp),
            None,
            Some(&compressed),
        );
        Ok(out)
    }
}

/// Appends one encoded message with a correct CRC-32.
fn write_message(
    out: &mut Vec<u8>,
    magic: i8,
    offset: i64,
    attributes: u8,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) {
    let start = out.len();
    out.extend_from_slice(&offset.to_be_bytes());
    out.extend_from_slice(&[0; 8]); // size and CRC, filled in below
    out.push(magic as u8);
    out.push(attributes);
    if magic == 1 {
        out.extend_from_slice(&timestamp.to_be_bytes());
    }
    for field in [key, value] {
        match field {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    let size = (out.len() - start - LOG_OVERHEAD) as i32;
    out[start + 8..start + 12].copy_from_slice(&size.to_be_bytes());
    let crc = crc32fast::hash(&out[start + 16..]);
    out[start + LEGACY_CRC_OFFSET..start + LEGACY_CRC_OFFSET + 4]
        .copy_from_slice(&crc.to_be_bytes());
}

/// Sets the offset field of one legacy entry (not CRC-covered).
pub fn set_legacy_offset(entry: &mut [u8], offset: i64) -> Result<(), RecordsError> {
    LegacyMessage::new(entry)?;
    entry[0..8].copy_from_slice(&offset.to_be_bytes());
    Ok(())
}

/// Sets a magic-1 entry's timestamp type and timestamp and recomputes its CRC-32 (Kafka's
/// `setMaxTimestamp` on a legacy batch). A no-op for magic 0, which has no timestamp.
pub fn set_legacy_max_timestamp(
    entry: &mut [u8],
    timestamp_type: TimestampType,
    timestamp: i64,
) -> Result<(), RecordsError> {
    let message = LegacyMessage::new(entry)?;
    if message.magic() == 0
        || (message.timestamp_type() == timestamp_type && message.timestamp() == timestamp)
    {
        return Ok(());
    }
    let mut attributes = message.attributes() & !LEGACY_TIMESTAMP_TYPE_MASK;
    if timestamp_type == TimestampType::LogAppendTime {
        attributes |= LEGACY_TIMESTAMP_TYPE_MASK;
    }
    entry[LEGACY_ATTRIBUTES_OFFSET] = attributes;
    entry[LEGACY_TIMESTAMP_OFFSET..LEGACY_TIMESTAMP_OFFSET + 8]
        .copy_from_slice(&timestamp.to_be_bytes());
    let crc = crc32fast::hash(&entry[16..]);
    entry[LEGACY_CRC_OFFSET..LEGACY_CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// What [`validate_legacy`] learnt about a produced legacy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatedLegacy {
    /// Magic of the set (all entries share it).
    pub magic: i8,
    /// Logical records (inner messages counted one by one).
    pub records_count: usize,
    /// Largest record timestamp (-1 for magic 0 or when none).
    pub max_timestamp: i64,
    /// Some record has a null key.
    pub has_null_key: bool,
    /// Whether the offsets can be assigned in place by [`assign_legacy_offsets`]: magic-1 wrappers
    /// with inner offsets 0..n-1, no magic-0 wrappers. When false Kafka re-compresses.
    pub in_place_assignable: bool,
}

/// Validates a produced legacy set like Kafka's leader: every entry parses, CRCs match (inner
/// ones too), one magic throughout, a compressed set is a single wrapper, codecs are legal.
pub fn validate_legacy(
    records: &[u8],
    max_decompressed_bytes: usize,
) -> Result<ValidatedLegacy, RecordsError> {
    let mut summary = ValidatedLegacy {
        magic: -1,
        records_count: 0,
        max_timestamp: -1,
        has_null_key: false,
        in_place_assignable: true,
    };
    let mut messages = legacy_messages(records);
    let mut entries = 0usize;
    let mut compressed = false;
    for message in messages.by_ref() {
        let message = message?;
        message.ensure_valid()?;
        if summary.magic >= 0 && summary.magic != message.magic() {
            return Err(RecordsError::InvalidRecord(format!(
                "batch magic {} is not the same as the first batch's magic byte {}",
                message.magic(),
                summary.magic
            )));
        }
        summary.magic = message.magic();
        entries += 1;
        compressed |= message.is_compressed();
        let inner = message.records_with_stored_offsets(max_decompressed_bytes)?;
        if message.is_compressed() {
            // Kafka keeps a magic-1 wrapper only when its inner offsets are 0, 1, 2, ...
            let sequential = inner
                .iter()
                .zip(0i64..)
                .all(|((stored, _), expected)| *stored == expected);
            summary.in_place_assignable &= message.magic() == 1 && sequential;
        }
        for (_, record) in &inner {
            summary.has_null_key |= record.key.is_none();
            summary.max_timestamp = summary.max_timestamp.max(record.timestamp);
        }
        summary.records_count += inner.len();
    }
    if messages.partial_tail().is_some() {
        return Err(RecordsError::InvalidRecord(
            "truncated message at the end of the set".into(),
        ));
    }
    if entries == 0 {
        return Err(RecordsError::InvalidRecord(
            "record batch has no batches at all".into(),
        ));
    }
    if compressed && entries > 1 {
        return Err(RecordsError::InvalidRecord(
            "compressed outer record has more than one batch".into(),
        ));
    }
    Ok(summary)
}

/// Assigns offsets from `first_offset` in place: each plain message gets the next offset; a
/// magic-1 wrapper gets the offset of its last inner message. Returns the next offset. Fails for
/// sets that [`validate_legacy`] reports as not `in_place_assignable`.
pub fn assign_legacy_offsets(
    records: &mut [u8],
    first_offset: i64,
    max_decompressed_bytes: usize,
) -> Result<i64, RecordsError> {
    let mut plan = Vec::new();
    let mut next = first_offset;
    for message in legacy_messages(records) {
        let message = message?;
        let count = if message.is_compressed() {
            if message.magic() == 0 {
                return Err(RecordsError::InvalidRecord(
                    "magic-0 wrapper offsets cannot be assigned in place".into(),
                ));
            }
            message.records(max_decompressed_bytes)?.len() as i64
        } else {
            1
        };
        next += count;
        plan.push(next - 1);
    }
    let mut position = 0;
    for offset in plan {
        let size = i32::from_be_bytes([
            records[position + 8],
            records[position + 9],
            records[position + 10],
            records[position + 11],
        ]) as usize;
        let end = position + LOG_OVERHEAD + size;
        set_legacy_offset(&mut records[position..end], offset)?;
        position = end;
    }
    Ok(next)
}
