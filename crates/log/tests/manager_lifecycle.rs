//! The log manager's life cycle as a broker sees it: creating logs over several log dirs,
//! clean shutdown and restart, unclean restart, locking, and the checkpoint files
//! (kafka-2.4.md §4.1–§4.3, §4.9).

mod manager_support;

use std::collections::HashMap;

use gregor_log::dir::TopicPartition;
use gregor_log::manager::{LogManager, ManagerError};
use gregor_log::LogConfig;
use manager_support::*;

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

#[test]
fn new_partitions_go_to_the_dir_with_the_fewest_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["a", "b", "c"].iter().map(|d| tmp.path().join(d)).collect();
    let manager = open(&manager_config(&dirs), 0);
    for p in 0..6 {
        manager
            .get_or_create_log(&tp("first", p), LogConfig::default(), 0)
            .unwrap();
    }
    for dir in &dirs {
        let partitions = list(dir)
            .into_iter()
            .filter(|n| n.starts_with("first-"))
            .count();
        assert_eq!(partitions, 2, "{}", dir.display());
    }
    // Deleting from one dir makes it the emptiest again.
    let holder = manager.log_dir_of(&tp("first", 4)).unwrap();
    manager.delete_log(&tp("first", 4), 0).unwrap().unwrap();
    manager
        .get_or_create_log(&tp("second", 0), LogConfig::default(), 0)
        .unwrap();
    assert_eq!(manager.log_dir_of(&tp("second", 0)).unwrap(), holder);
}

#[test]
fn get_or_create_returns_the_same_log_and_a_fresh_partition_has_kafkas_files() {
    let tmp = tempfile::tempdir().unwrap();
    let manager = open(&manager_config(&[tmp.path().to_path_buf()]), 0);
    let first = manager
        .get_or_create_log(&tp("first", 0), LogConfig::default(), 0)
        .unwrap();
    let again = manager
        .get_or_create_log(&tp("first", 0), LogConfig::default(), 0)
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    let files = list(&tmp.path().join("first-0"));
    assert!(
        files.contains(&"00000000000000000000.log".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"leader-epoch-checkpoint".to_string()),
        "{files:?}"
    );
    assert_eq!(manager.all_logs().len(), 1);
    assert!(manager.get_log(&tp("first", 1)).is_none());
}

#[test]
fn clean_shutdown_writes_checkpoints_and_marker_and_restart_trusts_them() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    let log = manager
        .get_or_create_log(&tp("first", 0), small_segments(4096), 0)
        .unwrap();
    for seed in 0..20 {
        let mut bytes = batch(seed, 3, 100, 1_000);
        log.lock().append_as_leader(&mut bytes, 0, 1_000).unwrap();
    }
    let written = read_all(&log);
    drop(log);
    manager.shutdown(2_000).unwrap();
    assert!(tmp.path().join(".kafka_cleanshutdown").exists());
    let recovery = std::fs::read_to_string(tmp.path().join("recovery-point-offset-checkpoint"));
    assert_eq!(recovery.unwrap(), "0\n1\nfirst 0 60\n");
    // The lock is released by shutdown, before the manager is dropped.
    let reopened = open(&config, 3_000);
    drop(manager);
    assert!(reopened.had_clean_shutdown());
    assert!(!tmp.path().join(".kafka_cleanshutdown").exists());
    let log = reopened.get_log(&tp("first", 0)).unwrap();
    assert_eq!(read_all(&log), written);
    assert_eq!(log.lock().log_end_offset(), 60);
    assert_eq!(log.lock().recovery_point(), 60);
}

