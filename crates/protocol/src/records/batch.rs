//! `RecordBatch`: a zero-copy view of one magic-2 record batch, and `RecordBatchMut` for the
//! in-place rewrites a leader does on append.
//!
//! Byte layout (big-endian, offsets from the start of the batch; kafka-2.4.md §4.10):
//!
//! ```text
//!  0  base_offset            int64
//!  8  batch_length           int32   bytes after this field (size_in_bytes - 12)
//! 12  partition_leader_epoch int32   not covered by the CRC
//! 16  magic                  int8    2
//! 17  crc                    uint32  CRC-32C of bytes 21..end
//! 21  attributes             int16   bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control
//! 23  last_offset_delta      int32
//! 27  first_timestamp        int64
//! 35  max_timestamp          int64
//! 43  producer_id            int64
//! 51  producer_epoch         int16
//! 53  base_sequence          int32
//! 57  records_count          int32
//! 61  records...             (compressed as one blob when the codec is not none)
//! ```

use super::compression::Compression;
use super::error::{need, RecordsError};

/// Offset + length prefix shared by every batch and legacy message (`Records.LOG_OVERHEAD`).
pub const LOG_OVERHEAD: usize = 12;
/// Size of the fixed v2 header (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD`).
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// Byte index of the magic byte in every format.
pub const MAGIC_OFFSET: usize = 16;
/// Byte index of the CRC in a v2 batch.
pub const CRC_OFFSET: usize = 17;
/// Byte index of the attributes; the CRC covers from here to the end.
pub const ATTRIBUTES_OFFSET: usize = 21;
/// Byte index of the partition leader epoch.
const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
/// Byte index of the last offset delta.
const LAST_OFFSET_DELTA_OFFSET: usize = 23;
/// Byte index of the first timestamp.
const FIRST_TIMESTAMP_OFFSET: usize = 27;
/// Byte index of the max timestamp.
const MAX_TIMESTAMP_OFFSET: usize = 35;
/// Byte index of the producer id.
const PRODUCER_ID_OFFSET: usize = 43;
/// Byte index of the producer epoch.
const PRODUCER_EPOCH_OFFSET: usize = 51;
/// Byte index of the base sequence.
const BASE_SEQUENCE_OFFSET: usize = 53;
/// Byte index of the records count.
const RECORDS_COUNT_OFFSET: usize = 57;

/// Attribute bits 0-2: compression codec id.
const COMPRESSION_CODEC_MASK: i16 = 0x07;
/// Attribute bit 3: timestamp type.
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
/// Attribute bit 4: transactional batch.
const TRANSACTIONAL_FLAG_MASK: i16 = 0x10;
/// Attribute bit 5: control batch (transaction markers).
const CONTROL_FLAG_MASK: i16 = 0x20;

/// "No timestamp" sentinel (`RecordBatch.NO_TIMESTAMP`).
pub const NO_TIMESTAMP: i64 = -1;
/// "No producer" sentinel for producer id.
pub const NO_PRODUCER_ID: i64 = -1;
/// "No producer" sentinel for producer epoch.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// "No sequence" sentinel.
pub const NO_SEQUENCE: i32 = -1;
/// "Unknown" partition leader epoch.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;

/// Which clock a batch's timestamps come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampType {
    /// Magic 0 messages carry no timestamp.
    NoTimestampType,
    /// Set by the producer (attribute bit 3 clear).
    CreateTime,
    /// Set by the broker on append (attribute bit 3 set).
    LogAppendTime,
}

impl TimestampType {
    /// Kafka's numeric id (-1, 0, 1), as in `TimestampType.id`.
    pub fn id(self) -> i8 {
        match self {
            TimestampType::NoTimestampType => -1,
            TimestampType::CreateTime => 0,
            TimestampType::LogAppendTime => 1,
        }
    }

    /// Kafka's display name (`CreateTime`, `LogAppendTime`, `NoTimestampType`).
    pub fn name(self) -> &'static str {
        match self {
            TimestampType::NoTimestampType => "NoTimestampType",
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        }
    }
}

/// Reads a big-endian i64 at `at`; callers guarantee the slice holds the fixed header.
pub(crate) fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

/// Reads a big-endian i32 at `at`.
pub(crate) fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(a)
}

/// Reads a big-endian i16 at `at`.
pub(crate) fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}

/// Reads the 12-byte log overhead: (offset, size field). `None` when fewer than 12 bytes remain.
pub fn read_log_overhead(bytes: &[u8]) -> Option<(i64, i32)> {
    if bytes.len() < LOG_OVERHEAD {
        return None;
    }
    Some((be_i64(bytes, 0), be_i32(bytes, 8)))
}

/// A read-only view of one complete magic-2 batch. Cheap to copy; borrows the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordBatch<'a> {
    /// Exactly the batch's bytes, from base_offset to the end of its records.
    bytes: &'a [u8],
}

