//! Records inside a magic-2 batch: parsing each varint-framed record and iterating them,
//! decompressing the batch payload first when needed.
//!
//! Record layout (kafka-2.4.md §4.10; varint = zig-zag base-128):
//!
//! ```text
//! length varint | attributes int8 | timestamp_delta varlong | offset_delta varint
//! key_length varint (-1 = null) | key | value_length varint (-1 = null) | value
//! header_count varint | headers: key_length varint, key (UTF-8), value_length varint (-1 = null), value
//! ```

use std::borrow::Cow;

use bytes::Bytes;

use super::batch::{RecordBatch, TimestampType};
use super::compression::{decompress, Compression};
use super::error::RecordsError;
use super::varint::Cursor;

/// One record header, borrowed from the batch (or its decompressed payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'r> {
    /// Header key bytes (UTF-8 by contract; Java decodes leniently, so it is not checked here).
    pub key: &'r [u8],
    /// Header value; `None` for a null value.
    pub value: Option<&'r [u8]>,
}

/// One record, borrowed from the batch (or its decompressed payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'r> {
    /// Absolute offset: batch base offset + offset delta.
    pub offset: i64,
    /// Offset relative to the batch's base offset.
    pub offset_delta: i32,
    /// Record timestamp: first timestamp + delta, or the batch max timestamp under LogAppendTime.
    pub timestamp: i64,
    /// Timestamp relative to the batch's first timestamp, as stored.
    pub timestamp_delta: i64,
    /// Record attributes (unused by Kafka 2.4, always 0 when written).
    pub attributes: i8,
    /// Key; `None` for a null key.
    pub key: Option<&'r [u8]>,
    /// Value; `None` for a null value (a tombstone).
    pub value: Option<&'r [u8]>,
    /// Encoded headers (already validated), walked by [`Record::headers`].
    headers_bytes: &'r [u8],
    /// Number of headers.
    header_count: usize,
    /// Bytes the record occupies, its length varint included.
    pub size_in_bytes: usize,
}

impl<'r> Record<'r> {
    /// Number of headers.
    pub fn header_count(&self) -> usize {
        self.header_count
    }

    /// The record's headers, in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'r>> + 'r {
        let mut cursor = Cursor::new(self.headers_bytes);
        // Already validated while parsing, so a failure here cannot happen; stop quietly if it does.
        (0..self.header_count).map_while(move |_| read_header(&mut cursor).ok())
    }

    /// An owned copy of the record, for callers that outlive the batch bytes.
    pub fn to_owned_record(&self) -> OwnedRecord {
        OwnedRecord {
            offset: self.offset,
            timestamp: self.timestamp,
            key: self.key.map(Bytes::copy_from_slice),
            value: self.value.map(Bytes::copy_from_slice),
            headers: self
                .headers()
                .map(|h| {
                    (
                        String::from_utf8_lossy(h.key).into_owned(),
                        h.value.map(Bytes::copy_from_slice),
                    )
                })
                .collect(),
        }
    }
}

/// A record that owns its data: what tools print and what the builder takes back in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecord {
    /// Absolute offset.
    pub offset: i64,
    /// Timestamp in ms (-1 when none).
    pub timestamp: i64,
    /// Key; `None` for null.
    pub key: Option<Bytes>,
    /// Value; `None` for null.
    pub value: Option<Bytes>,
    /// Headers as (key, value) pairs; keys decoded leniently like Java's `Utils.utf8`.
    pub headers: Vec<(String, Option<Bytes>)>,
}

/// Reads one header.
fn read_header<'r>(cursor: &mut Cursor<'r>) -> Result<Header<'r>, RecordsError> {
    let key_len = cursor.varint("header key length")?;
    let key_len = usize::try_from(key_len).map_err(|_| {
        RecordsError::InvalidRecord(format!("invalid negative header key size {key_len}"))
    })?;
    let key = cursor.take(key_len, "header key")?;
    let value = cursor.nullable_bytes("header value")?;
    Ok(Header { key, value })
}

