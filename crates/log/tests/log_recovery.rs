//! Recovery (kafka-2.4.md §4.9): torn and corrupt tails, a corrupt batch in the middle,
//! missing or untrimmed index files, and the clean-shutdown fast path.

mod log_support;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use log_support::*;

fn partition_dir(root: &Path) -> PathBuf {
    root.join("first-0")
}

fn segment_file(root: &Path, base: i64, suffix: &str) -> PathBuf {
    partition_dir(root).join(format!("{base:020}{suffix}"))
}

/// Writes a multi-segment log and closes it cleanly; returns the segment base offsets.
fn write_log(root: &Path) -> Vec<i64> {
    let mut log = open(root, small_config(4096, 512), clean(0));
    append_batches(&mut log, 40, 3, 120);
    let bases = log.segment_base_offsets();
    log.close(0).unwrap();
    bases
}

#[test]
fn clean_reopen_trusts_the_files_and_keeps_every_batch() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    // Closed active segment: indexes trimmed to their entries.
    let last = *bases.last().unwrap();
    assert_eq!(
        fs::metadata(segment_file(dir.path(), last, ".index"))
            .unwrap()
            .len()
            % 8,
        0
    );
    assert!(
        fs::metadata(segment_file(dir.path(), last, ".index"))
            .unwrap()
            .len()
            < 4096
    );
    let log = open(dir.path(), small_config(4096, 512), clean(120));
    assert_eq!(log.log_end_offset(), 120);
    assert_eq!(log.segment_base_offsets(), bases);
    assert_dense(&read_all(&log), 0);
    // The active segment's index is grown back for appends.
    assert_eq!(
        fs::metadata(segment_file(dir.path(), last, ".index"))
            .unwrap()
            .len(),
        4096
    );
}

#[test]
fn garbage_appended_to_the_tail_is_truncated_on_unclean_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    let last = *bases.last().unwrap();
    let log_path = segment_file(dir.path(), last, ".log");
    let size = fs::metadata(&log_path).unwrap().len();
    let mut file = OpenOptions::new().append(true).open(&log_path).unwrap();
    file.write_all(&[0xab; 1000]).unwrap();
    drop(file);
    let mut log = open(dir.path(), small_config(4096, 512), unclean(0));
    assert_eq!(log.log_end_offset(), 120);
    assert_eq!(
        fs::metadata(&log_path).unwrap().len(),
        size,
        "garbage cut off"
    );
    assert_dense(&read_all(&log), 0);
    append_batches(&mut log, 1, 1, 10);
    assert_eq!(log.log_end_offset(), 121, "appends continue after recovery");
}

#[test]
fn a_torn_last_batch_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    let last = *bases.last().unwrap();
    let log_path = segment_file(dir.path(), last, ".log");
    let size = fs::metadata(&log_path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&log_path)
        .unwrap()
        .set_len(size - 7)
        .unwrap();
    let log = open(dir.path(), small_config(4096, 512), unclean(0));
    assert_eq!(log.log_end_offset(), 117, "the torn 3-record batch is gone");
    assert_dense(&read_all(&log), 0);
}

#[test]
fn a_corrupt_batch_in_the_middle_truncates_there_and_drops_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    assert!(bases.len() >= 3, "{bases:?}");
    let victim = bases[1];
    let log_path = segment_file(dir.path(), victim, ".log");
    let mut bytes = fs::read(&log_path).unwrap();
    let (first_batch_size, second_batch_at) = {
        let first = gregor_protocol::records::RecordBatch::from_prefix(&bytes).unwrap();
        (first.size_in_bytes(), first.size_in_bytes())
    };
    // Flip a payload byte of the segment's second batch: its CRC no longer matches.
    bytes[second_batch_at + 70] ^= 0x55;
    fs::write(&log_path, &bytes).unwrap();
    let log = open(dir.path(), small_config(4096, 512), unclean(0));
    assert_eq!(
        log.log_end_offset(),
        victim + 3,
        "only the first batch of the segment survives"
    );
    assert_eq!(
        fs::metadata(&log_path).unwrap().len(),
        first_batch_size as u64
    );
    assert_eq!(log.segment_base_offsets(), vec![bases[0], victim]);
    for later in &bases[2..] {
        assert!(
            !segment_file(dir.path(), *later, ".log").exists(),
            "segment {later} deleted"
        );
    }
    assert_dense(&read_all(&log), 0);
}

