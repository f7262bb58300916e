//! Helpers shared by the `manager_*` and `crash_*` integration tests: building batches with
//! the protocol crate's builder, manager configs over temp dirs, and reading a log back batch
//! by batch.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gregor_log::manager::{LogManager, LogManagerConfig, SharedLog};
use gregor_log::LogConfig;
use gregor_protocol::records::{batches, RecordBatchBuilder};

/// A v2 batch of `records` records; values are `value_bytes` long and derived from `seed`, so
/// each batch's content (and CRC) is distinct.
pub fn batch(seed: u64, records: usize, value_bytes: usize, timestamp_ms: i64) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new();
    for n in 0..records {
        let value: Vec<u8> = (0..value_bytes)
            .map(|i| (seed.wrapping_mul(31).wrapping_add((n * 7 + i) as u64) % 251) as u8)
            .collect();
        let key = format!("key-{seed}-{n}");
        builder.push(timestamp_ms, Some(key.as_bytes()), Some(&value), &[]);
    }
    builder.build().unwrap()
}

/// A manager config over `dirs` with Kafka defaults and immediate periodic tasks.
pub fn manager_config(dirs: &[PathBuf]) -> LogManagerConfig {
    LogManagerConfig {
        log_dirs: dirs.to_vec(),
        initial_task_delay_ms: 0,
        ..LogManagerConfig::default()
    }
}

/// Opens a manager with no per-topic configs at time `now_ms`.
pub fn open(config: &LogManagerConfig, now_ms: i64) -> LogManager {
    LogManager::open(config.clone(), &HashMap::new(), now_ms).unwrap()
}

/// A topic config with small segments and indexes so tests roll often.
pub fn small_segments(segment_bytes: i32) -> LogConfig {
    LogConfig::default()
        .with_overrides([
            ("segment.bytes", segment_bytes.to_string()),
            ("index.interval.bytes", "512".to_string()),
            ("segment.index.bytes", "4096".to_string()),
        ])
        .unwrap()
}

/// One batch as read back: (base offset, last offset, CRC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    /// First offset.
    pub base_offset: i64,
    /// Last offset.
    pub last_offset: i64,
    /// The stored CRC, which covers the records.
    pub crc: u32,
}

/// Reads every batch of the log from its start offset to its end, checking CRCs.
pub fn read_all(log: &SharedLog) -> Vec<BatchSummary> {
    let (mut offset, end) = {
        let log = log.lock();
        (log.log_start_offset(), log.log_end_offset())
    };
    let reader = log.lock().reader();
    let mut out = Vec::new();
    while offset < end {
        let info = reader.snapshot().read(offset, 1 << 20, end, true).unwrap();
        let bytes = info
            .records
            .expect("data below the log end")
            .read_to_vec()
            .unwrap();
        for batch in batches(&bytes) {
            let batch = batch.unwrap();
            assert!(batch.is_valid(), "CRC of batch at {}", batch.base_offset());
            if batch.last_offset() >= offset {
                out.push(BatchSummary {
                    base_offset: batch.base_offset(),
                    last_offset: batch.last_offset(),
                    crc: batch.crc(),
                });
            }
            offset = offset.max(batch.next_offset());
        }
    }
    out
}

/// Asserts offsets are dense and increasing from `start` with no gap between batches.
pub fn assert_dense(batches: &[BatchSummary], start: i64) {
    let mut next = start;
    for b in batches {
        assert_eq!(b.base_offset, next, "gap or overlap before {b:?}");
        assert!(b.last_offset >= b.base_offset);
        next = b.last_offset + 1;
    }
}

/// Names of the entries of a directory, sorted.
pub fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
