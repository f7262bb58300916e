//! Helpers shared by the `log_*` integration tests: batch building with the protocol crate's
//! builder, opening logs with small configs, and reading a whole log back.
#![allow(dead_code)]

use std::path::Path;

use gregor_log::log::{Log, LogLoadOptions};
use gregor_log::LogConfig;
use gregor_protocol::records::{batches, RecordBatchBuilder};

/// A batch of `records` records, each with a `value_bytes`-byte value and timestamp `ts`.
pub fn batch(records: usize, timestamp_ms: i64, value_bytes: usize) -> Vec<u8> {
    let value = vec![b'v'; value_bytes];
    let mut builder = RecordBatchBuilder::new();
    for n in 0..records {
        builder.push(
            timestamp_ms,
            Some(format!("k{n}").as_bytes()),
            Some(&value),
            &[],
        );
    }
    builder.build().unwrap()
}

/// A config with small segments so tests roll quickly.
pub fn small_config(segment_bytes: i32, index_interval_bytes: i32) -> LogConfig {
    LogConfig::default()
        .with_overrides([
            ("segment.bytes", segment_bytes.to_string()),
            ("index.interval.bytes", index_interval_bytes.to_string()),
            ("segment.index.bytes", "4096".to_string()),
        ])
        .unwrap()
}

/// Options for a fresh or cleanly closed log.
pub fn clean(recovery_point: i64) -> LogLoadOptions {
    LogLoadOptions {
        recovery_point,
        log_start_offset: 0,
        had_clean_shutdown: true,
        now_ms: 1_000,
    }
}

/// Options after a crash.
pub fn unclean(recovery_point: i64) -> LogLoadOptions {
    LogLoadOptions {
        had_clean_shutdown: false,
        ..clean(recovery_point)
    }
}

/// Opens `dir/first-0`.
pub fn open(root: &Path, config: LogConfig, options: LogLoadOptions) -> Log {
    Log::open(&root.join("first-0"), config, options).unwrap()
}

/// Appends `count` batches of `records_per_batch` records as leader at epoch 0.
pub fn append_batches(log: &mut Log, count: usize, records_per_batch: usize, value_bytes: usize) {
    for n in 0..count {
        let mut bytes = batch(records_per_batch, 10_000 + n as i64, value_bytes);
        log.append_as_leader(&mut bytes, 0, 20_000).unwrap();
    }
}

/// (base offset, last offset) of every batch, read through the fetch path from the start.
pub fn read_all(log: &Log) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut next = log.log_start_offset();
    let end = log.log_end_offset();
    while next < end {
        let info = log.read(next, 1 << 20, end, true).unwrap();
        let region = info.records.expect("data below the log end");
        let bytes = region.read_to_vec().unwrap();
        let mut progressed = false;
        for batch in batches(&bytes) {
            let batch = batch.unwrap();
            batch.ensure_valid().unwrap();
            if batch.last_offset() >= next {
                out.push((batch.base_offset(), batch.last_offset()));
                next = batch.next_offset();
                progressed = true;
            }
        }
        assert!(progressed, "read at {next} returned no batch");
    }
    out
}

/// Asserts offsets are dense from `start` and returns the count of batches.
pub fn assert_dense(ranges: &[(i64, i64)], start: i64) {
    let mut expected = start;
    for (base, last) in ranges {
        assert_eq!(*base, expected, "offsets must be dense: {ranges:?}");
        assert!(last >= base);
        expected = last + 1;
    }
}
