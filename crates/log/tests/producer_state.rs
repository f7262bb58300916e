//! Idempotent producer state through the `Log` API: duplicates answered with the original
//! offsets, fencing, sequence gaps, unknown producers, snapshots on roll and close, and the
//! state rebuilt after a clean restart and after a crash.

use std::path::Path;

use gregor_log::log::{Log, LogLoadOptions};
use gregor_log::{LogConfig, LogError};
use gregor_protocol::records::RecordBatchBuilder;

fn config(segment_bytes: i32) -> LogConfig {
    LogConfig::default()
        .with_overrides([("segment.bytes", segment_bytes.to_string())])
        .unwrap()
}

fn options(clean: bool, recovery_point: i64) -> LogLoadOptions {
    LogLoadOptions {
        recovery_point,
        log_start_offset: 0,
        had_clean_shutdown: clean,
        now_ms: 1_000,
    }
}

fn open(root: &Path, segment_bytes: i32, clean: bool) -> Log {
    Log::open(&root.join("t-0"), config(segment_bytes), options(clean, 0)).unwrap()
}

/// A batch of `records` records from producer `pid` at `epoch` starting at `seq`.
fn idempotent(pid: i64, epoch: i16, seq: i32, records: usize) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new().producer(pid, epoch, seq);
    for n in 0..records {
        builder.push(1_000, None, Some(format!("v{n}").as_bytes()), &[]);
    }
    builder.build().unwrap()
}

fn append(log: &mut Log, batch: &[u8]) -> Result<(i64, i64, usize), LogError> {
    let mut bytes = batch.to_vec();
    log.append_as_leader(&mut bytes, 0, 1_000)
        .map(|info| (info.first_offset, info.last_offset, info.batch_count))
}

fn code(result: Result<(i64, i64, usize), LogError>) -> i16 {
    result.unwrap_err().kafka_error_code()
}

fn snapshot_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snapshot"))
        .collect();
    names.sort();
    names
}

#[test]
fn retried_batches_get_their_original_offsets_and_are_not_written_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    assert_eq!(
        append(&mut log, &idempotent(7, 0, 0, 3)).unwrap(),
        (0, 2, 1)
    );
    assert_eq!(
        append(&mut log, &idempotent(7, 0, 3, 2)).unwrap(),
        (3, 4, 1)
    );
    // A retry of the first batch: same offsets, nothing appended.
    assert_eq!(
        append(&mut log, &idempotent(7, 0, 0, 3)).unwrap(),
        (0, 2, 0)
    );
    assert_eq!(log.log_end_offset(), 5);
    assert_eq!(
        append(&mut log, &idempotent(7, 0, 5, 1)).unwrap(),
        (5, 5, 1)
    );
}

#[test]
fn gaps_old_epochs_and_unknown_producers_get_kafkas_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    // A producer never seen must start at sequence 0.
    assert_eq!(code(append(&mut log, &idempotent(9, 0, 5, 1))), 59);
    append(&mut log, &idempotent(9, 1, 0, 2)).unwrap();
    // Sequence gap: OUT_OF_ORDER_SEQUENCE_NUMBER.
    assert_eq!(code(append(&mut log, &idempotent(9, 1, 3, 1))), 45);
    // Older epoch: INVALID_PRODUCER_EPOCH (fenced).
    assert_eq!(code(append(&mut log, &idempotent(9, 0, 2, 1))), 47);
    // A newer epoch must restart at 0.
    assert_eq!(code(append(&mut log, &idempotent(9, 2, 2, 1))), 45);
    append(&mut log, &idempotent(9, 2, 0, 1)).unwrap();
    assert_eq!(log.log_end_offset(), 3);
    // Non-idempotent batches are never checked.
    let plain = RecordBatchBuilder::new()
        .append(1_000, None, Some(b"x"), &[])
        .build()
        .unwrap();
    append(&mut log, &plain).unwrap();
    append(&mut log, &plain).unwrap();
    assert_eq!(log.log_end_offset(), 5);
}

