//! Dumping a `.log` segment as Kafka 2.4's `DumpLogSegments.dumpLog` prints it: one line per
//! batch (shallow), and with deep iteration one `| offset: ...` line per record, the record
//! contents with `--print-data-log`, non-consecutive offsets collected for the final report,
//! and `Found N invalid bytes at the end of <name>` for a torn or corrupt tail.

use std::fmt::Write as _;

use gregor_protocol::records::compression::decompress_legacy;
use gregor_protocol::records::{
    entries, legacy_messages, ControlRecordType, EndTransactionMarker, LegacyMessage, RecordBatch,
    RecordSetEntry, DEFAULT_MAX_DECOMPRESSED_BYTES,
};

/// What to print for a `.log` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogDumpOptions {
    /// `--print-data-log`: keys and payloads.
    pub print_contents: bool,
    /// `--deep-iteration` (implied by `--print-data-log`): one line per record.
    pub deep_iteration: bool,
    /// `--offsets-decoder`: contents decoded as `__consumer_offsets` records.
    pub offsets_decoder: bool,
}

/// Kafka's `CompressionType` enum constant names, as `toString` prints them in 2.4.
pub fn codec_name(id: u8) -> &'static str {
    match id {
        0 => "NONE",
        1 => "GZIP",
        2 => "SNAPPY",
        3 => "LZ4",
        4 => "ZSTD",
        _ => "UNKNOWN",
    }
}

/// `DefaultRecordBatch.incrementSequence`: sequences wrap at `Integer.MAX_VALUE` to 0.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// Dumps `bytes` (the file's content) into `out`; `start_offset` comes from the file name.
/// Returns the non-consecutive offset pairs found (in the order found).
pub fn dump_log(
    file_name: &str,
    start_offset: i64,
    bytes: &[u8],
    options: LogDumpOptions,
    out: &mut String,
) -> Vec<(i64, i64)> {
    let _ = writeln!(out, "Starting offset: {start_offset}");
    let mut valid_bytes = 0usize;
    let mut last_offset = -1i64;
    let mut non_consecutive = Vec::new();
    let mut track = |offset: i64| {
        if last_offset != -1 && offset != last_offset + 1 {
            non_consecutive.push((last_offset, offset));
        }
        last_offset = offset;
    };
    for entry in entries(bytes) {
        let Ok(entry) = entry else { break };
        match entry {
            RecordSetEntry::V2(batch) => {
                print_batch(&batch, valid_bytes, out);
                if options.deep_iteration {
                    print_v2_records(&batch, options, &mut track, out);
                }
            }
            RecordSetEntry::Legacy(message) => {
                print_legacy_entry(&message, valid_bytes, out);
                if options.deep_iteration {
                    print_legacy_records(&message, options, &mut track, out);
                }
            }
        }
        valid_bytes += entry.size_in_bytes();
    }
    let trailing = bytes.len() - valid_bytes;
    if trailing > 0 {
        let _ = writeln!(
            out,
            "Found {trailing} invalid bytes at the end of {file_name}"
        );
    }
    non_consecutive
}

/// The batch line of a magic-2 batch.
fn print_batch(batch: &RecordBatch<'_>, position: usize, out: &mut String) {
    let last_sequence = if batch.base_sequence() < 0 {
        -1
    } else {
        increment_sequence(batch.base_sequence(), batch.last_offset_delta())
    };
    let _ = writeln!(
        out,
        "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} position: {position} {}: {} size: {} magic: {} compresscodec: {} crc: {} isvalid: {}",
        batch.base_offset(),
        batch.last_offset(),
        batch.records_count(),
        batch.base_sequence(),
        last_sequence,
        batch.producer_id(),
        batch.producer_epoch(),
        batch.partition_leader_epoch(),
        batch.is_transactional(),
        batch.is_control(),
        batch.timestamp_type().name(),
        batch.max_timestamp(),
        batch.size_in_bytes(),
        batch.magic(),
        codec_name(batch.compression_id()),
        batch.crc(),
        batch.is_valid(),
    );
}