impl<'a> RecordBatch<'a> {
    /// Wraps exactly one batch. Checks the header size, the magic byte and that `batch_length`
    /// accounts for every byte of `bytes`; does not check the CRC (see [`RecordBatch::ensure_valid`]).
    pub fn new(bytes: &'a [u8]) -> Result<Self, RecordsError> {
        need("record batch header", MAGIC_OFFSET + 1, bytes.len())?;
        let magic = bytes[MAGIC_OFFSET] as i8;
        if magic != 2 {
            return Err(RecordsError::InvalidMagic(magic));
        }
        let batch_length = be_i32(bytes, 8);
        let minimum = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
        if batch_length < minimum as i32 {
            return Err(RecordsError::SizeTooSmall {
                size: i64::from(batch_length),
                minimum,
            });
        }
        need("record batch header", RECORD_BATCH_OVERHEAD, bytes.len())?;
        if batch_length as usize + LOG_OVERHEAD != bytes.len() {
            return Err(RecordsError::InvalidRecord(format!(
                "batch length field says {} bytes, the batch has {}",
                batch_length as usize + LOG_OVERHEAD,
                bytes.len()
            )));
        }
        Ok(RecordBatch { bytes })
    }

    /// A view of only the fixed header (`bytes` holds exactly 61 bytes); size-dependent accessors
    /// are meaningless on it. Used by [`super::batch_header::RecordBatchHeader::parse`].
    pub(crate) fn header_only(bytes: &'a [u8]) -> Self {
        debug_assert_eq!(bytes.len(), RECORD_BATCH_OVERHEAD);
        RecordBatch { bytes }
    }

    /// Wraps the batch at the start of `bytes` (which may hold more after it), using its length field.
    pub fn from_prefix(bytes: &'a [u8]) -> Result<Self, RecordsError> {
        let (_, size) = read_log_overhead(bytes).ok_or(RecordsError::Truncated {
            what: "log overhead",
            needed: LOG_OVERHEAD,
            available: bytes.len(),
        })?;
        let total = usize::try_from(size).map_err(|_| RecordsError::SizeTooSmall {
            size: i64::from(size),
            minimum: RECORD_BATCH_OVERHEAD - LOG_OVERHEAD,
        })? + LOG_OVERHEAD;
        need("record batch", total, bytes.len())?;
        RecordBatch::new(&bytes[..total])
    }

    /// The batch's bytes, header included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Offset of the first record.
    pub fn base_offset(&self) -> i64 {
        be_i64(self.bytes, 0)
    }

    /// The length field: bytes after it (`size_in_bytes() - 12`).
    pub fn batch_length(&self) -> i32 {
        be_i32(self.bytes, 8)
    }

    /// Epoch of the leader that appended the batch (-1 when written by a client).
    pub fn partition_leader_epoch(&self) -> i32 {
        be_i32(self.bytes, PARTITION_LEADER_EPOCH_OFFSET)
    }

    /// Always 2 for this view.
    pub fn magic(&self) -> i8 {
        self.bytes[MAGIC_OFFSET] as i8
    }

    /// The stored CRC-32C.
    pub fn crc(&self) -> u32 {
        be_i32(self.bytes, CRC_OFFSET) as u32
    }

    /// The raw attributes field.
    pub fn attributes(&self) -> i16 {
        be_i16(self.bytes, ATTRIBUTES_OFFSET)
    }

    /// The compression codec id from attribute bits 0-2 (0..=4 valid, 5..=7 unknown).
    pub fn compression_id(&self) -> u8 {
        (self.attributes() & COMPRESSION_CODEC_MASK) as u8
    }

    /// The compression codec; an error for ids 5..=7.
    pub fn compression(&self) -> Result<Compression, RecordsError> {
        Compression::from_id(self.compression_id())
    }

    /// CreateTime or LogAppendTime, from attribute bit 3.
    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes() & TIMESTAMP_TYPE_MASK != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Attribute bit 4.
    pub fn is_transactional(&self) -> bool {
        self.attributes() & TRANSACTIONAL_FLAG_MASK != 0
    }

    /// Attribute bit 5: a batch of transaction markers.
    pub fn is_control(&self) -> bool {
        self.attributes() & CONTROL_FLAG_MASK != 0
    }

    /// Last offset minus base offset.
    pub fn last_offset_delta(&self) -> i32 {
        be_i32(self.bytes, LAST_OFFSET_DELTA_OFFSET)
    }

    /// Timestamp of the first record (-1 if none).
    pub fn first_timestamp(&self) -> i64 {
        be_i64(self.bytes, FIRST_TIMESTAMP_OFFSET)
    }

    /// Largest record timestamp, or the append time under LogAppendTime.
    pub fn max_timestamp(&self) -> i64 {
        be_i64(self.bytes, MAX_TIMESTAMP_OFFSET)
    }

