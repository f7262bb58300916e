//! Appends and reads through `Log` (kafka-2.4.md §4.4–§4.7): offset assignment, fetch
//! semantics, size limits, timestamp types and segment rolls.

mod log_support;

use gregor_log::log::LogAppendInfo;
use gregor_log::LogError;
use gregor_protocol::records::{batches, RecordBatch, TimestampType};
use log_support::*;

#[test]
fn leader_appends_get_dense_offsets_and_epoch_stamped() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    let mut first = batch(3, 1000, 10);
    let info: LogAppendInfo = log.append_as_leader(&mut first, 5, 2000).unwrap();
    assert_eq!((info.first_offset, info.last_offset), (0, 2));
    assert_eq!(info.log_append_time_ms, -1);
    let mut second = batch(2, 1001, 10);
    let info = log.append_as_leader(&mut second, 5, 2000).unwrap();
    assert_eq!((info.first_offset, info.last_offset), (3, 4));
    assert_eq!(log.log_end_offset(), 5);
    // The caller's buffer now holds the bytes as stored.
    let stored = RecordBatch::new(&second).unwrap();
    assert_eq!(stored.base_offset(), 3);
    assert_eq!(stored.partition_leader_epoch(), 5);
    assert!(stored.is_valid());
    assert_eq!(read_all(&log), vec![(0, 2), (3, 4)]);
    assert_eq!(log.latest_epoch(), Some(5));
}

#[test]
fn read_starts_at_the_batch_containing_the_offset_and_respects_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 100), clean(0));
    append_batches(&mut log, 20, 5, 50);
    assert_eq!(log.log_end_offset(), 100);
    for offset in [0, 1, 4, 5, 37, 99] {
        let info = log.read(offset, 1, 100, true).unwrap();
        let bytes = info.records.unwrap().read_to_vec().unwrap();
        let batch = batches(&bytes).next().unwrap().unwrap();
        assert!(
            batch.base_offset() <= offset && offset <= batch.last_offset(),
            "{offset}"
        );
    }
    // Upper bound (high watermark) at 50: nothing at or after it is returned.
    let info = log.read(40, 1 << 20, 50, true).unwrap();
    let bytes = info.records.unwrap().read_to_vec().unwrap();
    let last = batches(&bytes).last().unwrap().unwrap();
    assert_eq!(last.last_offset(), 49);
    assert!(log.read(50, 1 << 20, 50, true).unwrap().records.is_none());
    // At the log end: empty, not an error. Past it: OFFSET_OUT_OF_RANGE.
    assert!(log.read(100, 1 << 20, 100, true).unwrap().records.is_none());
    let err = log.read(101, 1 << 20, 100, true).unwrap_err();
    assert_eq!(err.kafka_error_code(), 1);
    assert!(matches!(err, LogError::OffsetOutOfRange { .. }));
}

#[test]
fn max_bytes_cuts_inside_a_batch_unless_min_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    append_batches(&mut log, 2, 10, 100);
    let whole = log.read(0, 10, 20, true).unwrap();
    let first_size =
        RecordBatch::from_prefix(&whole.records.clone().unwrap().read_to_vec().unwrap())
            .unwrap()
            .size_in_bytes() as u64;
    assert_eq!(
        whole.size_bytes(),
        first_size,
        "min_one_message returns the whole first batch"
    );
    let cut = log.read(0, 10, 20, false).unwrap();
    assert_eq!(cut.size_bytes(), 10);
    assert!(cut.first_entry_incomplete);
}

