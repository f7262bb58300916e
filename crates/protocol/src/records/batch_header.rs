//! `RecordBatchHeader`: the 61-byte fixed header of a magic-2 batch as plain values, readable
//! without the rest of the batch (what a segment reader needs when it reads headers only, like
//! Kafka's `FileChannelRecordBatch`). Layout in [`super::batch`].

use super::batch::{RecordBatch, TimestampType, LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_OVERHEAD};
use super::compression::Compression;
use super::error::{need, RecordsError};

/// Every field of a v2 batch header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordBatchHeader {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Bytes after the length field.
    pub batch_length: i32,
    /// Epoch of the appending leader.
    pub partition_leader_epoch: i32,
    /// Always 2.
    pub magic: i8,
    /// Stored CRC-32C (not checked here: the covered bytes are not all present).
    pub crc: u32,
    /// Raw attributes.
    pub attributes: i16,
    /// Last offset minus base offset.
    pub last_offset_delta: i32,
    /// Timestamp of the first record.
    pub first_timestamp: i64,
    /// Max timestamp (or the append time under LogAppendTime).
    pub max_timestamp: i64,
    /// Producer id (-1 if none).
    pub producer_id: i64,
    /// Producer epoch (-1 if none).
    pub producer_epoch: i16,
    /// First sequence (-1 if none).
    pub base_sequence: i32,
    /// Declared record count.
    pub records_count: i32,
}

impl RecordBatchHeader {
    /// Reads the header from the first 61 bytes of `bytes`; more bytes may follow (or not).
    /// Checks the magic and that the length field is at least a header's worth.
    pub fn parse(bytes: &[u8]) -> Result<Self, RecordsError> {
        need("record batch header", MAGIC_OFFSET + 1, bytes.len())?;
        let magic = bytes[MAGIC_OFFSET] as i8;
        if magic != 2 {
            return Err(RecordsError::InvalidMagic(magic));
        }
        need("record batch header", RECORD_BATCH_OVERHEAD, bytes.len())?;
        let header = Self::from_batch(&RecordBatch::header_only(&bytes[..RECORD_BATCH_OVERHEAD]));
        let minimum = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
        if header.batch_length < minimum as i32 {
            return Err(RecordsError::SizeTooSmall {
                size: i64::from(header.batch_length),
                minimum,
            });
        }
        Ok(header)
    }

    /// Copies the header fields out of a batch view.
    pub fn from_batch(batch: &RecordBatch<'_>) -> Self {
        RecordBatchHeader {
            base_offset: batch.base_offset(),
            batch_length: batch.batch_length(),
            partition_leader_epoch: batch.partition_leader_epoch(),
            magic: batch.magic(),
            crc: batch.crc(),
            attributes: batch.attributes(),
            last_offset_delta: batch.last_offset_delta(),
            first_timestamp: batch.first_timestamp(),
            max_timestamp: batch.max_timestamp(),
            producer_id: batch.producer_id(),
            producer_epoch: batch.producer_epoch(),
            base_sequence: batch.base_sequence(),
            records_count: batch.records_count(),
        }
    }

    /// Offset of the last record.
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .wrapping_add(i64::from(self.last_offset_delta))
    }

    /// Offset after the batch.
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// Total bytes of the batch (length field + 12).
    pub fn size_in_bytes(&self) -> usize {
        usize::try_from(self.batch_length).unwrap_or(0) + LOG_OVERHEAD
    }

    /// The codec; an error for ids 5..=7.
    pub fn compression(&self) -> Result<Compression, RecordsError> {
        Compression::from_id((self.attributes & 0x07) as u8)
    }

    /// CreateTime or LogAppendTime.
    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & 0x08 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Attribute bit 4.
    pub fn is_transactional(&self) -> bool {
        self.attributes & 0x10 != 0
    }

    /// Attribute bit 5.
    pub fn is_control(&self) -> bool {
        self.attributes & 0x20 != 0
    }
}

impl RecordBatch<'_> {
    /// The header fields as plain values.
    pub fn header(&self) -> RecordBatchHeader {
        RecordBatchHeader::from_batch(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RecordBatchBuilder;

    #[test]
    fn the_header_reads_from_the_first_61_bytes_alone() {
        let bytes = RecordBatchBuilder::new()
            .base_offset(40)
            .producer(5, 1, 9)
            .transactional(true)
            .append(10, None, Some(b"a"), &[])
            .append(30, None, Some(b"b"), &[])
            .build()
            .unwrap();
        let header = RecordBatchHeader::parse(&bytes[..61]).unwrap();
        assert_eq!(header, RecordBatch::new(&bytes).unwrap().header());
        assert_eq!((header.last_offset(), header.next_offset()), (41, 42));
        assert_eq!(header.size_in_bytes(), bytes.len());
        assert_eq!((header.first_timestamp, header.max_timestamp), (10, 30));
        assert!(header.is_transactional() && !header.is_control());
        assert_eq!(
            (
                header.producer_id,
                header.producer_epoch,
                header.base_sequence
            ),
            (5, 1, 9)
        );
        assert!(RecordBatchHeader::parse(&bytes[..60]).is_err());
    }
}