    /// Producer id (-1 when not idempotent).
    pub fn producer_id(&self) -> i64 {
        be_i64(self.bytes, PRODUCER_ID_OFFSET)
    }

    /// Producer epoch (-1 when not idempotent).
    pub fn producer_epoch(&self) -> i16 {
        be_i16(self.bytes, PRODUCER_EPOCH_OFFSET)
    }

    /// Sequence number of the first record (-1 when not idempotent).
    pub fn base_sequence(&self) -> i32 {
        be_i32(self.bytes, BASE_SEQUENCE_OFFSET)
    }

    /// The header's record count.
    pub fn records_count(&self) -> i32 {
        be_i32(self.bytes, RECORDS_COUNT_OFFSET)
    }

    /// Whether the producer id is set (idempotent or transactional producer).
    pub fn has_producer_id(&self) -> bool {
        self.producer_id() > NO_PRODUCER_ID
    }

    /// Offset of the last record: base offset + last offset delta.
    pub fn last_offset(&self) -> i64 {
        self.base_offset()
            .wrapping_add(i64::from(self.last_offset_delta()))
    }

    /// Offset that follows this batch (`last_offset() + 1`).
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// Total bytes of the batch, header included.
    pub fn size_in_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes after the fixed header: the records, or their compressed blob.
    pub fn records_payload(&self) -> &'a [u8] {
        &self.bytes[RECORD_BATCH_OVERHEAD..]
    }

    /// CRC-32C over attributes..end, as stored in `crc()` by a correct writer.
    pub fn compute_checksum(&self) -> u32 {
        crc32c::crc32c(&self.bytes[ATTRIBUTES_OFFSET..])
    }

    /// Whether the stored CRC matches the bytes (Kafka's `isValid`).
    pub fn is_valid(&self) -> bool {
        self.crc() == self.compute_checksum()
    }

    /// Kafka's `DefaultRecordBatch.ensureValid`: header size and CRC. Records are not walked; see
    /// [`super::validate()`] for the full check a leader does.
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
}

/// A mutable view of one magic-2 batch for the leader's in-place rewrites.
///
/// Base offset and partition leader epoch lie outside the CRC and are written as is; changing
/// attributes or max timestamp recomputes the CRC, as `DefaultRecordBatch.setMaxTimestamp` does.
#[derive(Debug)]
pub struct RecordBatchMut<'a> {
    /// Exactly the batch's bytes.
    bytes: &'a mut [u8],
}

impl<'a> RecordBatchMut<'a> {
    /// Wraps exactly one batch, with the same structural checks as [`RecordBatch::new`].
    pub fn new(bytes: &'a mut [u8]) -> Result<Self, RecordsError> {
        RecordBatch::new(bytes)?;
        Ok(RecordBatchMut { bytes })
    }

    /// A read-only view of the same bytes.
    pub fn as_batch(&self) -> RecordBatch<'_> {
        RecordBatch { bytes: self.bytes }
    }

    /// Sets the base offset (not CRC-covered).
    pub fn set_base_offset(&mut self, base_offset: i64) {
        self.bytes[0..8].copy_from_slice(&base_offset.to_be_bytes());
    }

    /// Sets the base offset so that the last record lands on `last_offset` (Kafka's `setLastOffset`).
    pub fn set_last_offset(&mut self, last_offset: i64) {
        let delta = i64::from(self.as_batch().last_offset_delta());
        self.set_base_offset(last_offset.wrapping_sub(delta));
    }

    /// Sets the partition leader epoch (not CRC-covered).
    pub fn set_partition_leader_epoch(&mut self, epoch: i32) {
        self.bytes[PARTITION_LEADER_EPOCH_OFFSET..PARTITION_LEADER_EPOCH_OFFSET + 4]
            .copy_from_slice(&epoch.to_be_bytes());
    }

    /// Sets the timestamp type bit and max timestamp, recomputing the CRC when either changes.
    pub fn set_max_timestamp(&mut self, timestamp_type: TimestampType, max_timestamp: i64) {
        let batch = self.as_batch();
        if batch.timestamp_type() == timestamp_type && batch.max_timestamp() == max_timestamp {
            return;
        }
        let mut attributes = batch.attributes() & !TIMESTAMP_TYPE_MASK;
        if timestamp_type == TimestampType::LogAppendTime {
            attributes |= TIMESTAMP_TYPE_MASK;
        }
        self.bytes[ATTRIBUTES_OFFSET..ATTRIBUTES_OFFSET + 2]
            .copy_from_slice(&attributes.to_be_bytes());
        self.bytes[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8]
            .copy_from_slice(&max_timestamp.to_be_bytes());
        self.update_crc();
    }

    /// Recomputes and stores the CRC over attributes..end.
    pub fn update_crc(&mut self) {
        let crc = crc32c::crc32c(&self.bytes[ATTRIBUTES_OFFSET..]);
        self.bytes[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
    }
}
