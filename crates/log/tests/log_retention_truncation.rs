//! Retention (kafka-2.4.md §4.8), DeleteRecords, truncation for replication (§3.5) and the
//! epoch cache's reaction to both (§3.4).

mod log_support;

use std::fs;

use log_support::*;

fn epochs(log: &gregor_log::log::Log) -> Vec<(i32, i64)> {
    log.epoch_entries()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect()
}

#[test]
fn retention_ms_deletes_old_segments_below_the_high_watermark_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 4096)
        .with_overrides([("retention.ms", "1000"), ("segment.ms", "100")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    // Three segments: timestamps 0, 200, 400 (segment.ms = 100 rolls each time).
    for ts in [0, 200, 400] {
        let mut bytes = batch(2, ts, 10);
        log.append_as_leader(&mut bytes, 0, ts).unwrap();
    }
    assert_eq!(log.segment_base_offsets(), vec![0, 2, 4]);
    // Now = 1300: segments with newest record at 0 and 200 are older than 1000 ms.
    assert_eq!(
        log.delete_old_segments(2, 1300).unwrap(),
        1,
        "HW 2 only allows the first"
    );
    assert_eq!(log.log_start_offset(), 2);
    assert_eq!(log.delete_old_segments(6, 1300).unwrap(), 1);
    assert_eq!(log.segment_base_offsets(), vec![4]);
    assert_eq!(log.log_start_offset(), 4);
    let deleted = dir
        .path()
        .join("first-0")
        .join("00000000000000000000.log.deleted");
    assert!(
        deleted.exists(),
        "renamed, removed after file.delete.delay.ms"
    );
    assert!(log.delete_expired_files(0).unwrap() == 0);
    assert!(log.delete_expired_files(i64::MAX).unwrap() >= 2);
    assert!(!deleted.exists());
    // Everything expired: an empty segment is rolled first so one remains.
    assert_eq!(log.delete_old_segments(6, 10_000).unwrap(), 1);
    assert_eq!(log.segment_base_offsets(), vec![6]);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (6, 6));
    assert_eq!(
        log.delete_old_segments(6, 100_000).unwrap(),
        0,
        "empty active never deleted"
    );
}

#[test]
fn retention_bytes_keeps_the_newest_segments_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(2048, 4096)
        .with_overrides([("retention.bytes", "4000"), ("retention.ms", "-1")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    append_batches(&mut log, 20, 2, 300);
    let before = log.size_bytes();
    let deleted = log.delete_old_segments(log.log_end_offset(), 0).unwrap();
    assert!(deleted > 0);
    assert!(log.size_bytes() <= before);
    assert!(
        log.size_bytes() as i64 - 4000 < 2048,
        "at most one segment over the limit"
    );
    assert_dense(&read_all(&log), log.log_start_offset());
}

#[test]
fn compact_only_topics_keep_old_segments() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 4096)
        .with_overrides([
            ("retention.ms", "1"),
            ("cleanup.policy", "compact"),
            ("segment.ms", "1"),
        ])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    for ts in [0, 10, 20] {
        let mut bytes = batch(1, ts, 10);
        log.append_as_leader(&mut bytes, 0, ts).unwrap();
    }
    assert_eq!(log.delete_old_segments(3, 1_000_000).unwrap(), 0);
}

#[test]
fn delete_records_moves_the_start_offset_and_drops_whole_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 4096), clean(0));
    append_batches(&mut log, 10, 2, 400);
    let bases = log.segment_base_offsets();
    let err = log.increment_log_start_offset(15, 10).unwrap_err();
    assert_eq!(err.kafka_error_code(), 1, "beyond the high watermark");
    let new_start = bases[2] + 1;
    assert_eq!(
        log.increment_log_start_offset(new_start, 20).unwrap(),
        new_start
    );
    assert_eq!(
        log.segment_base_offsets()[0],
        bases[2],
        "segments wholly below are gone"
    );
    assert_eq!(
        log.read(bases[2], 100, 20, true)
            .unwrap_err()
            .kafka_error_code(),
        1
    );
    assert!(log
        .read(new_start, 100, 20, true)
        .unwrap()
        .records
        .is_some());
    assert_eq!(epochs(&log), vec![(0, new_start)]);
}

