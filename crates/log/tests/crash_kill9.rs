//! kill -9 during appends (kafka-2.4.md §4.9): every batch the child reported as appended is
//! present at its offset after recovery, offsets are dense, and the log takes appends again.

mod crash_support;
mod manager_support;

use std::collections::HashMap;

use crash_support::*;
use gregor_log::dir::TopicPartition;
use gregor_log::manager::LogManager;
use manager_support::*;

#[test]
fn every_acknowledged_batch_survives_repeated_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kafka-logs");
    let mut acked: Vec<Ack> = Vec::new();
    for round in 0..3u64 {
        // Small segments so kills land around rolls too.
        let child = spawn_append(&dir, 32 * 1024, 300, 0, round * 1_000_000);
        acked.extend(kill_after(child, 400));
        assert!(!dir.join(".kafka_cleanshutdown").exists());

        let manager = LogManager::open(
            manager_config(std::slice::from_ref(&dir)),
            &HashMap::new(),
            0,
        )
        .unwrap();
        assert!(!manager.had_clean_shutdown());
        let log = manager.get_log(&TopicPartition::new("crash", 0)).unwrap();
        let read = read_all(&log);
        assert_dense(&read, 0);
        let by_base: HashMap<i64, &BatchSummary> =
            read.iter().map(|b| (b.base_offset, b)).collect();
        for (base, last, crc) in &acked {
            let found = by_base.get(base).unwrap_or_else(|| {
                panic!("acknowledged batch at offset {base} lost (round {round})")
            });
            assert_eq!(
                (found.last_offset, found.crc),
                (*last, *crc),
                "batch at {base}"
            );
        }
        let end = log.lock().log_end_offset();
        assert!(end > acked.last().unwrap().1);
        assert!(
            log.lock().segment_count() > 1,
            "the test should cover rolled segments"
        );
        // Writable after recovery, at the log end offset.
        let mut bytes = batch(7, 1, 10, 0);
        let info = log.lock().append_as_leader(&mut bytes, 0, 0).unwrap();
        assert_eq!(info.first_offset, end);
        acked.push((
            end,
            end,
            u32::from_be_bytes(bytes[17..21].try_into().unwrap()),
        ));
        drop(log);
        // Leave without a clean shutdown, as the child did.
        drop(manager);
    }
}
