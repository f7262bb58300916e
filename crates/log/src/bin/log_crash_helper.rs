//! A child process for the log crate's crash tests (`tests/crash_*.rs`); not a user tool.
//!
//! ```text
//! log_crash_helper append <log_dir> <segment_bytes> <value_bytes> <max_batches> <seed> [crash]
//! log_crash_helper verify <log_dir>
//! log_crash_helper hold <log_dir>
//! ```
//!
//! * `append` opens a `LogManager` on `<log_dir>`, appends batches to `crash-0` and prints
//!   `ack <base offset> <last offset> <crc>` after each append returned (flushed to stdout, so
//!   the parent sees exactly what was acknowledged before it kills us). With `max_batches` 0 it
//!   runs until killed; otherwise it stops after that many batches with a clean shutdown and
//!   prints `done`, or with `crash` exits at once without shutting down.
//! * `verify` opens the manager (recovering if needed), prints `batch <base> <last> <crc>` for
//!   every batch and `leo <offset>`, appends one batch (`appended <offset>`) and shuts down.
//! * `hold` opens the manager, prints `locked`, and keeps the dirs locked until stdin closes.
//!
//! Log lines go to stderr; a failure prints the error on stderr and exits with status 2.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use gregor_log::dir::TopicPartition;
use gregor_log::manager::{LogManager, LogManagerConfig};
use gregor_log::LogConfig;
use gregor_protocol::records::{batches, RecordBatchBuilder};

/// The logger: every record as one line on stderr.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

fn main() {
    let _ = log::set_logger(&LOGGER).map(|()| log::set_max_level(log::LevelFilter::Info));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

type Fallible = Result<(), Box<dyn std::error::Error>>;

fn run(args: &[String]) -> Fallible {
    match args.first().map(String::as_str) {
        Some("append") if args.len() >= 6 => append(args),
        Some("verify") if args.len() == 2 => verify(&args[1]),
        Some("hold") if args.len() == 2 => hold(&args[1]),
        _ => Err("usage: log_crash_helper append|verify|hold <log_dir> ...".into()),
    }
}

fn open(log_dir: &str) -> Result<LogManager, Box<dyn std::error::Error>> {
    let config = LogManagerConfig {
        log_dirs: vec![PathBuf::from(log_dir)],
        ..LogManagerConfig::default()
    };
    Ok(LogManager::open(config, &HashMap::new(), now_ms())?)
}

fn append(args: &[String]) -> Fallible {
    let segment_bytes: i32 = args[2].parse()?;
    let value_bytes: usize = args[3].parse()?;
    let max_batches: u64 = args[4].parse()?;
    let seed: u64 = args[5].parse()?;
    let crash = args.get(6).is_some_and(|a| a == "crash");
    let manager = open(&args[1])?;
    let config = LogConfig::default().with_overrides([
        ("segment.bytes", segment_bytes.to_string()),
        ("segment.index.bytes", "65536".to_string()),
    ])?;
    let log = manager.get_or_create_log(&TopicPartition::new("crash", 0), config, now_ms())?;
    let stdout = std::io::stdout();
    let mut n = 0;
    while max_batches == 0 || n < max_batches {
        let mut bytes = batch(seed + n, value_bytes);
        let info = log.lock().append_as_leader(&mut bytes, 0, now_ms())?;
        let crc_bytes = bytes.get(17..21).ok_or("built an empty batch")?;
        let crc = u32::from_be_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
        let mut out = stdout.lock();
        writeln!(out, "ack {} {} {crc}", info.first_offset, info.last_offset)?;
        out.flush()?;
        n += 1;
    }
    if crash {
        std::process::exit(0);
    }
    drop(log);
    manager.shutdown(now_ms())?;
    println!("done");
    Ok(())
}

fn verify(log_dir: &str) -> Fallible {
    let manager = open(log_dir)?;
    for (tp, log) in manager.all_logs() {
        let (start, end) = {
            let log = log.lock();
            (log.log_start_offset(), log.log_end_offset())
        };
        let mut offset = start;
        while offset < end {
            let info = log.lock().read(offset, 1 << 20, end, true)?;
            let region = info.records.ok_or("no data below the log end offset")?;
            let bytes = region.read_to_vec()?;
            for batch in batches(&bytes) {
                let batch = batch?;
                println!(
                    "batch {} {} {}",
                    batch.base_offset(),
                    batch.last_offset(),
                    batch.crc()
                );
                offset = batch.next_offset();
            }
        }
        println!("leo {tp} {end}");
        let mut bytes = batch(u64::MAX / 2, 16);
        let info = log.lock().append_as_leader(&mut bytes, 0, now_ms())?;
        println!("appended {}", info.first_offset);
    }
    manager.shutdown(now_ms())?;
    Ok(())
}

fn hold(log_dir: &str) -> Fallible {
    let manager = open(log_dir)?;
    println!("locked");
    std::io::stdout().flush()?;
    // Block until the parent closes our stdin.
    for line in std::io::stdin().lock().lines() {
        line?;
    }
    manager.shutdown(now_ms())?;
    Ok(())
}

/// 1–5 records per batch, content derived from `seed` so every batch has its own CRC.
fn batch(seed: u64, value_bytes: usize) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new();
    let timestamp_ms = now_ms();
    for n in 0..1 + seed % 5 {
        let value: Vec<u8> = (0..value_bytes)
            .map(|i| {
                (seed
                    .wrapping_add(n)
                    .wrapping_mul(131)
                    .wrapping_add(i as u64)
                    % 251) as u8
            })
            .collect();
        let key = format!("{seed}-{n}");
        builder.push(timestamp_ms, Some(key.as_bytes()), Some(&value), &[]);
    }
    builder.build().unwrap_or_default()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
