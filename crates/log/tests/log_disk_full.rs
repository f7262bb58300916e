//! A failing disk write (issue: "a full disk fails the append with an error the produce path
//! can map to KAFKA_STORAGE_ERROR, and reads still work").
//!
//! The test re-runs itself in a child process with `RLIMIT_FSIZE` lowered, so writes past the
//! limit fail (EFBIG) exactly as a full disk fails them, without touching the parent's limits.

mod log_support;

use std::process::Command;

use gregor_log::LogError;
use log_support::*;

const CHILD_ENV: &str = "GREGOR_LOG_DISK_FULL_CHILD";

#[test]
fn a_failed_write_is_a_storage_error_and_the_log_stays_readable() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        run_child(std::path::Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_failed_write_is_a_storage_error_and_the_log_stays_readable",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "child failed: {status}");
}

fn run_child(root: &std::path::Path) {
    let mut log = open(root, small_config(1 << 20, 4096), clean(0));
    append_batches(&mut log, 4, 2, 100);
    let size_before = log.size_bytes();
    // SAFETY: the child process is single-purpose; ignoring SIGXFSZ makes an over-limit write
    // fail with EFBIG instead of killing the process, and the limit only applies to this child.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit {
            rlim_cur: size_before + 100,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    let mut big = batch(3, 50, 400);
    let err = log.append_as_leader(&mut big, 0, 1).unwrap_err();
    assert!(matches!(err, LogError::Storage { .. }), "{err:?}");
    assert_eq!(err.kafka_error_code(), 56);
    assert_eq!(
        log.log_end_offset(),
        8,
        "nothing of the failed append is visible"
    );
    assert_eq!(log.size_bytes(), size_before);
    assert_dense(&read_all(&log), 0);
    let on_disk = std::fs::metadata(root.join("first-0/00000000000000000000.log"))
        .unwrap()
        .len();
    assert_eq!(on_disk, size_before, "the partial write was cut off");
}
