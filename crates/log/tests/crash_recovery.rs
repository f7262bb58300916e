//! Damaged files after a crash (kafka-2.4.md §4.9): a garbage tail on the active segment is
//! truncated (and the dropped byte count is logged), and deleted `.index` / `.timeindex` files
//! are rebuilt, with reads unchanged. The data is written by a child process that dies without
//! a clean shutdown; recovery runs in a second child (`verify`) so its log lines can be checked.

mod crash_support;
mod manager_support;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crash_support::*;
use gregor_log::dir::TopicPartition;
use gregor_log::manager::LogManager;
use manager_support::*;

/// Runs `append ... crash` to completion: `batches` batches, then exit without shutdown.
fn write_then_crash(dir: &Path, segment_bytes: i32, batches: u64) -> Vec<Ack> {
    let output = helper()
        .arg("append")
        .arg(dir)
        .args([
            segment_bytes.to_string(),
            "200".into(),
            batches.to_string(),
            "1".into(),
            "crash".into(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let acks: Vec<Ack> = stdout.lines().filter_map(parse_ack).collect();
    assert_eq!(acks.len() as u64, batches);
    acks
}

/// Runs `verify`: returns (batches as (base, last, crc), log end offset, stderr).
fn verify(dir: &Path) -> (Vec<Ack>, i64, String) {
    let output = helper().arg("verify").arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut batches = Vec::new();
    let mut leo = -1;
    for line in stdout.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[0] {
            "batch" => batches.push((
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
                parts[3].parse().unwrap(),
            )),
            "leo" => leo = parts[2].parse().unwrap(),
            _ => {}
        }
    }
    (batches, leo, stderr)
}

fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    list(dir)
        .into_iter()
        .filter(|n| n.ends_with(suffix))
        .map(|n| dir.join(n))
        .collect()
}

#[test]
fn garbage_appended_to_the_active_segment_is_truncated_and_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kafka-logs");
    let acks = write_then_crash(&dir, 16 * 1024, 120);
    let partition = dir.join("crash-0");
    let last_log = files_with_suffix(&partition, ".log").pop().unwrap();
    let size_before = std::fs::metadata(&last_log).unwrap().len();
    // A plausible-looking header (offset, huge length) followed by junk: a torn write.
    let mut garbage = Vec::new();
    garbage.extend_from_slice(&(acks.last().unwrap().1 + 1).to_be_bytes());
    garbage.extend_from_slice(&5_000i32.to_be_bytes());
    garbage.extend([0xAB; 88]);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&last_log)
        .unwrap()
        .write_all(&garbage)
        .unwrap();

    let (batches, leo, stderr) = verify(&dir);
    assert_eq!(
        batches, acks,
        "every batch before the garbage, and nothing else"
    );
    assert_eq!(leo, acks.last().unwrap().1 + 1);
    assert!(stderr.contains("Truncated 100 invalid bytes"), "{stderr}");
    assert!(
        std::fs::metadata(&last_log).unwrap().len() > size_before,
        "truncated, then one batch appended by verify"
    );
    // The verify run shut down cleanly and appended one batch after recovering.
    let (batches, _, _) = verify(&dir);
    assert_eq!(batches.len(), acks.len() + 1);
}

#[test]
fn deleted_index_files_are_rebuilt_and_reads_are_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kafka-logs");
    let acks = write_then_crash(&dir, 16 * 1024, 200);
    let partition = dir.join("crash-0");
    let mut removed = 0;
    for suffix in [".index", ".timeindex"] {
        for path in files_with_suffix(&partition, suffix) {
            std::fs::remove_file(path).unwrap();
            removed += 1;
        }
    }
    assert!(
        removed >= 4,
        "several segments expected, removed {removed} index files"
    );

    let (batches, leo, stderr) = verify(&dir);
    assert_eq!(batches, acks);
    assert_eq!(leo, acks.last().unwrap().1 + 1);
    assert!(stderr.contains("rebuilding"), "{stderr}");
    let logs = files_with_suffix(&partition, ".log").len();
    assert_eq!(files_with_suffix(&partition, ".index").len(), logs);
    assert_eq!(files_with_suffix(&partition, ".timeindex").len(), logs);

    // Lookups through the rebuilt indexes land on the right batches, in process.
    let manager = LogManager::open(
        manager_config(std::slice::from_ref(&dir)),
        &HashMap::new(),
        0,
    )
    .unwrap();
    let log = manager.get_log(&TopicPartition::new("crash", 0)).unwrap();
    let end = log.lock().log_end_offset();
    for (base, last, crc) in acks.iter().step_by(7) {
        let info = log.lock().read(*last, 1, end, true).unwrap();
        let bytes = info.records.unwrap().read_to_vec().unwrap();
        let batch = gregor_protocol::records::batches(&bytes)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!((batch.base_offset(), batch.crc()), (*base, *crc));
    }
    manager.shutdown(0).unwrap();
}