#[test]
fn state_survives_a_clean_restart_through_the_close_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    for n in 0..4 {
        append(&mut log, &idempotent(3, 0, n * 2, 2)).unwrap();
    }
    let part = log.dir().to_path_buf();
    log.close(2_000).unwrap();
    assert_eq!(snapshot_files(&part), vec!["00000000000000000008.snapshot"]);
    let mut log = open(dir.path(), 1 << 20, true);
    assert_eq!(log.producer_state().last_entry(3).unwrap().last_seq(), 7);
    // The last batch is still recognised as a duplicate, and the sequence continues.
    assert_eq!(
        append(&mut log, &idempotent(3, 0, 6, 2)).unwrap(),
        (6, 7, 0)
    );
    assert_eq!(
        append(&mut log, &idempotent(3, 0, 8, 1)).unwrap(),
        (8, 8, 1)
    );
    assert_eq!(code(append(&mut log, &idempotent(3, 0, 11, 1))), 45);
}

#[test]
fn state_is_rebuilt_from_the_log_after_a_crash_and_rolls_write_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let part;
    {
        let mut log = open(dir.path(), 400, true);
        for n in 0..20 {
            append(&mut log, &idempotent(11, 0, n * 3, 3)).unwrap();
        }
        assert!(log.segment_count() > 2);
        part = log.dir().to_path_buf();
        let snapshots = snapshot_files(&part);
        assert_eq!(snapshots.len(), log.segment_count() - 1);
        // Dropped without close: as after kill -9, no snapshot at the log end.
    }
    let mut log = open(dir.path(), 400, false);
    assert_eq!(log.log_end_offset(), 60);
    let entry = log.producer_state().last_entry(11).unwrap();
    assert_eq!((entry.producer_epoch, entry.last_seq()), (0, 59));
    assert_eq!(
        append(&mut log, &idempotent(11, 0, 57, 3)).unwrap(),
        (57, 59, 0)
    );
    assert_eq!(
        append(&mut log, &idempotent(11, 0, 60, 1)).unwrap(),
        (60, 60, 1)
    );
    // The rebuild wrote a snapshot at the end of what it replayed.
    assert!(snapshot_files(&part).contains(&"00000000000000000060.snapshot".to_string()));
}

#[test]
fn a_corrupt_snapshot_is_ignored_and_the_log_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    append(&mut log, &idempotent(5, 0, 0, 4)).unwrap();
    let part = log.dir().to_path_buf();
    log.close(2_000).unwrap();
    let path = part.join("00000000000000000004.snapshot");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    assert_eq!(log.producer_state().last_entry(5).unwrap().last_seq(), 3);
    assert_eq!(
        append(&mut log, &idempotent(5, 0, 4, 1)).unwrap(),
        (4, 4, 1)
    );
}

#[test]
fn delete_records_forgets_producers_below_the_new_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    append(&mut log, &idempotent(1, 0, 0, 2)).unwrap();
    append(&mut log, &idempotent(2, 0, 0, 2)).unwrap();
    log.increment_log_start_offset(2, 4).unwrap();
    assert!(log.producer_state().last_entry(1).is_none());
    assert!(log.producer_state().last_entry(2).is_some());
    // Producer 1 continuing at sequence 2 is now unknown, as in Kafka.
    assert_eq!(code(append(&mut log, &idempotent(1, 0, 2, 1))), 59);
}

#[test]
fn truncation_reloads_state_below_the_new_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    append(&mut log, &idempotent(4, 0, 0, 2)).unwrap();
    append(&mut log, &idempotent(4, 0, 2, 2)).unwrap();
    log.truncate_to(2).unwrap();
    assert_eq!(log.producer_state().last_entry(4).unwrap().last_seq(), 1);
    assert_eq!(
        append(&mut log, &idempotent(4, 0, 2, 2)).unwrap(),
        (2, 3, 1)
    );
}

#[test]
fn idle_producers_expire_and_must_start_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), 1 << 20, true);
    append(&mut log, &idempotent(8, 0, 0, 1)).unwrap();
    // The batch timestamp is 1_000; a week later the producer is gone.
    assert_eq!(log.remove_expired_producers(1_500, 604_800_000), 0);
    assert_eq!(log.remove_expired_producers(604_801_001, 604_800_000), 1);
    assert_eq!(code(append(&mut log, &idempotent(8, 0, 1, 1))), 59);
}