#[test]
fn deleted_index_files_are_rebuilt_even_after_a_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    let originals: Vec<Vec<u8>> = bases
        .iter()
        .map(|b| fs::read(segment_file(dir.path(), *b, ".index")).unwrap())
        .collect();
    for base in &bases {
        fs::remove_file(segment_file(dir.path(), *base, ".index")).unwrap();
        fs::remove_file(segment_file(dir.path(), *base, ".timeindex")).unwrap();
    }
    let mut log = open(dir.path(), small_config(4096, 512), clean(120));
    assert_eq!(log.log_end_offset(), 120);
    assert_dense(&read_all(&log), 0);
    log.close(0).unwrap();
    for (base, original) in bases.iter().zip(&originals) {
        let rebuilt = fs::read(segment_file(dir.path(), *base, ".index")).unwrap();
        assert_eq!(
            &rebuilt, original,
            "index of segment {base} rebuilt identically"
        );
    }
}

#[test]
fn an_untrimmed_preallocated_index_after_a_crash_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut log = open(dir.path(), small_config(1 << 20, 256), clean(0));
        append_batches(&mut log, 30, 2, 100);
        log.flush(0).unwrap();
        // Dropped without close: the active index stays preallocated, like after kill -9.
    }
    let index = segment_file(dir.path(), 0, ".index");
    assert_eq!(fs::metadata(&index).unwrap().len(), 4096);
    let log = open(dir.path(), small_config(1 << 20, 256), unclean(0));
    assert_eq!(log.log_end_offset(), 60);
    assert_dense(&read_all(&log), 0);
    for offset in 0..60 {
        let info = log.read(offset, 1, 60, true).unwrap();
        assert!(
            info.records.is_some(),
            "offset {offset} readable through the rebuilt index"
        );
    }
}

#[test]
fn stray_deleted_files_and_orphan_indexes_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path());
    let stray = partition_dir(dir.path()).join("00000000000000000999.log.deleted");
    let orphan = partition_dir(dir.path()).join("00000000000000005000.index");
    fs::write(&stray, b"x").unwrap();
    fs::write(&orphan, b"").unwrap();
    let _log = open(dir.path(), small_config(4096, 512), clean(120));
    assert!(!stray.exists());
    assert!(!orphan.exists());
}

#[test]
fn epochs_are_recovered_from_batches_when_the_checkpoint_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
        for epoch in [0, 0, 2, 2, 5] {
            let mut bytes = batch(2, 1, 10);
            log.append_as_leader(&mut bytes, epoch, 1).unwrap();
        }
    }
    fs::write(
        partition_dir(dir.path()).join("leader-epoch-checkpoint"),
        b"",
    )
    .unwrap();
    let log = open(dir.path(), small_config(1 << 20, 4096), unclean(0));
    let entries: Vec<(i32, i64)> = log
        .epoch_entries()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect();
    assert_eq!(entries, vec![(0, 0), (2, 4), (5, 8)]);
}

#[test]
fn recovery_reads_files_larger_than_its_chunk_and_batches_larger_than_a_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(64 << 20, 4096);
    {
        let mut log = open(dir.path(), config.clone(), clean(0));
        // ~9 MiB of 300 KiB batches: chunk boundaries fall inside batches.
        append_batches(&mut log, 30, 1, 300 * 1024);
        // One 5 MiB batch: larger than the 4 MiB recovery chunk (followers skip max.message.bytes).
        let big = gregor_protocol::records::RecordBatchBuilder::new()
            .base_offset(30)
            .append(1, None, Some(&vec![7u8; 5 << 20]), &[])
            .build()
            .unwrap();
        log.append_as_follower(&big, 1).unwrap();
        append_batches(&mut log, 2, 1, 100);
    }
    let log = open(dir.path(), config, unclean(0));
    assert_eq!(log.log_end_offset(), 33);
    assert_dense(&read_all(&log), 0);
}

#[test]
fn garbage_after_a_clean_shutdown_is_still_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let bases = write_log(dir.path());
    let last = *bases.last().unwrap();
    let log_path = segment_file(dir.path(), last, ".log");
    let size = fs::metadata(&log_path).unwrap().len();
    let mut file = OpenOptions::new().append(true).open(&log_path).unwrap();
    file.write_all(&[0u8; 40]).unwrap();
    drop(file);
    let mut log = open(dir.path(), small_config(4096, 512), clean(120));
    assert_eq!(fs::metadata(&log_path).unwrap().len(), size);
    append_batches(&mut log, 1, 1, 10);
    assert_dense(&read_all(&log), 0);
    assert_eq!(log.log_end_offset(), 121);
}

#[test]
fn a_checkpointed_log_start_beyond_the_data_restarts_the_log_there() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path());
    let mut options = clean(120);
    options.log_start_offset = 500;
    let log = open(dir.path(), small_config(4096, 512), options);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (500, 500));
    assert_eq!(log.segment_base_offsets(), vec![500]);
    assert!(!segment_file(dir.path(), 0, ".log").exists());
}