#[test]
fn truncate_to_cuts_back_across_segments_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 128), clean(0));
    for epoch in 0..10 {
        let mut bytes = batch(2, 1000 + epoch as i64, 400);
        log.append_as_leader(&mut bytes, epoch, 0).unwrap();
    }
    assert_eq!(log.log_end_offset(), 20);
    assert!(
        !log.truncate_to(25).unwrap(),
        "beyond the end: nothing to do"
    );
    assert!(log.truncate_to(6).unwrap());
    assert_eq!(log.log_end_offset(), 6);
    assert_eq!(epochs(&log), vec![(0, 0), (1, 2), (2, 4)]);
    assert!(log.segment_base_offsets().iter().all(|b| *b <= 6));
    assert_dense(&read_all(&log), 0);
    append_batches(&mut log, 3, 2, 400);
    assert_eq!(log.log_end_offset(), 12);
    assert_dense(&read_all(&log), 0);
    // Reopen: the truncated state is what is on disk.
    let bases = log.segment_base_offsets();
    log.close(0).unwrap();
    let log = open(dir.path(), small_config(2048, 128), unclean(0));
    assert_eq!(log.log_end_offset(), 12);
    assert_eq!(log.segment_base_offsets(), bases);
}

#[test]
fn truncate_fully_restarts_the_log_at_a_new_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 4096), clean(0));
    append_batches(&mut log, 6, 2, 400);
    log.truncate_fully_and_start_at(500).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (500, 500));
    assert_eq!(log.segment_base_offsets(), vec![500]);
    assert!(epochs(&log).is_empty());
    assert!(dir
        .path()
        .join("first-0")
        .join("00000000000000000500.log")
        .exists());
    let mut bytes = batch(1, 1, 1);
    assert_eq!(
        log.append_as_leader(&mut bytes, 7, 1).unwrap().first_offset,
        500
    );
    let remaining: Vec<String> = fs::read_dir(dir.path().join("first-0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    assert_eq!(remaining, vec!["00000000000000000500.log".to_string()]);
}

#[test]
fn becoming_leader_records_the_epoch_at_the_log_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    log.assign_epoch_start_offset(0, log.log_end_offset())
        .unwrap();
    let text =
        fs::read_to_string(dir.path().join("first-0").join("leader-epoch-checkpoint")).unwrap();
    assert_eq!(text, "0\n1\n0 0\n");
    append_batches(&mut log, 1, 3, 1);
    log.assign_epoch_start_offset(2, log.log_end_offset())
        .unwrap();
    assert_eq!(log.end_offset_for_epoch(0), (0, 3));
    assert_eq!(log.end_offset_for_epoch(1), (0, 3));
    assert_eq!(log.end_offset_for_epoch(2), (2, 3));
}

#[test]
fn readers_keep_reading_segments_that_retention_deletes_meanwhile() {
    use gregor_protocol::records::batches;
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(2048, 256)
        .with_overrides([("retention.bytes", "4096"), ("retention.ms", "-1")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    append_batches(&mut log, 10, 2, 300);
    let reader = log.reader();
    let old = reader.snapshot();
    let handle = std::thread::spawn(move || {
        for n in 0..300i64 {
            let snapshot = reader.snapshot();
            let (start, end) = (snapshot.log_start_offset(), snapshot.log_end_offset());
            let offset = start + n % (end - start).max(1);
            match snapshot.read(offset, 1, end, true) {
                Ok(info) => {
                    let bytes = info.records.unwrap().read_to_vec().unwrap();
                    let batch = batches(&bytes).next().unwrap().unwrap();
                    batch.ensure_valid().unwrap();
                    assert!(batch.base_offset() <= offset && offset <= batch.last_offset());
                }
                Err(err) => panic!("read at {offset} in [{start}, {end}) failed: {err}"),
            }
        }
    });
    for _ in 0..20 {
        append_batches(&mut log, 2, 2, 300);
        let end = log.log_end_offset();
        log.delete_old_segments(end, 0).unwrap();
        log.delete_expired_files(i64::MAX).unwrap();
    }
    handle.join().unwrap();
    assert!(log.log_start_offset() > 0, "retention ran");
    // A snapshot taken before the deletions still reads the deleted files' data.
    let info = old.read(0, 1 << 16, old.log_end_offset(), true).unwrap();
    let bytes = info.records.unwrap().read_to_vec().unwrap();
    assert_eq!(batches(&bytes).next().unwrap().unwrap().base_offset(), 0);
}

#[test]
fn truncating_inside_a_batch_below_the_log_start_never_leaves_start_above_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    append_batches(&mut log, 1, 5, 1);
    append_batches(&mut log, 1, 4, 1);
    log.increment_log_start_offset(1, 9).unwrap();
    log.truncate_to(4).unwrap();
    assert_eq!(log.log_end_offset(), 0, "the whole batch 0..=4 is removed");
    assert!(log.log_start_offset() <= log.log_end_offset());
    assert!(log.read(0, 100, 0, true).unwrap().records.is_none());
}
