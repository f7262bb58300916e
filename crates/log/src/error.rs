//! Errors of the log engine and their Kafka error codes.
//!
//! Owns `LogError`, the single error type of the `log` crate's segment, index, checkpoint and
//! partition-log code, and the one exhaustive mapping from each variant to the Kafka error code
//! number a response carries (protocol-2.4.md §3). The crate does not depend on the protocol's
//! `ErrorCode` type so that this mapping stays a plain table of numbers.

use std::io;
use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = LogError> = std::result::Result<T, E>;

/// Kafka error code numbers used by [`LogError::kafka_error_code`] (protocol-2.4.md §3).
pub mod codes {
    /// UNKNOWN_SERVER_ERROR.
    pub const UNKNOWN_SERVER_ERROR: i16 = -1;
    /// OFFSET_OUT_OF_RANGE.
    pub const OFFSET_OUT_OF_RANGE: i16 = 1;
    /// CORRUPT_MESSAGE.
    pub const CORRUPT_MESSAGE: i16 = 2;
    /// MESSAGE_TOO_LARGE.
    pub const MESSAGE_TOO_LARGE: i16 = 10;
    /// RECORD_LIST_TOO_LARGE.
    pub const RECORD_LIST_TOO_LARGE: i16 = 18;
    /// INVALID_TIMESTAMP.
    pub const INVALID_TIMESTAMP: i16 = 32;
    /// INVALID_CONFIG.
    pub const INVALID_CONFIG: i16 = 40;
    /// KAFKA_STORAGE_ERROR.
    pub const KAFKA_STORAGE_ERROR: i16 = 56;
    /// INVALID_RECORD.
    pub const INVALID_RECORD: i16 = 87;
}

