//! Property tests of the log's invariants under random appends, truncations, retention and
//! reopenings: offsets dense and increasing, offset index entries strictly increasing and
//! pointing at batch starts that carry their offset, time index non-decreasing, and every
//! read returning the batch that contains the asked offset.

mod log_support;

use gregor_log::log::Log;
use gregor_protocol::records::batches;
use log_support::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Append {
        records: usize,
        value_bytes: usize,
        timestamp_ms: i64,
    },
    Truncate {
        back_by: i64,
    },
    Retain,
    DeleteRecords {
        forward_by: i64,
    },
    TruncateFully {
        forward_by: i64,
    },
    Reopen {
        clean_shutdown: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1usize..6, 0usize..400, 0i64..10_000)
            .prop_map(|(records, value_bytes, timestamp_ms)| Op::Append { records, value_bytes, timestamp_ms }),
        1 => (0i64..15).prop_map(|back_by| Op::Truncate { back_by }),
        1 => Just(Op::Retain),
        1 => (0i64..20).prop_map(|forward_by| Op::DeleteRecords { forward_by }),
        1 => (0i64..5).prop_map(|forward_by| Op::TruncateFully { forward_by }),
        1 => any::<bool>().prop_map(|clean_shutdown| Op::Reopen { clean_shutdown }),
    ]
}

fn config() -> gregor_log::LogConfig {
    small_config(3000, 300)
        .with_overrides([("retention.bytes", "6000"), ("retention.ms", "-1")])
        .unwrap()
}

fn check_invariants(log: &Log) {
    let ranges = read_all(log);
    assert_dense(
        &ranges,
        ranges.first().map_or(log.log_start_offset(), |r| r.0),
    );
    if let Some(last) = ranges.last() {
        assert_eq!(last.1 + 1, log.log_end_offset());
    }
    let snapshot = log.snapshot();
    for segment in snapshot.segments() {
        let bytes = gregor_log::segment::FileRegion {
            file: segment.files.log_file().clone(),
            position: 0,
            length: segment.size_bytes,
        }
        .read_to_vec()
        .unwrap();
        let mut starts = std::collections::HashMap::new();
        let mut position = 0u32;
        for batch in batches(&bytes) {
            let batch = batch.unwrap();
            starts.insert(position, batch.last_offset());
            position += batch.size_in_bytes() as u32;
        }
        let index = segment.files.offset_index();
        let mut previous = segment.base_offset();
        for n in 0..index.entries() {
            let entry = index.entry(n);
            assert!(entry.offset > previous, "index offsets strictly increase");
            previous = entry.offset;
            let last = starts
                .get(&entry.position)
                .expect("index entry points at a batch start");
            assert!(
                *last <= entry.offset,
                "entry offset is covered from its position"
            );
        }
        let time_index = segment.files.time_index();
        for n in 1..time_index.entries() {
            assert!(time_index.entry(n).timestamp >= time_index.entry(n - 1).timestamp);
            assert!(time_index.entry(n).offset >= time_index.entry(n - 1).offset);
        }
    }
    let (start, end) = (log.log_start_offset(), log.log_end_offset());
    for offset in [start, (start + end) / 2, end - 1] {
        if offset < start || offset >= end {
            continue;
        }
        let bytes = log
            .read(offset, 1, end, true)
            .unwrap()
            .records
            .unwrap()
            .read_to_vec()
            .unwrap();
        let batch = batches(&bytes).next().unwrap().unwrap();
        assert!(batch.base_offset() <= offset && offset <= batch.last_offset());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn log_invariants_hold_under_random_operations(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Some(open(dir.path(), config(), clean(0)));
        for op in ops {
            let mut current = log.take().unwrap();
            match op {
                Op::Append { records, value_bytes, timestamp_ms } => {
                    let mut bytes = batch(records, timestamp_ms, value_bytes);
                    let before = current.log_end_offset();
                    let info = current.append_as_leader(&mut bytes, 1, 0).unwrap();
                    prop_assert_eq!(info.first_offset, before);
                    prop_assert_eq!(current.log_end_offset(), before + records as i64);
                }
                Op::Truncate { back_by } => {
                    let target = (current.log_end_offset() - back_by).max(current.log_start_offset());
                    current.truncate_to(target).unwrap();
                    prop_assert!(current.log_end_offset() <= target.max(current.log_start_offset()));
                }
                Op::DeleteRecords { forward_by } => {
                    let end = current.log_end_offset();
                    let target = (current.log_start_offset() + forward_by).min(end);
                    current.increment_log_start_offset(target, end).unwrap();
                    prop_assert_eq!(current.log_start_offset(), target.max(current.log_start_offset()));
                }
                Op::TruncateFully { forward_by } => {
                    let target = current.log_end_offset() + forward_by;
                    current.truncate_fully_and_start_at(target).unwrap();
                    prop_assert_eq!(current.log_end_offset(), target);
                }
                Op::Retain => {
                    let end = current.log_end_offset();
                    current.delete_old_segments(end, 0).unwrap();
                }
                Op::Reopen { clean_shutdown } => {
                    let end = current.log_end_offset();
                    let start = current.log_start_offset();
                    if clean_shutdown {
                        current.close(0).unwrap();
                        drop(current);
                    } else {
                        drop(current);
                    }
                    let mut options = if clean_shutdown { clean(end) } else { unclean(0) };
                    options.log_start_offset = start;
                    current = open(dir.path(), config(), options);
                    prop_assert_eq!(current.log_end_offset(), end);
                }
            }
            check_invariants(&current);
            log = Some(current);
        }
    }
}