#[test]
fn log_append_time_topics_rewrite_the_max_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 4096)
        .with_overrides([("message.timestamp.type", "LogAppendTime")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    let mut bytes = batch(2, 1000, 10);
    let info = log.append_as_leader(&mut bytes, 0, 777_777).unwrap();
    assert_eq!(info.log_append_time_ms, 777_777);
    let stored = RecordBatch::new(&bytes).unwrap();
    assert_eq!(stored.timestamp_type(), TimestampType::LogAppendTime);
    assert_eq!(stored.max_timestamp(), 777_777);
    assert!(stored.is_valid(), "CRC recomputed");
}

#[test]
fn oversized_batches_and_appends_are_rejected_with_kafka_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(2000, 4096)
        .with_overrides([("max.message.bytes", "1500")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    let mut big = batch(1, 1, 1600);
    let err = log.append_as_leader(&mut big, 0, 1).unwrap_err();
    assert_eq!(err.kafka_error_code(), 10, "{err}");
    let mut many = batch(1, 1, 1000);
    many.extend(batch(1, 1, 1000));
    let err = log.append_as_leader(&mut many, 0, 1).unwrap_err();
    assert_eq!(err.kafka_error_code(), 18, "{err}");
    assert_eq!(log.log_end_offset(), 0, "nothing appended");
}

#[test]
fn corrupt_input_is_rejected_and_a_partial_tail_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    let mut bytes = batch(2, 1, 10);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let err = log.append_as_leader(&mut bytes, 0, 1).unwrap_err();
    assert_eq!(err.kafka_error_code(), 2);
    let mut with_tail = batch(2, 1, 10);
    with_tail.extend_from_slice(&batch(2, 1, 10)[..30]);
    let info = log.append_as_leader(&mut with_tail, 0, 1).unwrap();
    assert_eq!(info.batch_count, 1);
    assert_eq!(log.log_end_offset(), 2);
}

#[test]
fn follower_appends_keep_offsets_and_reject_going_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    let mut fetched = Vec::new();
    for (base, epoch) in [(0, 1), (3, 1), (6, 4)] {
        let bytes = gregor_protocol::records::RecordBatchBuilder::new()
            .base_offset(base)
            .partition_leader_epoch(epoch)
            .append(5, None, Some(b"a"), &[])
            .append(5, None, Some(b"b"), &[])
            .append(5, None, Some(b"c"), &[])
            .build()
            .unwrap();
        fetched.extend(bytes);
    }
    let info = log.append_as_follower(&fetched, 1).unwrap();
    assert_eq!((info.first_offset, info.last_offset), (0, 8));
    let entries: Vec<(i32, i64)> = log
        .epoch_entries()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect();
    assert_eq!(entries, vec![(1, 0), (4, 6)]);
    assert_eq!(log.end_offset_for_epoch(1), (1, 6));
    let err = log.append_as_follower(&fetched, 1).unwrap_err();
    assert!(
        matches!(err, LogError::UnexpectedAppendOffset { .. }),
        "{err}"
    );
}

#[test]
fn segments_roll_on_size_and_file_names_are_base_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 4096), clean(0));
    append_batches(&mut log, 10, 2, 400);
    assert!(log.segment_count() > 3, "{}", log.segment_count());
    let bases = log.segment_base_offsets();
    for base in &bases {
        let name = format!("{base:020}.log");
        assert!(dir.path().join("first-0").join(&name).exists(), "{name}");
    }
    assert_dense(&read_all(&log), 0);
    assert!(
        log.recovery_point() >= bases[bases.len() - 1],
        "roll flushes and checkpoints"
    );
}

#[test]
fn segments_roll_on_segment_ms_from_the_first_batch_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 4096)
        .with_overrides([("segment.ms", "1000")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    let mut a = batch(1, 10_000, 10);
    log.append_as_leader(&mut a, 0, 0).unwrap();
    let mut b = batch(1, 10_900, 10);
    log.append_as_leader(&mut b, 0, 0).unwrap();
    assert_eq!(
        log.segment_count(),
        1,
        "900 ms after the first batch: same segment"
    );
    let mut c = batch(1, 11_001, 10);
    log.append_as_leader(&mut c, 0, 0).unwrap();
    assert_eq!(log.segment_base_offsets(), vec![0, 2]);
}

#[test]
fn a_full_offset_index_forces_a_roll() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 1)
        .with_overrides([("segment.index.bytes", "32")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    append_batches(&mut log, 12, 1, 10);
    assert!(log.segment_count() >= 2);
    assert_dense(&read_all(&log), 0);
}

#[test]
fn readers_see_a_consistent_snapshot_while_the_log_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(4096, 256), clean(0));
    append_batches(&mut log, 5, 2, 100);
    let reader = log.reader();
    let before = reader.snapshot();
    let handle = std::thread::spawn(move || {
        let mut seen = 0;
        for _ in 0..200 {
            let snapshot = reader.snapshot();
            let end = snapshot.log_end_offset();
            assert!(end >= seen, "log end offset never goes back");
            seen = end;
            let info = snapshot.read(0, 1 << 16, end, true).unwrap();
            let bytes = info.records.unwrap().read_to_vec().unwrap();
            for batch in batches(&bytes) {
                batch.unwrap().ensure_valid().unwrap();
            }
        }
        seen
    });
    append_batches(&mut log, 50, 2, 100);
    let seen = handle.join().unwrap();
    assert!(seen <= log.log_end_offset());
    assert_eq!(
        before.log_end_offset(),
        10,
        "an old snapshot keeps its view"
    );
}

