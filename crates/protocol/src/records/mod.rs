//! Record sets: the `records` payload of Produce and Fetch and the bytes of a segment file.
//!
//! This module owns the record formats of Kafka 2.4.1 and nothing else (no I/O, no offset
//! policy): RecordBatch v2 (magic 2, [`batch`], [`batch_header`]), the records inside it
//! ([`record`]), iteration over record sets ([`iter`]), the legacy message sets of magic 0 and 1
//! ([`legacy`], [`legacy_write`]), the five codecs ([`compression`]), the leader's validation
//! ([`validate()`]), a batch builder ([`builder`]), transaction markers ([`control`]) and
//! conversion between the formats ([`convert`]).
//!
//! Typical use by the log and the broker:
//!
//! ```
//! use gregor_protocol::records::{batches, validate, RecordBatchMut, ValidateOptions};
//! # let mut bytes: Vec<u8> = gregor_protocol::records::RecordBatchBuilder::new()
//! #     .append(1, Some(b"k"), Some(b"v"), &[]).build().unwrap();
//! for batch in batches(&bytes) {
//!     let batch = batch.unwrap();
//!     let summary = validate(&batch, &ValidateOptions::default()).unwrap();
//!     assert_eq!(summary.records_count, 1);
//! }
//! let mut batch = RecordBatchMut::new(&mut bytes).unwrap();
//! batch.set_base_offset(42);
//! assert!(batch.as_batch().is_valid());
//! ```
//!
//! Every length read from the input is checked against the bytes that remain before anything is
//! allocated, and decompression is bounded by a caller-given limit.

pub mod batch;
pub mod batch_header;
pub mod builder;
pub mod compression;
pub mod control;
pub mod convert;
pub mod error;
pub mod iter;
pub mod legacy;
pub mod legacy_write;
pub mod record;
pub mod validate;
mod varint;

pub use batch::{
    RecordBatch, RecordBatchMut, TimestampType, LOG_OVERHEAD, NO_PARTITION_LEADER_EPOCH,
    NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP, RECORD_BATCH_OVERHEAD,
};
pub use batch_header::RecordBatchHeader;
pub use builder::RecordBatchBuilder;
pub use compression::{Compression, DEFAULT_MAX_DECOMPRESSED_BYTES};
pub use control::{end_transaction_marker_batch, ControlRecordType, EndTransactionMarker};
pub use convert::{downconvert, upconvert_legacy};
pub use error::RecordsError;
pub use iter::{batches, entries, Batches, Entries, PartialBatch, RecordSetEntry};
pub use legacy::{legacy_messages, LegacyMessage, LegacyMessages};
pub use legacy_write::{
    assign_legacy_offsets, set_legacy_max_timestamp, set_legacy_offset, validate_legacy,
    LegacyBuilder, ValidatedLegacy,
};
pub use record::{BatchRecords, Header, OwnedRecord, Record};
pub use validate::{produce_batch, validate, TimestampCheck, ValidateOptions, ValidatedBatch};
