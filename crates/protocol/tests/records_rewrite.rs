//! The leader's in-place rewrites on append: offsets, partition leader epoch, LogAppendTime.
//! After each, the batch must still pass validation and read back with the new values.

use gregor_protocol::records::{
    assign_legacy_offsets, batches, legacy_messages, set_legacy_max_timestamp, validate,
    validate_legacy, Compression, LegacyBuilder, RecordBatch, RecordBatchBuilder, RecordBatchMut,
    TimestampType, ValidateOptions, DEFAULT_MAX_DECOMPRESSED_BYTES,
};

/// Rewritten batches carry leader-assigned offsets: what a follower receives, not a client.
const REPLICA: ValidateOptions = ValidateOptions {
    from_client: false,
    require_sequential_offset_deltas: true,
    max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_message_bytes: None,
    require_keys: false,
    timestamp_check: None,
};

fn batch(codec: Compression) -> Vec<u8> {
    RecordBatchBuilder::new()
        .compression(codec)
        .append(2000, Some(b"a"), Some(b"1"), &[])
        .append(1500, Some(b"b"), Some(b"2"), &[])
        .append(2500, Some(b"c"), Some(b"3"), &[])
        .build()
        .unwrap()
}

#[test]
fn base_offset_and_epoch_rewrites_keep_the_crc_and_move_record_offsets() {
    for codec in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let mut bytes = batch(codec);
        let crc = RecordBatch::new(&bytes).unwrap().crc();
        let mut m = RecordBatchMut::new(&mut bytes).unwrap();
        m.set_base_offset(1_000_000);
        m.set_partition_leader_epoch(7);
        let b = RecordBatch::new(&bytes).unwrap();
        assert_eq!(b.crc(), crc, "base offset and epoch are not CRC-covered");
        validate(&b, &REPLICA).unwrap();
        assert_eq!(
            (b.base_offset(), b.last_offset(), b.next_offset()),
            (1_000_000, 1_000_002, 1_000_003)
        );
        assert_eq!(b.partition_leader_epoch(), 7);
        let offsets: Vec<i64> = b
            .records(1 << 20)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().offset)
            .collect();
        assert_eq!(offsets, [1_000_000, 1_000_001, 1_000_002]);
    }
}

#[test]
fn set_last_offset_places_the_last_record() {
    let mut bytes = batch(Compression::None);
    RecordBatchMut::new(&mut bytes).unwrap().set_last_offset(99);
    assert_eq!(RecordBatch::new(&bytes).unwrap().base_offset(), 97);
}

#[test]
fn log_append_time_rewrites_recompute_the_crc_and_override_record_timestamps() {
    for codec in [Compression::None, Compression::Snappy, Compression::Lz4] {
        let mut bytes = batch(codec);
        let before = RecordBatch::new(&bytes).unwrap().crc();
        RecordBatchMut::new(&mut bytes)
            .unwrap()
            .set_max_timestamp(TimestampType::LogAppendTime, 9999);
        let b = RecordBatch::new(&bytes).unwrap();
        assert_ne!(b.crc(), before);
        assert!(b.is_valid(), "{codec:?}");
        assert_eq!(b.timestamp_type(), TimestampType::LogAppendTime);
        assert_eq!(b.max_timestamp(), 9999);
        assert_eq!(b.compression().unwrap(), codec, "codec bits untouched");
        let ts: Vec<i64> = b
            .records(1 << 20)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().timestamp)
            .collect();
        assert_eq!(ts, [9999, 9999, 9999]);
        // And back to CreateTime with the records' own max.
        RecordBatchMut::new(&mut bytes)
            .unwrap()
            .set_max_timestamp(TimestampType::CreateTime, 2500);
        let b = RecordBatch::new(&bytes).unwrap();
        assert!(b.is_valid());
        let summary = validate(&b, &REPLICA).unwrap();
        assert_eq!((summary.max_timestamp, summary.min_timestamp), (2500, 1500));
        assert_eq!(summary.offset_delta_of_max_timestamp, 2);
    }
}

#[test]
fn rewriting_batches_inside_a_segment_like_buffer() {
    let mut set = batch(Compression::None);
    set.extend_from_slice(&batch(Compression::Gzip));
    let spans: Vec<(usize, usize)> = {
        let mut iter = batches(&set);
        let mut spans = Vec::new();
        let mut start = 0;
        for b in iter.by_ref() {
            let len = b.unwrap().size_in_bytes();
            spans.push((start, start + len));
            start += len;
        }
        spans
    };
    let mut next = 500;
    for (start, end) in spans {
        let mut m = RecordBatchMut::new(&mut set[start..end]).unwrap();
        m.set_base_offset(next);
        next = m.as_batch().next_offset();
    }
    let bases: Vec<i64> = batches(&set).map(|b| b.unwrap().base_offset()).collect();
    assert_eq!(bases, [500, 503]);
}

#[test]
fn legacy_offsets_are_assigned_in_place_for_plain_and_magic_1_wrappers() {
    for (magic, codec) in [
        (0, Compression::None),
        (1, Compression::None),
        (1, Compression::Gzip),
        (1, Compression::Lz4),
    ] {
        let mut b = LegacyBuilder::new(magic, codec).unwrap();
        for i in 0..4 {
            b.append(i, 100 + i, Some(b"k"), Some(b"v"));
        }
        let mut bytes = b.build().unwrap();
        assert!(
            validate_legacy(&bytes, 1 << 20)
                .unwrap()
                .in_place_assignable
        );
        assert_eq!(assign_legacy_offsets(&mut bytes, 70, 1 << 20).unwrap(), 74);
        validate_legacy(&bytes, 1 << 20).unwrap();
        let offsets: Vec<i64> = legacy_messages(&bytes)
            .flat_map(|m| m.unwrap().records(1 << 20).unwrap())
            .map(|r| r.offset)
            .collect();
        assert_eq!(offsets, [70, 71, 72, 73], "magic {magic} {codec:?}");
    }
}

#[test]
fn magic_0_wrappers_need_recompression() {
    let mut b = LegacyBuilder::new(0, Compression::Gzip).unwrap();
    b.append(0, -1, None, Some(b"v"));
    let mut bytes = b.build().unwrap();
    assert!(
        !validate_legacy(&bytes, 1 << 20)
            .unwrap()
            .in_place_assignable
    );
    assert!(assign_legacy_offsets(&mut bytes, 10, 1 << 20).is_err());
}

#[test]
fn legacy_log_append_time_rewrites_the_crc_and_the_inner_timestamps() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/records/v1_snappy.bin");
    let mut bytes = std::fs::read(fixture).unwrap();
    set_legacy_max_timestamp(&mut bytes, TimestampType::LogAppendTime, 123_456).unwrap();
    let message = legacy_messages(&bytes).next().unwrap().unwrap();
    assert!(message.is_valid());
    assert_eq!(message.timestamp_type(), TimestampType::LogAppendTime);
    let records = message.records(DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
    assert!(records.iter().all(|r| r.timestamp == 123_456));
}