#[test]
fn offset_for_timestamp_finds_the_first_record_at_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 100), clean(0));
    for n in 0..30 {
        let mut builder = gregor_protocol::records::RecordBatchBuilder::new();
        builder.push(1000 + n * 10, None, Some(b"x"), &[]);
        builder.push(1005 + n * 10, None, Some(b"y"), &[]);
        let mut bytes = builder.build().unwrap();
        log.append_as_leader(&mut bytes, 3, 0).unwrap();
    }
    let found = log.fetch_offset_by_timestamp(1005).unwrap().unwrap();
    assert_eq!((found.timestamp, found.offset), (1005, 1));
    let found = log.fetch_offset_by_timestamp(1101).unwrap().unwrap();
    assert_eq!((found.timestamp, found.offset), (1105, 21));
    assert_eq!(found.leader_epoch, Some(3));
    assert!(log.fetch_offset_by_timestamp(5000).unwrap().is_none());
    assert_eq!(
        log.fetch_offset_by_timestamp(-2).unwrap().unwrap().offset,
        0
    );
    assert_eq!(
        log.fetch_offset_by_timestamp(-1).unwrap().unwrap().offset,
        60
    );
}

#[test]
fn an_offset_that_does_not_fit_a_relative_index_entry_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20, 4096), clean(0));
    append_batches(&mut log, 1, 2, 10);
    let far = 3_000_000_000i64;
    let bytes = gregor_protocol::records::RecordBatchBuilder::new()
        .base_offset(far)
        .append(1, None, Some(b"x"), &[])
        .build()
        .unwrap();
    log.append_as_follower(&bytes, 1).unwrap();
    assert_eq!(log.segment_base_offsets(), vec![0, far]);
    assert!(dir.path().join("first-0/00000000003000000000.log").exists());
    assert_eq!(log.log_end_offset(), far + 1);
    let info = log.read(far, 100, far + 1, true).unwrap();
    assert_eq!(info.fetch_offset_metadata.segment_base_offset, far);
}

#[test]
fn legacy_list_offsets_returns_segment_bases_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(2048, 4096), clean(0));
    append_batches(&mut log, 6, 2, 400);
    let bases = log.segment_base_offsets();
    let snapshot = log.snapshot();
    let latest = snapshot.legacy_offsets_before(-1, 100, 0);
    let mut expected: Vec<i64> = bases.clone();
    expected.push(12);
    expected.reverse();
    assert_eq!(latest, expected);
    assert_eq!(snapshot.legacy_offsets_before(-1, 1, 0), vec![12]);
    assert_eq!(snapshot.legacy_offsets_before(-2, 5, 0), vec![0]);
    assert!(
        snapshot.legacy_offsets_before(0, 5, 1).is_empty(),
        "nothing modified by time 0"
    );
}

#[test]
fn logs_and_readers_can_move_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<gregor_log::Log>();
    assert_send_sync::<gregor_log::LogReader>();
    assert_send_sync::<gregor_log::LogSnapshot>();
    assert_send_sync::<gregor_log::FileRegion>();
}

#[test]
fn create_time_records_too_far_from_the_broker_clock_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1 << 20, 4096)
        .with_overrides([("message.timestamp.difference.max.ms", "1000")])
        .unwrap();
    let mut log = open(dir.path(), config, clean(0));
    let mut ok = batch(2, 10_500, 1);
    log.append_as_leader(&mut ok, 0, 10_000).unwrap();
    // The second record is the one out of range: every record is checked, not only the header.
    let mut builder = gregor_protocol::records::RecordBatchBuilder::new();
    builder.push(10_000, None, Some(b"a"), &[]);
    builder.push(5_000, None, Some(b"b"), &[]);
    builder.push(10_000, None, Some(b"c"), &[]);
    let mut bad = builder.build().unwrap();
    let err = log.append_as_leader(&mut bad, 0, 10_000).unwrap_err();
    assert_eq!(err.kafka_error_code(), 32, "{err}");
    assert_eq!(log.log_end_offset(), 2);
}
