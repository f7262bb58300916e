//! Format conversion between magic 2 and the legacy formats, as a Kafka 2.4.1 broker does it:
//! up-conversion of Produce v0–2 sets to one v2 batch (`message.format.version` 2.4 stores v2
//! only), and down-conversion of stored v2 batches for Fetch v0–3 consumers
//! (`message.downconversion.enable`, Kafka's `RecordsUtil.downConvert`).

use super::batch::TimestampType;
use super::builder::RecordBatchBuilder;
use super::compression::Compression;
use super::error::RecordsError;
use super::iter::batches;
use super::legacy::legacy_messages;
use super::legacy_write::LegacyBuilder;

/// Rewrites a validated legacy set as one v2 batch at base offset 0 with `compression`; v0
/// records keep timestamp -1. Offsets are re-based to 0, 1, 2, ... (the leader assigns real ones).
pub fn upconvert_legacy(
    records: &[u8],
    compression: Compression,
    max_decompressed_bytes: usize,
) -> Result<Vec<u8>, RecordsError> {
    let mut builder = RecordBatchBuilder::new().compression(compression);
    for message in legacy_messages(records) {
        let message = message?;
        for record in message.records(max_decompressed_bytes)? {
            builder.push(
                record.timestamp,
                record.key.as_deref(),
                record.value.as_deref(),
                &[],
            );
        }
    }
    builder.build()
}

/// Rewrites stored v2 batches for a consumer that only reads `to_magic` (0 or 1): one legacy
/// entry (or one compressed wrapper) per batch, same codec, records before `first_offset`
/// dropped, control batches skipped, headers dropped. zstd cannot be expressed in magic 0/1.
/// A partial trailing batch is left out, as a Fetch response may cut one.
pub fn downconvert(
    records: &[u8],
    to_magic: i8,
    first_offset: i64,
    max_decompressed_bytes: usize,
) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::new();
    for batch in batches(records) {
        let batch = batch?;
        if batch.is_control() {
            continue;
        }
        let codec = batch.compression()?;
        if codec == Compression::Zstd {
            return Err(RecordsError::UnsupportedCompression(codec, to_magic));
        }
        let mut builder = LegacyBuilder::new(to_magic, codec)?;
        if batch.timestamp_type() == TimestampType::LogAppendTime {
            builder = builder.log_append_time(batch.max_timestamp());
        }
        let decoded = batch.records(max_decompressed_bytes)?;
        let mut any = false;
        for record in decoded.iter() {
            let record = record?;
            if record.offset < first_offset {
                continue;
            }
            builder.append(record.offset, record.timestamp, record.key, record.value);
            any = true;
        }
        if any {
            out.extend_from_slice(&builder.build()?);
        }
    }
    Ok(out)
}