/// Parses one record at the cursor. `log_append_time` is the batch max timestamp when the batch
/// uses LogAppendTime (it then overrides every record's timestamp, as in Kafka).
fn read_record<'r>(
    cursor: &mut Cursor<'r>,
    base_offset: i64,
    first_timestamp: i64,
    log_append_time: Option<i64>,
) -> Result<Record<'r>, RecordsError> {
    let start = cursor.position();
    let length = cursor.varint("record length")?;
    let length = usize::try_from(length).map_err(|_| {
        RecordsError::InvalidRecord(format!("invalid negative record size {length}"))
    })?;
    let body = cursor.take(length, "record body")?;
    let mut c = Cursor::new(body);
    let attributes = c.u8("record attributes")? as i8;
    let timestamp_delta = c.varlong("record timestamp delta")?;
    let offset_delta = c.varint("record offset delta")?;
    let key = c.nullable_bytes("record key")?;
    let value = c.nullable_bytes("record value")?;
    let header_count = c.varint("header count")?;
    let header_count = usize::try_from(header_count).map_err(|_| {
        RecordsError::InvalidRecord(format!("invalid number of record headers {header_count}"))
    })?;
    let headers_start = c.position();
    // Each header takes at least 2 bytes, so a count larger than that is a lie; no allocation either way.
    if header_count > c.remaining() / 2 {
        return Err(RecordsError::InvalidRecord(format!(
            "{header_count} headers cannot fit in {} bytes",
            c.remaining()
        )));
    }
    for _ in 0..header_count {
        read_header(&mut c)?;
    }
    let headers_bytes = &body[headers_start..c.position()];
    if c.remaining() != 0 {
        return Err(RecordsError::InvalidRecord(format!(
            "expected to read {length} bytes in record payload, but instead read {}",
            c.position()
        )));
    }
    Ok(Record {
        offset: base_offset.wrapping_add(i64::from(offset_delta)),
        offset_delta,
        timestamp: log_append_time.unwrap_or_else(|| first_timestamp.wrapping_add(timestamp_delta)),
        timestamp_delta,
        attributes,
        key,
        value,
        headers_bytes,
        header_count,
        size_in_bytes: cursor.position() - start,
    })
}

/// The records of one batch, ready to iterate: borrowed when uncompressed, decompressed otherwise.
#[derive(Debug, Clone)]
pub struct BatchRecords<'a> {
    /// Encoded records: the batch payload, or its decompressed form.
    data: Cow<'a, [u8]>,
    /// The header's record count.
    count: i32,
    /// The batch's base offset.
    base_offset: i64,
    /// The batch's first timestamp.
    first_timestamp: i64,
    /// The batch max timestamp when LogAppendTime applies.
    log_append_time: Option<i64>,
}

impl<'a> RecordBatch<'a> {
    /// The batch's records, decompressing at most `max_decompressed_bytes` when compressed.
    pub fn records(&self, max_decompressed_bytes: usize) -> Result<BatchRecords<'a>, RecordsError> {
        let count = self.records_count();
        if count < 0 {
            return Err(RecordsError::InvalidRecord(format!(
                "found invalid record count {count} in magic v2 batch"
            )));
        }
        let payload = self.records_payload();
        let data = match self.compression()? {
            Compression::None => Cow::Borrowed(payload),
            codec => Cow::Owned(decompress(codec, payload, max_decompressed_bytes)?),
        };
        Ok(BatchRecords {
            data,
            count,
            base_offset: self.base_offset(),
            first_timestamp: self.first_timestamp(),
            log_append_time: (self.timestamp_type() == TimestampType::LogAppendTime)
                .then(|| self.max_timestamp()),
        })
    }
}

impl<'a> BatchRecords<'a> {
    /// Bytes of the encoded (uncompressed) records.
    pub fn uncompressed_bytes(&self) -> usize {
        self.data.len()
    }

    /// Iterates the records; yields an error (then stops) on a malformed record, fewer records
    /// than the header's count, or bytes left over after the last one.
    pub fn iter(&self) -> RecordIter<'_> {
        RecordIter {
            cursor: Cursor::new(&self.data),
            records: self,
            read: 0,
            done: false,
        }
    }
}

/// Iterator over the records of a [`BatchRecords`].
#[derive(Debug, Clone)]
pub struct RecordIter<'r> {
    /// Position in the encoded records.
    cursor: Cursor<'r>,
    /// Batch-level values each record needs.
    records: &'r BatchRecords<'r>,
    /// Records returned so far.
    read: i32,
    /// Fused after the end or an error.
    done: bool,
}

impl<'r> Iterator for RecordIter<'r> {
    type Item = Result<Record<'r>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let declared = self.records.count;
        if self.read == declared {
            self.done = true;
            if self.cursor.remaining() != 0 {
                return Some(Err(RecordsError::RecordCountMismatch {
                    declared,
                    found: format!(
                        "{} bytes remain after the last declared record",
                        self.cursor.remaining()
                    ),
                }));
            }
            return None;
        }
        if self.cursor.remaining() == 0 {
            self.done = true;
            return Some(Err(RecordsError::RecordCountMismatch {
                declared,
                found: format!("only {} records are present", self.read),
            }));
        }
        let r = self.records;
        let result = read_record(
            &mut self.cursor,
            r.base_offset,
            r.first_timestamp,
            r.log_append_time,
        );
        match result {
            Ok(record) => {
                self.read += 1;
                Some(Ok(record))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
