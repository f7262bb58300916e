//! The real `gregor` broker for the tool tests: one broker process (`kafka-server-start`) on a
//! free loopback port, with its own data directory, on a real ZooKeeper.
//!
//! The binary is `$GREGOR_BIN`, else `gregor` in the target dir of the test (built by any
//! workspace build). Like `TestZooKeeper::start_or_skip`, [`binary_or_skip`] says SKIPPED on
//! stderr and returns `None` when the binary is missing, unless `GREGOR_REQUIRE_BROKER=1`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The broker binary under test, if there is one.
pub fn gregor_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("GREGOR_BIN") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.parent()?.join("gregor");
    candidate.exists().then_some(candidate)
}

/// The binary, or `None` after printing SKIPPED (a failure with `GREGOR_REQUIRE_BROKER=1`).
pub fn binary_or_skip() -> Option<PathBuf> {
    let binary = gregor_binary();
    if binary.is_none() {
        assert_ne!(
            std::env::var("GREGOR_REQUIRE_BROKER").as_deref(),
            Ok("1"),
            "no gregor binary"
        );
        eprintln!(
            "SKIPPED: no gregor binary next to this test; build the workspace or set GREGOR_BIN"
        );
    }
    binary
}

/// The broker process, killed on drop.
pub struct RunningBroker(Child);

impl Drop for RunningBroker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts broker 0 with `num.partitions` = `partitions`, one-replica `__consumer_offsets` and no
/// initial rebalance delay; returns it once it logged `started`, with its `host:port`.
pub fn start_broker(
    binary: &Path,
    dir: &Path,
    zk_connect: &str,
    partitions: u32,
) -> (RunningBroker, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let props = dir.join("server.properties");
    let config = format!(
        "broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:{port}\nlog.dirs={}\nzookeeper.connect={zk_connect}\nnum.partitions={partitions}\noffsets.topic.replication.factor=1\ngroup.initial.rebalance.delay.ms=0\n",
        dir.join("data").display()
    );
    std::fs::write(&props, config).unwrap();
    let mut child = Command::new(binary)
        .arg("kafka-server-start")
        .arg(&props)
        .env("LOG_DIR", dir.join("logs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (started, wait) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("] started (kafka.server.KafkaServer)") {
                let _ = started.send(());
            }
        }
    });
    let broker = RunningBroker(child);
    wait.recv_timeout(Duration::from_secs(60))
        .expect("broker started");
    (broker, format!("127.0.0.1:{port}"))
}

// ---- Running the tools in-process

/// Owned arguments.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// Exit code, stdout, stderr.
pub type Outcome = (i32, String, String);

/// `kafka-console-consumer` with `args`.
pub fn consume(args: &[&str]) -> Outcome {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        gregor_tools::console_consumer::run_console_consumer(&strings(args), &mut out, &mut err);
    (code, text(out), text(err))
}

/// `kafka-consumer-groups` with `args`.
pub fn groups(args: &[&str]) -> Outcome {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        gregor_tools::consumer_groups::run_consumer_groups(&strings(args), &mut out, &mut err);
    (code, text(out), text(err))
}

/// Tool output as text.
pub fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// The lines of `text`, sorted.
pub fn sorted(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}