fn print_v2_records(
    batch: &RecordBatch<'_>,
    options: LogDumpOptions,
    track: &mut dyn FnMut(i64),
    out: &mut String,
) {
    let Ok(records) = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES) else {
        return;
    };
    for record in records.iter() {
        let Ok(record) = record else { break };
        track(record.offset);
        let sequence = if batch.base_sequence() < 0 {
            -1
        } else {
            increment_sequence(batch.base_sequence(), record.offset_delta)
        };
        let header_keys: Vec<String> = record
            .headers()
            .map(|h| String::from_utf8_lossy(h.key).into_owned())
            .collect();
        let _ = write!(
            out,
            "| offset: {} {}: {} keysize: {} valuesize: {} sequence: {sequence} headerKeys: [{}]",
            record.offset,
            batch.timestamp_type().name(),
            record.timestamp,
            record.key.map_or(-1, |k| k.len() as i64),
            record.value.map_or(-1, |v| v.len() as i64),
            header_keys.join(","),
        );
        if batch.is_control() {
            print_control(record.key, record.value, out);
        } else if options.offsets_decoder {
            if let Some((key, payload)) =
                super::offsets_decoder::key_and_payload(record.key, record.value)
            {
                let _ = write!(out, " key: {key} payload: {payload}");
            }
        } else if options.print_contents {
            print_contents(record.key, record.value, out);
        }
        out.push('\n');
    }
}

/// ` endTxnMarker: COMMIT coordinatorEpoch: N`, or ` controlType: UNKNOWN(n)`.
fn print_control(key: Option<&[u8]>, value: Option<&[u8]>, out: &mut String) {
    match ControlRecordType::parse_key(key.unwrap_or_default()) {
        Ok((_, ControlRecordType::Unknown(id))) => {
            let _ = write!(out, " controlType: UNKNOWN({id})");
        }
        Ok((_, kind)) => {
            let name = if kind == ControlRecordType::Abort {
                "ABORT"
            } else {
                "COMMIT"
            };
            if let Ok(marker) = EndTransactionMarker::parse(value.unwrap_or_default()) {
                let _ = write!(
                    out,
                    " endTxnMarker: {name} coordinatorEpoch: {}",
                    marker.coordinator_epoch
                );
            }
        }
        Err(_) => {}
    }
}

/// `StringDecoder` output of key and value (each only when not null).
fn print_contents(key: Option<&[u8]>, value: Option<&[u8]>, out: &mut String) {
    if let Some(key) = key {
        let _ = write!(out, " key: {}", String::from_utf8_lossy(key));
    }
    if let Some(value) = value {
        let _ = write!(out, " payload: {}", String::from_utf8_lossy(value));
    }
}

/// The shallow line of a magic 0/1 message (a wrapper of compressed messages, or one message).
fn print_legacy_entry(message: &LegacyMessage<'_>, position: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "offset: {} position: {position} {}: {} size: {} magic: {} compresscodec: {} crc: {} isvalid: {}",
        message.offset(),
        message.timestamp_type().name(),
        message.timestamp(),
        message.as_bytes().len(),
        message.magic(),
        codec_name(message.attributes() & 0x07),
        message.crc(),
        message.is_valid(),
    );
}

fn print_legacy_records(
    message: &LegacyMessage<'_>,
    options: LogDumpOptions,
    track: &mut dyn FnMut(i64),
    out: &mut String,
) {
    let Ok(records) = message.records(DEFAULT_MAX_DECOMPRESSED_BYTES) else {
        return;
    };
    // The inner messages carry their own CRCs, which the record lines show.
    let inner_bytes = match message.compression() {
        Ok(codec) if message.is_compressed() => decompress_legacy(
            codec,
            message.value().unwrap_or_default(),
            DEFAULT_MAX_DECOMPRESSED_BYTES,
        )
        .unwrap_or_default(),
        _ => Vec::new(),
    };
    let inner: Vec<(u32, bool)> = if message.is_compressed() {
        legacy_messages(&inner_bytes)
            .filter_map(Result::ok)
            .map(|m| (m.crc(), m.is_valid()))
            .collect()
    } else {
        vec![(message.crc(), message.is_valid())]
    };
    for (index, record) in records.iter().enumerate() {
        track(record.offset);
        let (crc, valid) = inner.get(index).copied().unwrap_or((0, false));
        let _ = write!(
            out,
            "| offset: {} {}: {} keysize: {} valuesize: {} crc: {crc} isvalid: {valid}",
            record.offset,
            message.timestamp_type().name(),
            record.timestamp,
            record.key.as_ref().map_or(-1, |k| k.len() as i64),
            record.value.as_ref().map_or(-1, |v| v.len() as i64),
        );
        if options.print_contents {
            print_contents(record.key.as_deref(), record.value.as_deref(), out);
        }
        out.push('\n');
    }
}
