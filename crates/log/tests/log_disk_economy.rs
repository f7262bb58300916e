//! The log touches the disk only when something changed, as Kafka does: a flush with nothing
//! past the recovery point is a no-op, a clean reopen + close rewrites no file, retention
//! schedules file deletions on the caller's clock, and a clean shutdown closes (trims) even
//! logs that are still shared.

mod log_support;

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use gregor_log::dir::TopicPartition;
use gregor_log::manager::{LogManager, LogManagerConfig};
use gregor_log::LogConfig;
use log_support::{append_batches, batch, clean, open, small_config};

/// A fixed, old modification time, so that any later write is visible.
fn old_time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

fn set_old_mtime(path: &Path) {
    let file = File::options().write(true).open(path).unwrap();
    file.set_times(FileTimes::new().set_modified(old_time()))
        .unwrap();
}

/// (inode, mtime) of a file.
fn identity(path: &Path) -> (u64, std::time::SystemTime) {
    let meta = fs::metadata(path).unwrap();
    (meta.ino(), meta.modified().unwrap())
}

#[test]
fn flush_with_nothing_unflushed_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 512), clean(0));
    append_batches(&mut log, 3, 2, 100);
    log.flush(100).unwrap();
    assert_eq!(log.recovery_point(), 6);
    assert_eq!(log.last_flush_ms(), 100);
    // Kafka's flush(offset) returns at once when offset <= recoveryPoint, before it records
    // the flush time.
    log.flush(200).unwrap();
    assert_eq!(log.last_flush_ms(), 100);
    append_batches(&mut log, 1, 2, 100);
    log.flush(300).unwrap();
    assert_eq!(log.recovery_point(), 8);
    assert_eq!(log.last_flush_ms(), 300);
}

#[test]
fn clean_reopen_and_close_rewrite_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 512);
    let mut log = open(dir.path(), config.clone(), clean(0));
    append_batches(&mut log, 5, 2, 100);
    assert_eq!(log.epoch_entries().len(), 1);
    let end = log.log_end_offset();
    log.close(0).unwrap();
    drop(log);

    let part = dir.path().join("first-0");
    let checkpoint = part.join("leader-epoch-checkpoint");
    let segment = part.join("00000000000000000000.log");
    set_old_mtime(&checkpoint);
    set_old_mtime(&segment);
    let before = (identity(&checkpoint), identity(&segment));
    let index_before = fs::read(part.join("00000000000000000000.index")).unwrap();

    let mut log = open(dir.path(), config, clean(end));
    assert_eq!(log.log_end_offset(), end);
    log.flush(5_000).unwrap();
    log.close(5_000).unwrap();
    drop(log);

    assert_eq!(
        (identity(&checkpoint), identity(&segment)),
        before,
        "an unchanged epoch cache and segment must not be rewritten"
    );
    let index_after = fs::read(part.join("00000000000000000000.index")).unwrap();
    assert_eq!(
        index_after, index_before,
        "the index is trimmed back as it was"
    );
}

#[test]
fn a_closed_log_still_held_elsewhere_accepts_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 512), clean(0));
    append_batches(&mut log, 4, 2, 300);
    log.close(0).unwrap();
    // The trimmed indexes read as full, so the next append starts a new segment.
    append_batches(&mut log, 2, 2, 300);
    assert_eq!(log.log_end_offset(), 12);
    assert_eq!(log.segment_base_offsets(), vec![0, 8]);
    log_support::assert_dense(&log_support::read_all(&log), 0);
}

#[test]
fn an_empty_log_can_be_closed_twice_and_written_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 512), clean(0));
    log.close(0).unwrap();
    log.close(0).unwrap();
    append_batches(&mut log, 1, 3, 10);
    assert_eq!(log.log_end_offset(), 3);
    log.close(0).unwrap();
    drop(log);
    let log = open(dir.path(), small_config(1 << 20, 512), clean(3));
    assert_eq!(log.log_end_offset(), 3);
}

#[test]
fn retention_schedules_deletions_on_the_callers_clock() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1024, 512)
        .with_overrides([
            ("retention.ms", "1000".to_string()),
            ("file.delete.delay.ms", "60000".to_string()),
        ])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    for n in 0..6 {
        let mut bytes = batch(2, 10_000 + n, 400);
        log.append_as_leader(&mut bytes, 0, 20_000).unwrap();
    }
    assert!(log.segment_count() > 2);
    let end = log.log_end_offset();
    let now_ms = 100_000;
    let deleted = log.delete_old_segments(end, now_ms).unwrap();
    assert!(deleted > 0);
    let part = dir.path().join("first-0");
    let count_deleted = || {
        fs::read_dir(&part)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".deleted")
            })
            .count()
    };
    assert_eq!(count_deleted(), deleted * 3);
    assert_eq!(log.delete_expired_files(now_ms + 59_999).unwrap(), 0);
    assert_eq!(
        log.delete_expired_files(now_ms + 60_000).unwrap(),
        deleted * 3
    );
    assert_eq!(count_deleted(), 0);
}

fn manager_config(dirs: &[&Path], threads: usize) -> LogManagerConfig {
    LogManagerConfig {
        log_dirs: dirs.iter().map(|d| d.to_path_buf()).collect(),
        num_recovery_threads_per_data_dir: threads,
        ..LogManagerConfig::default()
    }
}

#[test]
fn shutdown_closes_logs_that_are_still_shared() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let config = manager_config(&[first.path(), second.path()], 2);
    let topic_config = LogConfig::default()
        .with_overrides([
            ("index.interval.bytes", "512".to_string()),
            ("segment.index.bytes", "4096".to_string()),
        ])
        .unwrap();
    let manager = LogManager::open(config.clone(), &Default::default(), 1_000).unwrap();
    let mut held = Vec::new();
    for p in 0..6 {
        let tp = TopicPartition::new("shared", p);
        let log = manager
            .get_or_create_log(&tp, topic_config.clone(), 1_000)
            .unwrap();
        for n in 0..4 {
            let mut bytes = batch(3, 10_000 + n, 300);
            log.lock().append_as_leader(&mut bytes, 0, 20_000).unwrap();
        }
        held.push((tp, log));
    }
    manager.shutdown(30_000).unwrap();
    for (tp, log) in &held {
        let log = log.lock();
        assert_eq!(log.recovery_point(), 12, "{tp} flushed");
        let index = log.dir().join("00000000000000000000.index");
        let timeindex = log.dir().join("00000000000000000000.timeindex");
        let index_bytes = fs::metadata(&index).unwrap().len();
        assert!(
            index_bytes > 0 && index_bytes < 4096 && index_bytes % 8 == 0,
            "{tp}: the shared log's index was trimmed to its entries ({index_bytes} bytes)"
        );
        assert_eq!(fs::metadata(&timeindex).unwrap().len() % 12, 0);
        assert!(fs::metadata(&timeindex).unwrap().len() < 4096);
    }
    drop(held);
    drop(manager);
    for dir in [first.path(), second.path()] {
        assert!(dir.join(".kafka_cleanshutdown").exists());
    }
    let manager = LogManager::open(config, &Default::default(), 40_000).unwrap();
    assert!(manager.had_clean_shutdown());
    for p in 0..6 {
        let log = manager.get_log(&TopicPartition::new("shared", p)).unwrap();
        assert_eq!(log.lock().log_end_offset(), 12);
    }
    manager.shutdown(50_000).unwrap();
}
