//! Follower truncation through the manager (kafka-2.4.md §3.5): the recovery-point checkpoint
//! follows the truncation at once, and a full truncation restarts the log at a new offset
//! that survives a restart.

mod manager_support;

use std::collections::HashMap;

use gregor_log::dir::TopicPartition;
use gregor_log::LogConfig;
use manager_support::*;

fn recovery_checkpoint(root: &std::path::Path) -> String {
    std::fs::read_to_string(root.join("recovery-point-offset-checkpoint")).unwrap()
}

#[test]
fn truncate_to_lowers_the_checkpointed_recovery_point() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    let tp = TopicPartition::new("first", 0);
    let log = manager
        .get_or_create_log(&tp, small_segments(4096), 0)
        .unwrap();
    for seed in 0..20 {
        let mut bytes = batch(seed, 1, 100, 0);
        log.lock().append_as_leader(&mut bytes, 0, 0).unwrap();
    }
    log.lock().flush(0).unwrap();
    manager.checkpoint_recovery_points().unwrap();
    assert_eq!(recovery_checkpoint(tmp.path()), "0\n1\nfirst 0 20\n");

    let offsets = HashMap::from([(tp.clone(), 7), (TopicPartition::new("absent", 0), 3)]);
    manager.truncate_to(&offsets).unwrap();
    assert_eq!(log.lock().log_end_offset(), 7);
    assert_eq!(recovery_checkpoint(tmp.path()), "0\n1\nfirst 0 7\n");

    // New data after the truncation point survives a crash.
    for seed in 100..110 {
        let mut bytes = batch(seed, 1, 100, 0);
        log.lock().append_as_leader(&mut bytes, 1, 0).unwrap();
    }
    let written = read_all(&log);
    drop(log);
    drop(manager);
    let manager = open(&config, 0);
    let read = read_all(&manager.get_log(&tp).unwrap());
    assert_eq!(read, written);
    assert_dense(&read, 0);
}

#[test]
fn truncate_fully_restarts_the_log_at_the_new_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    let tp = TopicPartition::new("first", 0);
    let log = manager
        .get_or_create_log(&tp, LogConfig::default(), 0)
        .unwrap();
    for seed in 0..5 {
        let mut bytes = batch(seed, 2, 10, 0);
        log.lock().append_as_leader(&mut bytes, 0, 0).unwrap();
    }
    assert!(manager.truncate_fully_and_start_at(&tp, 100).unwrap());
    assert!(!manager
        .truncate_fully_and_start_at(&TopicPartition::new("absent", 0), 1)
        .unwrap());
    assert_eq!(recovery_checkpoint(tmp.path()), "0\n1\nfirst 0 100\n");
    assert!(tmp.path().join("first-0/00000000000000000100.log").exists());
    drop(log);
    drop(manager);
    let manager = open(&config, 0);
    let log = manager.get_log(&tp).unwrap();
    assert_eq!(log.lock().log_start_offset(), 100);
    assert_eq!(log.lock().log_end_offset(), 100);
}
