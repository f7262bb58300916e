//! Tests of log-dir opening, the clean-shutdown marker and the partition-dir scan.

use super::*;

#[test]
fn open_creates_dir_lock_and_the_four_empty_checkpoint_files() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kafka-logs");
    let dir = LogDir::open(&path).unwrap();
    assert!(path.join(".lock").is_file());
    for name in [
        "recovery-point-offset-checkpoint",
        "replication-offset-checkpoint",
        "log-start-offset-checkpoint",
        "cleaner-offset-checkpoint",
    ] {
        let meta = std::fs::metadata(path.join(name)).unwrap();
        assert_eq!(meta.len(), 0, "{name}");
    }
    assert!(!dir.had_clean_shutdown());
}

#[test]
fn second_open_of_a_locked_dir_fails_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let _first = LogDir::open(tmp.path()).unwrap();
    let err = LogDir::open(tmp.path()).unwrap_err();
    assert!(matches!(err, DirError::Locked { .. }), "{err}");
    assert!(err.to_string().contains(&tmp.path().display().to_string()));
}

#[test]
fn clean_shutdown_marker_is_seen_at_next_open_and_removed_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = LogDir::open(tmp.path()).unwrap();
    dir.write_clean_shutdown_marker().unwrap();
    let marker = tmp.path().join(".kafka_cleanshutdown");
    assert_eq!(std::fs::metadata(&marker).unwrap().len(), 0);
    drop(dir);
    let dir = LogDir::open(tmp.path()).unwrap();
    assert!(dir.had_clean_shutdown());
    dir.remove_clean_shutdown_marker().unwrap();
    assert!(!marker.exists());
    // Removing twice is harmless.
    dir.remove_clean_shutdown_marker().unwrap();
}

#[test]
fn open_removes_temp_files_left_by_a_crashed_atomic_write() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("replication-offset-checkpoint.tmp"),
        "0\n5\n",
    )
    .unwrap();
    let _dir = LogDir::open(tmp.path()).unwrap();
    assert!(!tmp
        .path()
        .join("replication-offset-checkpoint.tmp")
        .exists());
}

#[test]
fn scan_sorts_live_delete_and_future_dirs_and_ignores_files() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["b-1", "a-0", "a-0.0123abcd-delete", "c-2.ffff-future"] {
        std::fs::create_dir(tmp.path().join(name)).unwrap();
    }
    std::fs::write(tmp.path().join("some-file"), "x").unwrap();
    let dir = LogDir::open(tmp.path()).unwrap();
    let scan = dir.scan().unwrap();
    let live: Vec<String> = scan.live.iter().map(|(tp, _)| tp.to_string()).collect();
    assert_eq!(live, ["a-0", "b-1"]);
    assert_eq!(scan.to_delete, [tmp.path().join("a-0.0123abcd-delete")]);
    assert_eq!(scan.future, [tmp.path().join("c-2.ffff-future")]);
}

#[test]
fn scan_rejects_a_foreign_directory_like_kafka() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("lost+found")).unwrap();
    let dir = LogDir::open(tmp.path()).unwrap();
    let err = dir.scan().unwrap_err().to_string();
    assert!(
        err.contains("'lost+found' is not in the form of topic-partition"),
        "{err}"
    );
}

#[test]
fn atomic_write_replaces_content_and_leaves_no_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    atomic_write(&path, b"one").unwrap();
    atomic_write(&path, b"two").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    assert!(!tmp.path().join("f.tmp").exists());
}
