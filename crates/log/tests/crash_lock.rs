//! A log dir locked by one process cannot be opened by another (kafka-2.4.md §4.1), and the
//! lock goes away with the process, even after kill -9.

mod crash_support;
mod manager_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crash_support::*;
use gregor_log::manager::LogManager;
use manager_support::*;

const MESSAGE_END: &str =
    ". A Kafka instance in another process or thread is using this directory.";

#[test]
fn a_dir_held_by_another_process_fails_start_up_with_kafkas_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kafka-logs");
    let mut holder = helper()
        .arg("hold")
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim_end(), "locked");

    // In this process.
    let err = LogManager::open(
        manager_config(std::slice::from_ref(&dir)),
        &HashMap::new(),
        0,
    )
    .unwrap_err();
    let expected = format!(
        "Failed to acquire lock on file .lock in {}{MESSAGE_END}",
        dir.display()
    );
    assert_eq!(err.to_string(), expected);

    // In a third process: start-up fails with the message on stderr.
    let output = helper()
        .arg("hold")
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&expected));

    // kill -9 of the holder releases the lock: the kernel drops it with the process.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let manager = LogManager::open(
        manager_config(std::slice::from_ref(&dir)),
        &HashMap::new(),
        0,
    )
    .unwrap();
    assert!(!manager.had_clean_shutdown());
}
