//! Driving `log_crash_helper` child processes for the `crash_*` tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// One acknowledged append: (base offset, last offset, CRC).
pub type Ack = (i64, i64, u32);

/// The helper binary built by cargo for this package.
pub fn helper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_log_crash_helper"))
}

/// Starts `append` on `dir` (runs until killed when `max_batches` is 0).
pub fn spawn_append(
    dir: &Path,
    segment_bytes: i32,
    value_bytes: usize,
    max_batches: u64,
    seed: u64,
) -> Child {
    helper()
        .arg("append")
        .arg(dir)
        .args([
            segment_bytes.to_string(),
            value_bytes.to_string(),
            max_batches.to_string(),
            seed.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Parses an `ack` line.
pub fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ack ")?.split(' ');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

/// Reads acks until `wanted` were seen, SIGKILLs the child, then collects the acks it had
/// already written before dying.
pub fn kill_after(mut child: Child, wanted: usize) -> Vec<Ack> {
    let stdout: ChildStdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut acks = Vec::new();
    let mut line = String::new();
    while acks.len() < wanted {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "helper exited early"
        );
        acks.push(parse_ack(line.trim_end()).unwrap());
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    // A line cut by the kill was never acknowledged as a whole; ignore it.
    acks.extend(rest.lines().filter_map(parse_ack));
    acks
}
