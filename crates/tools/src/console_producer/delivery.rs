//! What the producer reports per record: where it landed ([`RecordMetadata`]) or why it was
//! not written ([`ProducerError`], with the Java exception class the Java producer would name).

use gregor_client::ErrorCode;

/// Where a record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMetadata {
    /// Partition.
    pub partition: i32,
    /// Offset, -1 with acks = 0.
    pub offset: i64,
}

/// Why a record was not written.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProducerError {
    /// The broker refused the batch with this error code (after retries when retriable).
    #[error("{}", .0.name())]
    Kafka(ErrorCode),
    /// The topic did not appear in metadata within `max.block.ms`.
    #[error("Topic {topic} not present in metadata after {max_block_ms} ms.")]
    MetadataTimeout {
        /// The topic.
        topic: String,
        /// The bound.
        max_block_ms: u64,
    },
    /// The record alone is larger than `max.request.size` or `buffer.memory`.
    #[error("The message is {size_bytes} bytes when serialized which is larger than {limit}")]
    RecordTooLarge {
        /// Estimated serialized size.
        size_bytes: usize,
        /// Which limit, in Kafka's words.
        limit: &'static str,
    },
    /// The connection or client failed (after retries).
    #[error("{0}")]
    Client(String),
}

impl ProducerError {
    /// The Java exception class the Java producer would report.
    pub fn java_class(&self) -> String {
        match self {
            ProducerError::Kafka(code) => format!(
                "org.apache.kafka.common.errors.{}",
                crate::topics::kafka_errors::exception_of(*code).0
            ),
            ProducerError::MetadataTimeout { .. } => {
                "org.apache.kafka.common.errors.TimeoutException".to_string()
            }
            ProducerError::RecordTooLarge { .. } => {
                "org.apache.kafka.common.errors.RecordTooLargeException".to_string()
            }
            ProducerError::Client(_) => {
                "org.apache.kafka.common.errors.NetworkException".to_string()
            }
        }
    }
}

/// Called once per record with its outcome.
pub type Callback = Box<dyn FnOnce(Result<RecordMetadata, ProducerError>) + Send>;
