//! Errors raised while parsing, validating, decompressing or building record sets.
//!
//! One variant per distinct failure; [`RecordsError::error_code`] maps each to the Kafka error code
//! that a Kafka 2.4.1 leader would put in the Produce response for the partition.

use super::compression::Compression;
use crate::error_code::ErrorCode;

/// Everything that can be wrong with a record set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    /// Fewer bytes than a fixed-size structure needs (a header, an int) were present.
    #[error("truncated {what}: need {needed} bytes, {available} available")]
    Truncated {
        /// Which structure was being read.
        what: &'static str,
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes that remained.
        available: usize,
    },
    /// The size field of a batch or message is smaller than the smallest legal one.
    #[error("record size {size} is less than the minimum record overhead {minimum}")]
    SizeTooSmall {
        /// The size that was read.
        size: i64,
        /// The smallest legal size.
        minimum: usize,
    },
    /// The size field of a batch or message exceeds the caller's limit.
    #[error("record size {size} exceeds the largest allowable message size {maximum}")]
    SizeTooLarge {
        /// The size that was read.
        size: usize,
        /// The caller's limit.
        maximum: usize,
    },
    /// The magic byte is not 0, 1 or 2 (or not the one this reader handles).
    #[error("invalid magic found in record: {0}")]
    InvalidMagic(i8),
    /// The stored CRC does not match the bytes it covers.
    #[error("record is corrupt (stored crc = {stored:#010x}, computed crc = {computed:#010x})")]
    CrcMismatch {
        /// CRC in the header.
        stored: u32,
        /// CRC computed over the covered bytes.
        computed: u32,
    },
    /// Compression codec id 5..=7 in the attributes.
    #[error("unknown compression type id {0}")]
    UnknownCompression(u8),
    /// The codec is known but not allowed here (e.g. zstd with magic < 2).
    #[error("compression {0:?} is not supported for magic {1}")]
    UnsupportedCompression(Compression, i8),
    /// Compressed data could not be decompressed.
    #[error("failed to decompress {codec:?} data: {reason}")]
    Decompression {
        /// The codec in use.
        codec: Compression,
        /// The decoder's message.
        reason: String,
    },
    /// Decompression would exceed the caller's byte limit (a zip bomb or an oversized batch).
    #[error("decompressed {codec:?} data exceeds the limit of {limit_bytes} bytes")]
    DecompressedTooLarge {
        /// The codec in use.
        codec: Compression,
        /// The limit that was hit.
        limit_bytes: usize,
    },
    /// Compression failed while building a batch.
    #[error("failed to compress {codec:?} data: {reason}")]
    Compression {
        /// The codec in use.
        codec: Compression,
        /// The encoder's message.
        reason: String,
    },
    /// A varint ran past the end of the data or is longer than its type allows.
    #[error("malformed varint in {0}")]
    MalformedVarint(&'static str),
    /// A record's structure is invalid (lengths, bytes left over, negative sizes).
    #[error("invalid record structure: {0}")]
    InvalidRecord(String),
    /// The batch header's record count disagrees with the records present.
    #[error("record count {declared} in the batch header, but {found}")]
    RecordCountMismatch {
        /// Count in the header.
        declared: i32,
        /// What was found, in words.
        found: String,
    },
    /// A batch-level rule of the leader's validation failed (offset range, control batch, sequence).
    #[error("invalid record batch: {0}")]
    InvalidBatch(String),
    /// A batch is larger than `max.message.bytes` (Kafka's `RecordTooLargeException`).
    #[error(
        "the record batch size {size} exceeds the maximum configured value {max_message_bytes}"
    )]
    MessageTooLarge {
        /// Size of the batch in bytes.
        size: usize,
        /// The topic's `max.message.bytes`.
        max_message_bytes: usize,
    },
    /// A record timestamp is further from the broker clock than
    /// `message.timestamp.difference.max.ms` allows.
    #[error(
        "timestamp {timestamp} of message with offset {offset} is out of range; it should be \
         within {difference_max_ms} ms of {now_ms}"
    )]
    InvalidTimestamp {
        /// The record's timestamp.
        timestamp: i64,
        /// The record's offset (as in the batch).
        offset: i64,
        /// The broker clock.
        now_ms: i64,
        /// The allowed difference.
        difference_max_ms: i64,
    },
    /// A producer sent a batch marked LogAppendTime, which only brokers may set.
    #[error("invalid timestamp type: producer should not set timestamp type to LogAppendTime")]
    LogAppendTimeFromProducer,
    /// A Produce request's records break `ProduceRequest.validateRecords` (none, not magic 2 for
    /// v3+, more than one batch).
    #[error("invalid produce records: {0}")]
    InvalidProduceRecords(String),
}

impl RecordsError {
    /// The Kafka error code a Kafka 2.4.1 leader returns for this failure.
    ///
    /// In 2.4.1 `org.apache.kafka.common.record.InvalidRecordException` still extends
    /// `CorruptRecordException`, so structural failures surface as CORRUPT_MESSAGE (2); INVALID_RECORD
    /// (87) only becomes the answer from 2.5 on. Unknown or disallowed codecs are
    /// UNSUPPORTED_COMPRESSION_TYPE (76).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            RecordsError::UnknownCompression(_) | RecordsError::UnsupportedCompression(..) => {
                ErrorCode::UnsupportedCompressionType
            }
            RecordsError::Compression { .. } => ErrorCode::UnknownServerError,
            RecordsError::MessageTooLarge { .. } => ErrorCode::MessageTooLarge,
            RecordsError::InvalidTimestamp { .. } | RecordsError::LogAppendTimeFromProducer => {
                ErrorCode::InvalidTimestamp
            }
            // `ProduceRequest.validateRecords` throws the ApiException `InvalidRecordException`
            // (KIP-467), which KafkaApis turns into INVALID_RECORD for the partition.
            RecordsError::InvalidProduceRecords(_) => ErrorCode::InvalidRecord,
            RecordsError::Truncated { .. }
            | RecordsError::SizeTooSmall { .. }
            | RecordsError::SizeTooLarge { .. }
            | RecordsError::InvalidMagic(_)
            | RecordsError::CrcMismatch { .. }
            | RecordsError::Decompression { .. }
            | RecordsError::DecompressedTooLarge { .. }
            | RecordsError::MalformedVarint(_)
            | RecordsError::InvalidRecord(_)
            | RecordsError::RecordCountMismatch { .. }
            | RecordsError::InvalidBatch(_) => ErrorCode::CorruptMessage,
        }
    }

    /// True when the stored checksum disagrees with the data (Kafka's `isValid() == false`).
    pub fn is_crc_mismatch(&self) -> bool {
        matches!(self, RecordsError::CrcMismatch { .. })
    }
}

/// Checks that `needed` bytes are available, naming `what` in the error.
pub(crate) fn need(
    what: &'static str,
    needed: usize,
    available: usize,
) -> Result<(), RecordsError> {
    if available < needed {
        return Err(RecordsError::Truncated {
            what,
            needed,
            available,
        });
    }
    Ok(())
}