#[test]
fn a_restart_without_shutdown_recovers_and_keeps_every_appended_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    let log = manager
        .get_or_create_log(&tp("first", 0), small_segments(2048), 0)
        .unwrap();
    for seed in 0..30 {
        let mut bytes = batch(seed, 2, 64, 1_000);
        log.lock().append_as_leader(&mut bytes, 0, 1_000).unwrap();
    }
    let written = read_all(&log);
    drop(log);
    drop(manager); // no shutdown: no marker, recovery points never checkpointed
    let reopened = open(&config, 5_000);
    assert!(!reopened.had_clean_shutdown());
    let log = reopened.get_log(&tp("first", 0)).unwrap();
    let read = read_all(&log);
    assert_eq!(read, written);
    assert_dense(&read, 0);
    // Writable after recovery, continuing the offsets.
    let mut bytes = batch(99, 1, 10, 6_000);
    let info = log.lock().append_as_leader(&mut bytes, 0, 6_000).unwrap();
    assert_eq!(info.first_offset, 60);
}

#[test]
fn a_second_manager_on_the_same_dir_fails_with_kafkas_lock_message() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().join("kafka-logs")]);
    let _manager = open(&config, 0);
    let err = LogManager::open(config, &HashMap::new(), 0).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("Failed to acquire lock on file .lock in ")
            && text.contains("kafka-logs")
            && text.ends_with(
                "A Kafka instance in another process or thread is using this directory."
            ),
        "{text}"
    );
    assert_eq!(err.kafka_error_code(), 56);
}

#[test]
fn the_same_dir_twice_in_log_dirs_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let config = manager_config(&[dir.clone(), tmp.path().join("x/../d")]);
    let err = LogManager::open(config, &HashMap::new(), 0).unwrap_err();
    assert!(matches!(err, ManagerError::DuplicateLogDir { .. }), "{err}");
}

#[test]
fn topic_configs_given_at_start_up_apply_to_loaded_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    manager
        .get_or_create_log(&tp("compacted", 0), LogConfig::default(), 0)
        .unwrap();
    manager.shutdown(0).unwrap();
    drop(manager);
    let topic_config = LogConfig::default()
        .with_overrides([("cleanup.policy", "compact")])
        .unwrap();
    let topic_configs = HashMap::from([("compacted".to_string(), topic_config.clone())]);
    let manager = LogManager::open(config, &topic_configs, 0).unwrap();
    let log = manager.get_log(&tp("compacted", 0)).unwrap();
    assert_eq!(log.lock().config(), &topic_config);
    let changed = topic_config
        .with_overrides([("retention.ms", "5")])
        .unwrap();
    manager.update_topic_config("compacted", &changed);
    assert_eq!(log.lock().config().retention_ms, 5);
}

#[test]
fn high_watermarks_are_checkpointed_per_dir_and_loaded_at_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = vec![tmp.path().join("a"), tmp.path().join("b")];
    let config = manager_config(&dirs);
    let manager = open(&config, 0);
    for p in 0..2 {
        manager
            .get_or_create_log(&tp("first", p), LogConfig::default(), 0)
            .unwrap();
    }
    let hws = HashMap::from([
        (tp("first", 0), 42),
        (tp("first", 1), 7),
        (tp("gone", 0), 3),
    ]);
    manager.checkpoint_high_watermarks(&hws).unwrap();
    let a = std::fs::read_to_string(dirs[0].join("replication-offset-checkpoint")).unwrap();
    let b = std::fs::read_to_string(dirs[1].join("replication-offset-checkpoint")).unwrap();
    assert_eq!(a, "0\n1\nfirst 0 42\n");
    assert_eq!(b, "0\n1\nfirst 1 7\n");
    manager.shutdown(0).unwrap();
    drop(manager);
    let manager = open(&config, 0);
    let loaded = manager.high_watermarks();
    assert_eq!(loaded.get(&tp("first", 0)), Some(&42));
    assert_eq!(loaded.get(&tp("first", 1)), Some(&7));
}

#[test]
fn writes_after_shutdown_fail_and_shutdown_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let manager = open(&manager_config(&[tmp.path().to_path_buf()]), 0);
    manager.shutdown(0).unwrap();
    manager.shutdown(0).unwrap();
    let err = manager
        .get_or_create_log(&tp("late", 0), LogConfig::default(), 0)
        .unwrap_err();
    assert!(matches!(err, ManagerError::ShutDown));
}
