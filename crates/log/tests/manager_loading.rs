//! Start-up loading (Kafka's `LogManager.loadLogs`): many logs on several recovery threads,
//! corrupt checkpoints, `-future` dirs and foreign directories.

mod manager_support;

use std::collections::HashMap;

use gregor_log::dir::TopicPartition;
use gregor_log::manager::LogManager;
use gregor_log::LogConfig;
use manager_support::*;

#[test]
fn many_logs_load_on_several_threads_per_dir_with_their_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = vec![tmp.path().join("a"), tmp.path().join("b")];
    let mut config = manager_config(&dirs);
    config.num_recovery_threads_per_data_dir = 3;
    let manager = open(&config, 0);
    let mut written = HashMap::new();
    for p in 0..40 {
        let tp = TopicPartition::new("many", p);
        let log = manager
            .get_or_create_log(&tp, LogConfig::default(), 0)
            .unwrap();
        for seed in 0..(p as u64 % 4) {
            let mut bytes = batch(seed, 1, 20, 0);
            log.lock().append_as_leader(&mut bytes, 0, 0).unwrap();
        }
        written.insert(tp, read_all(&log));
    }
    drop(manager); // unclean: every log recovers
    let manager = open(&config, 0);
    assert_eq!(manager.all_logs().len(), 40);
    for (tp, batches) in &written {
        assert_eq!(&read_all(&manager.get_log(tp).unwrap()), batches, "{tp}");
    }
}

#[test]
fn a_corrupt_recovery_point_checkpoint_means_recovering_from_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let manager = open(&config, 0);
    let tp = TopicPartition::new("first", 0);
    let log = manager
        .get_or_create_log(&tp, LogConfig::default(), 0)
        .unwrap();
    for seed in 0..5 {
        let mut bytes = batch(seed, 2, 20, 0);
        log.lock().append_as_leader(&mut bytes, 0, 0).unwrap();
    }
    let written = read_all(&log);
    drop(log);
    drop(manager);
    std::fs::write(
        tmp.path().join("recovery-point-offset-checkpoint"),
        "0\n3\nfirst 0 x\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("log-start-offset-checkpoint"), "garbage").unwrap();
    let manager = open(&config, 0);
    assert_eq!(read_all(&manager.get_log(&tp).unwrap()), written);
}

#[test]
fn future_dirs_are_left_alone_and_foreign_dirs_stop_start_up() {
    let tmp = tempfile::tempdir().unwrap();
    let config = manager_config(&[tmp.path().to_path_buf()]);
    let future = tmp
        .path()
        .join("first-0.0123456789abcdef0123456789abcdef-future");
    std::fs::create_dir(&future).unwrap();
    let manager = open(&config, 0);
    assert!(manager.all_logs().is_empty());
    assert!(future.exists());
    manager.shutdown(0).unwrap();
    drop(manager);
    std::fs::create_dir(tmp.path().join("not a partition")).unwrap();
    let err = LogManager::open(config, &HashMap::new(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'not a partition' is not in the form of topic-partition"),
        "{err}"
    );
}
