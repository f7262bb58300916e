//! Control records: the transaction markers inside control batches (attribute bit 5).
//!
//! ```text
//! key:   version int16 (0) | type int16 (0 = ABORT, 1 = COMMIT)
//! value: version int16 (0) | coordinator_epoch int32          (EndTransactionMarker)
//! ```
//!
//! Written by the transaction coordinator through the leader, read by the log (producer state on
//! recovery), dump-log and READ_COMMITTED fetches.

use super::batch::TimestampType;
use super::builder::RecordBatchBuilder;
use super::error::RecordsError;

/// Type of a control record, from its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlRecordType {
    /// 0: the transaction was aborted.
    Abort,
    /// 1: the transaction was committed.
    Commit,
    /// Any other type id (Kafka keeps these as UNKNOWN and ignores them).
    Unknown(i16),
}

impl ControlRecordType {
    /// Parses a control record key: version and type, both int16.
    pub fn parse_key(key: &[u8]) -> Result<(i16, Self), RecordsError> {
        if key.len() < 4 {
            return Err(RecordsError::InvalidRecord(format!(
                "control record key of {} bytes is shorter than 4",
                key.len()
            )));
        }
        let version = i16::from_be_bytes([key[0], key[1]]);
        let kind = match i16::from_be_bytes([key[2], key[3]]) {
            0 => ControlRecordType::Abort,
            1 => ControlRecordType::Commit,
            other => ControlRecordType::Unknown(other),
        };
        Ok((version, kind))
    }

    /// The type id.
    pub fn id(self) -> i16 {
        match self {
            ControlRecordType::Abort => 0,
            ControlRecordType::Commit => 1,
            ControlRecordType::Unknown(id) => id,
        }
    }

    /// The key bytes for this type at version 0.
    pub fn key_bytes(self) -> [u8; 4] {
        let [a, b] = self.id().to_be_bytes();
        [0, 0, a, b]
    }
}

/// The value of an ABORT or COMMIT control record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndTransactionMarker {
    /// Marker version (0).
    pub version: i16,
    /// Epoch of the transaction coordinator that wrote the marker.
    pub coordinator_epoch: i32,
}

impl EndTransactionMarker {
    /// Parses a marker value; version 0 needs 6 bytes (later versions may append fields).
    pub fn parse(value: &[u8]) -> Result<Self, RecordsError> {
        if value.len() < 6 {
            return Err(RecordsError::InvalidRecord(
                "invalid value size found for end transaction marker".to_string(),
            ));
        }
        Ok(EndTransactionMarker {
            version: i16::from_be_bytes([value[0], value[1]]),
            coordinator_epoch: i32::from_be_bytes([value[2], value[3], value[4], value[5]]),
        })
    }

    /// The value bytes at version 0.
    pub fn value_bytes(&self) -> [u8; 6] {
        let [a, b] = self.version.to_be_bytes();
        let [c, d, e, f] = self.coordinator_epoch.to_be_bytes();
        [a, b, c, d, e, f]
    }
}

/// A transactional control batch holding one marker, as the leader writes it for WriteTxnMarkers.
pub fn end_transaction_marker_batch(
    producer_id: i64,
    producer_epoch: i16,
    kind: ControlRecordType,
    coordinator_epoch: i32,
    timestamp_ms: i64,
) -> Result<Vec<u8>, RecordsError> {
    let marker = EndTransactionMarker {
        version: 0,
        coordinator_epoch,
    };
    let builder = RecordBatchBuilder::new()
        .producer(producer_id, producer_epoch, -1)
        .transactional(true)
        .control(true)
        .append(
            timestamp_ms,
            Some(&kind.key_bytes()),
            Some(&marker.value_bytes()),
            &[],
        );
    debug_assert_eq!(builder.timestamp_type(), TimestampType::CreateTime);
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{batches, validate, ValidateOptions};

    #[test]
    fn a_commit_marker_batch_reads_back_as_a_control_record() {
        let bytes = end_transaction_marker_batch(9, 2, ControlRecordType::Commit, 5, 77).unwrap();
        let batch = batches(&bytes).next().unwrap().unwrap();
        assert!(batch.is_control() && batch.is_transactional());
        let replica = ValidateOptions {
            from_client: false,
            ..ValidateOptions::default()
        };
        validate(&batch, &replica).unwrap();
        let records = batch.records(1 << 20).unwrap();
        let record = records.iter().next().unwrap().unwrap();
        let (version, kind) = ControlRecordType::parse_key(record.key.unwrap()).unwrap();
        assert_eq!((version, kind), (0, ControlRecordType::Commit));
        let marker = EndTransactionMarker::parse(record.value.unwrap()).unwrap();
        assert_eq!(marker.coordinator_epoch, 5);
    }

    #[test]
    fn short_keys_and_values_are_errors() {
        assert!(ControlRecordType::parse_key(&[0, 0, 1]).is_err());
        assert!(EndTransactionMarker::parse(&[0; 5]).is_err());
        assert_eq!(
            ControlRecordType::parse_key(&[0, 0, 0, 9]).unwrap().1,
            ControlRecordType::Unknown(9)
        );
    }
}
