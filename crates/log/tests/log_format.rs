//! Parses the files the engine writes by hand and checks them against the byte layouts of
//! kafka-2.4.md §4.4 (names), §4.5 (`.index`), §4.6 (`.timeindex`), §4.10 (RecordBatch v2)
//! and §4.3 (`leader-epoch-checkpoint`), without using the engine's own readers.

mod log_support;

use std::fs;
use std::path::Path;

use gregor_log::LogConfig;
use log_support::*;

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// (position, base offset, last offset, max timestamp) of every batch, checked field by field.
fn parse_log_file(bytes: &[u8]) -> Vec<(u32, i64, i64, i64)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let batch = &bytes[at..];
        let base_offset = be_i64(batch, 0);
        let length = be_i32(batch, 8) as usize;
        let total = length + 12;
        assert!(total >= 61 && total <= batch.len(), "length field at {at}");
        assert_eq!(batch[16], 2, "magic at byte 16");
        let crc = be_u32(batch, 17);
        assert_eq!(
            crc,
            crc32c::crc32c(&batch[21..total]),
            "CRC-32C of attributes..end"
        );
        let last_offset_delta = be_i32(batch, 23);
        let max_timestamp = be_i64(batch, 35);
        let records_count = be_i32(batch, 57);
        assert_eq!(records_count, last_offset_delta + 1);
        out.push((
            at as u32,
            base_offset,
            base_offset + i64::from(last_offset_delta),
            max_timestamp,
        ));
        at += total;
    }
    out
}

#[test]
fn segment_index_and_time_index_bytes_follow_kafkas_layout() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(8192, 1000);
    let mut log = open(dir.path(), config, clean(0));
    for n in 0..40 {
        let mut bytes = batch(2, 5_000 + n, 200);
        log.append_as_leader(&mut bytes, 3, 0).unwrap();
    }
    let bases = log.segment_base_offsets();
    log.close(0).unwrap();
    let part = dir.path().join("first-0");
    let mut expected_base = 0;
    for base in &bases {
        assert_eq!(*base, expected_base);
        let prefix = format!("{base:020}");
        let log_bytes = fs::read(part.join(format!("{prefix}.log"))).unwrap();
        let batches = parse_log_file(&log_bytes);
        assert_eq!(batches[0].1, *base, "a segment starts with its base offset");
        let index = fs::read(part.join(format!("{prefix}.index"))).unwrap();
        assert_eq!(index.len() % 8, 0, "trimmed to whole 8-byte entries");
        let mut previous = *base;
        for entry in index.chunks(8) {
            let offset = base + i64::from(be_u32(entry, 0));
            let position = be_u32(entry, 4);
            assert!(offset > previous, "offsets strictly increasing");
            previous = offset;
            let batch = batches
                .iter()
                .find(|b| b.0 == position)
                .expect("entry points at a batch start");
            assert_eq!(batch.2, offset, "entry carries that batch's last offset");
        }
        assert!(
            !index.is_empty() || log_bytes.len() <= 1200,
            "an entry every 1000 bytes"
        );
        let time_index = fs::read(part.join(format!("{prefix}.timeindex"))).unwrap();
        assert_eq!(time_index.len() % 12, 0);
        let mut last_timestamp = -1;
        for entry in time_index.chunks(12) {
            let timestamp = be_i64(entry, 0);
            let offset = base + i64::from(be_u32(entry, 8));
            assert!(timestamp > last_timestamp, "time index strictly increasing");
            last_timestamp = timestamp;
            assert!(batches.iter().any(|b| b.2 == offset && b.3 == timestamp));
        }
        let segment_max = batches.iter().map(|b| b.3).max().unwrap();
        assert_eq!(
            last_timestamp, segment_max,
            "closing appends the final (max ts, offset) entry"
        );
        expected_base = batches.last().unwrap().2 + 1;
    }
    let checkpoint = fs::read_to_string(part.join("leader-epoch-checkpoint")).unwrap();
    assert_eq!(checkpoint, "0\n1\n3 0\n");
}

#[test]
fn fresh_partition_has_an_empty_log_and_preallocated_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let _log = open(dir.path(), LogConfig::default(), clean(0));
    let part = dir.path().join("first-0");
    let size = |name: &str| fs::metadata(part.join(name)).unwrap().len();
    assert_eq!(size("00000000000000000000.log"), 0);
    assert_eq!(size("00000000000000000000.index"), 10_485_760);
    assert_eq!(size("00000000000000000000.timeindex"), 10_485_756);
    assert_eq!(size("leader-epoch-checkpoint"), 0);
    assert!(Path::new(&part).is_dir());
}