/// Everything that can go wrong in the log engine.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A topic or broker config value could not be parsed or is outside its allowed range.
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    InvalidConfig {
        /// The config key, verbatim (`segment.bytes`).
        key: String,
        /// The offending value as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A topic config key that Kafka 2.4 does not define.
    #[error("Unknown topic config name: {key}")]
    UnknownConfig {
        /// The unknown key.
        key: String,
    },
    /// A fetch, truncation or lookup asked for an offset outside `[log_start_offset, log_end_offset]`.
    #[error("Received request for offset {offset} for partition {partition}, but we only have log segments in the range {log_start_offset} to {log_end_offset}.")]
    OffsetOutOfRange {
        /// The requested offset.
        offset: i64,
        /// The partition directory name (`topic-partition`).
        partition: String,
        /// First offset still held.
        log_start_offset: i64,
        /// Next offset to be written.
        log_end_offset: i64,
    },
    /// One batch is larger than `max.message.bytes`.
    #[error("The record batch size in the append to {partition} is {batch_bytes} bytes which exceeds the maximum configured value of {max_message_bytes}.")]
    MessageTooLarge {
        /// The partition directory name.
        partition: String,
        /// Size of the offending batch.
        batch_bytes: usize,
        /// The topic's `max.message.bytes`.
        max_message_bytes: i32,
    },
    /// The records of one append cannot fit in any segment (`segment.bytes`).
    #[error("Message batch size is {bytes} bytes in append to partition {partition} which exceeds the maximum configured segment size of {segment_bytes}.")]
    RecordListTooLarge {
        /// The partition directory name.
        partition: String,
        /// Size of the append.
        bytes: usize,
        /// The topic's `segment.bytes`.
        segment_bytes: i32,
    },
    /// Appended bytes are not a sequence of whole, valid v2 record batches.
    #[error("Corrupt record batch in append to {partition}: {reason}")]
    CorruptRecord {
        /// The partition directory name.
        partition: String,
        /// What check failed.
        reason: String,
    },
    /// A batch is in a format the log does not store (only magic 2 is written).
    #[error("Invalid record in append to {partition}: {reason}")]
    InvalidRecord {
        /// The partition directory name.
        partition: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A CreateTime timestamp is further from the broker clock than `message.timestamp.difference.max.ms`.
    #[error("Timestamp {timestamp_ms} of message with offset {offset} is out of range. The timestamp should be within [{min_ms}, {max_ms}]")]
    InvalidTimestamp {
        /// The offending timestamp.
        timestamp_ms: i64,
        /// Offset the batch would have been given.
        offset: i64,
        /// Lowest accepted timestamp.
        min_ms: i64,
        /// Highest accepted timestamp.
        max_ms: i64,
    },
    /// A follower append whose offsets do not continue the log (replication bug or race).
    #[error("Out of order offsets in append to {partition}: first offset {first_offset} is below the log end offset {log_end_offset}")]
    UnexpectedAppendOffset {
        /// The partition directory name.
        partition: String,
        /// First offset of the incoming records.
        first_offset: i64,
        /// Current log end offset.
        log_end_offset: i64,
    },
    /// A disk operation failed; ENOSPC and EIO land here. The log stays readable.
    #[error("I/O error on {path}: {source}")]
    Storage {
        /// File or directory the operation touched.
        path: PathBuf,
        /// The operating system error.
        #[source]
        source: io::Error,
    },
    /// A checkpoint file does not follow the text format of kafka-2.4.md §4.3.
    #[error("Malformed line in checkpoint file {path}: line {line}: {reason}")]
    CorruptCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// An index file failed its sanity check; callers rebuild it from the `.log` file.
    #[error("Corrupt index found, index file ({path}): {reason}")]
    CorruptIndex {
        /// The index file.
        path: PathBuf,
        /// What the check found.
        reason: String,
    },
    /// A directory or file name that is not a partition dir or segment file name.
    #[error("Invalid log file or directory name {path}: {reason}")]
    InvalidName {
        /// The offending path.
        path: PathBuf,
        /// Why it does not parse.
        reason: String,
    },
    /// An idempotent producer's batch was refused, or its state could not be stored.
    #[error(transparent)]
    Producer(#[from] crate::producer::ProducerError),
}

impl LogError {
    /// The Kafka error code a response should carry for this error (protocol-2.4.md §3).
    pub fn kafka_error_code(&self) -> i16 {
        match self {
            LogError::InvalidConfig { .. } | LogError::UnknownConfig { .. } => {
                codes::INVALID_CONFIG
            }
            LogError::OffsetOutOfRange { .. } => codes::OFFSET_OUT_OF_RANGE,
            LogError::MessageTooLarge { .. } => codes::MESSAGE_TOO_LARGE,
            LogError::RecordListTooLarge { .. } => codes::RECORD_LIST_TOO_LARGE,
            LogError::CorruptRecord { .. } => codes::CORRUPT_MESSAGE,
            LogError::InvalidRecord { .. } => codes::INVALID_RECORD,
            LogError::InvalidTimestamp { .. } => codes::INVALID_TIMESTAMP,
            LogError::UnexpectedAppendOffset { .. } => codes::UNKNOWN_SERVER_ERROR,
            // Kafka turns every IOException in the log layer into KafkaStorageException and
            // takes the log dir offline; a corrupt checkpoint is read through the same path.
            LogError::Storage { .. } | LogError::CorruptCheckpoint { .. } => {
                codes::KAFKA_STORAGE_ERROR
            }
            LogError::CorruptIndex { .. } | LogError::InvalidName { .. } => {
                codes::UNKNOWN_SERVER_ERROR
            }
            LogError::Producer(e) => e.kafka_error_code(),
        }
    }

    /// True when the error is the disk being full or failing (ENOSPC, EIO, EDQUOT).
    pub fn is_disk_failure(&self) -> bool {
        match self {
            LogError::Storage { source, .. } => matches!(
                source.raw_os_error(),
                Some(libc::ENOSPC) | Some(libc::EIO) | Some(libc::EDQUOT)
            ),
            _ => false,
        }
    }

    /// Wraps an I/O error with the path it happened on.
    pub(crate) fn storage(path: impl Into<PathBuf>, source: io::Error) -> LogError {
        LogError::Storage {
            path: path.into(),
            source,
        }
    }
}

/// Attaches a path to `io::Result`s, turning them into [`LogError::Storage`].
pub(crate) trait IoContext<T> {
    /// Maps the error to `LogError::Storage` naming `path`.
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| LogError::storage(path, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_kafka_storage_error_and_detect_enospc() {
        let err = LogError::storage("/x", io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(err.kafka_error_code(), 56);
        assert!(err.is_disk_failure());
        let other = LogError::storage("/x", io::Error::other("boom"));
        assert!(!other.is_disk_failure());
    }

    #[test]
    fn size_errors_map_to_their_kafka_codes() {
        let too_large = LogError::MessageTooLarge {
            partition: "t-0".into(),
            batch_bytes: 10,
            max_message_bytes: 5,
        };
        assert_eq!(too_large.kafka_error_code(), 10);
        let list = LogError::RecordListTooLarge {
            partition: "t-0".into(),
            bytes: 10,
            segment_bytes: 5,
        };
        assert_eq!(list.kafka_error_code(), 18);
    }
}
