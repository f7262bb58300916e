//! `RecordBatchBuilder`: writes one magic-2 batch from records, optionally compressed, the way
//! Kafka's `MemoryRecordsBuilder` does (offset deltas 0..n-1, timestamp deltas from the first
//! record, CRC-32C last). Used by Gregor's own tools and by tests.

use super::batch::{
    RecordBatchMut, TimestampType, ATTRIBUTES_OFFSET, LOG_OVERHEAD, NO_PARTITION_LEADER_EPOCH,
    NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP, RECORD_BATCH_OVERHEAD,
};
use super::compression::{compress, Compression};
use super::error::RecordsError;
use super::varint::{put_varint, put_varlong, varint_size};

/// Builds one v2 batch. Setters consume and return the builder; `append` adds a record.
#[derive(Debug, Clone)]
pub struct RecordBatchBuilder {
    /// Codec for the records blob.
    compression: Compression,
    /// Offset of the first record.
    base_offset: i64,
    /// Stored as is (the leader overwrites it on append).
    partition_leader_epoch: i32,
    /// Idempotent producer id, or -1.
    producer_id: i64,
    /// Idempotent producer epoch, or -1.
    producer_epoch: i16,
    /// Sequence of the first record, or -1.
    base_sequence: i32,
    /// Attribute bit 4.
    is_transactional: bool,
    /// Attribute bit 5.
    is_control: bool,
    /// Broker append time when the batch uses LogAppendTime.
    log_append_time: Option<i64>,
    /// Encoded records, uncompressed.
    records: Vec<u8>,
    /// Records appended.
    count: i32,
    /// Timestamp of the first record (the base of all deltas).
    first_timestamp: i64,
    /// Largest timestamp appended.
    max_timestamp: i64,
}

impl Default for RecordBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordBatchBuilder {
    /// An uncompressed CreateTime batch at base offset 0 from a non-idempotent producer.
    pub fn new() -> Self {
        RecordBatchBuilder {
            compression: Compression::None,
            base_offset: 0,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            is_transactional: false,
            is_control: false,
            log_append_time: None,
            records: Vec::new(),
            count: 0,
            first_timestamp: NO_TIMESTAMP,
            max_timestamp: NO_TIMESTAMP,
        }
    }

    /// Sets the codec.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the base offset.
    pub fn base_offset(mut self, base_offset: i64) -> Self {
        self.base_offset = base_offset;
        self
    }

    /// Sets the partition leader epoch.
    pub fn partition_leader_epoch(mut self, epoch: i32) -> Self {
        self.partition_leader_epoch = epoch;
        self
    }

    /// Marks the batch as written by an idempotent producer.
    pub fn producer(mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Self {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.base_sequence = base_sequence;
        self
    }

    /// Sets attribute bit 4.
    pub fn transactional(mut self, is_transactional: bool) -> Self {
        self.is_transactional = is_transactional;
        self
    }

    /// Sets attribute bit 5 (a transaction marker batch).
    pub fn control(mut self, is_control: bool) -> Self {
        self.is_control = is_control;
        self
    }

    /// Uses LogAppendTime with `append_time_ms` as the batch max timestamp.
    pub fn log_append_time(mut self, append_time_ms: i64) -> Self {
        self.log_append_time = Some(append_time_ms);
        self
    }

    /// Appends a record with the next offset delta.
    pub fn append(
        mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&str, Option<&[u8]>)],
    ) -> Self {
        self.push(timestamp, key, value, headers);
        self
    }

    /// Appends a record with the next offset delta, by reference (for loops).
    pub fn push(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&str, Option<&[u8]>)],
    ) {
        if self.count == 0 {
            self.first_timestamp = timestamp;
        }
        self.max_timestamp = self.max_timestamp.max(timestamp);
        let mut body =
            Vec::with_capacity(16 + key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len));
        body.push(0); // record attributes: unused
        put_varlong(&mut body, timestamp.wrapping_sub(self.first_timestamp));
        put_varint(&mut body, self.count);
        put_nullable(&mut body, key);
        put_nullable(&mut body, value);
        put_varint(&mut body, headers.len() as i32);
        for (header_key, header_value) in headers {
            put_nullable(&mut body, Some(header_key.as_bytes()));
            put_nullable(&mut body, *header_value);
        }
        self.records
            .reserve(varint_size(body.len() as i32) + body.len());
        put_varint(&mut self.records, body.len() as i32);
        self.records.extend_from_slice(&body);
        self.count += 1;
    }

    /// Records appended so far.
    pub fn records_count(&self) -> i32 {
        self.count
    }

    /// CreateTime unless `log_append_time` was set.
    pub fn timestamp_type(&self) -> TimestampType {
        if self.log_append_time.is_some() {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Writes the batch. With no records the result is empty, like `MemoryRecords.EMPTY`.
    pub fn build(self) -> Result<Vec<u8>, RecordsError> {
        if self.count == 0 {
            return Ok(Vec::new());
        }
        let payload = match self.compression {
            Compression::None => self.records,
            codec => compress(codec, &self.records)?,
        };
        let mut out = Vec::with_capacity(RECORD_BATCH_OVERHEAD + payload.len());
        out.extend_from_slice(&self.base_offset.to_be_bytes());
        let batch_length = (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + payload.len()) as i32;
        out.extend_from_slice(&batch_length.to_be_bytes());
        out.extend_from_slice(&self.partition_leader_epoch.to_be_bytes());
        out.push(2);
        out.extend_from_slice(&[0; 4]); // CRC, filled in below
        debug_assert_eq!(out.len(), ATTRIBUTES_OFFSET);
        let mut attributes = i16::from(self.compression.id());
        if self.log_append_time.is_some() {
            attributes |= 0x08;
        }
        if self.is_transactional {
            attributes |= 0x10;
        }
        if self.is_control {
            attributes |= 0x20;
        }
        out.extend_from_slice(&attributes.to_be_bytes());
        out.extend_from_slice(&(self.count - 1).to_be_bytes());
        out.extend_from_slice(&self.first_timestamp.to_be_bytes());
        let max_timestamp = self.log_append_time.unwrap_or(self.max_timestamp);
        out.extend_from_slice(&max_timestamp.to_be_bytes());
        out.extend_from_slice(&self.producer_id.to_be_bytes());
        out.extend_from_slice(&self.producer_epoch.to_be_bytes());
        out.extend_from_slice(&self.base_sequence.to_be_bytes());
        out.extend_from_slice(&self.count.to_be_bytes());
        out.extend_from_slice(&payload);
        RecordBatchMut::new(&mut out)?.update_crc();
        Ok(out)
    }
}

/// Appends a varint length (-1 for null) and the bytes.
fn put_nullable(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => put_varint(out, -1),
        Some(b) => {
            put_varint(out, b.len() as i32);
            out.extend_from_slice(b);
        }
    }
}
