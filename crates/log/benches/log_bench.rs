//! Log engine benchmarks (`cargo bench -p gregor-log --bench log_bench`); they print numbers
//! and assert nothing. Sizes can be changed with environment variables:
//!
//! * `GREGOR_BENCH_DIR` (default: the system temp dir): where files are written;
//! * `GREGOR_BENCH_APPEND_MB` (256): bytes appended per batch size;
//! * `GREGOR_BENCH_RECOVERY_MB` (1024): size of the segment recovered after a crash;
//! * `GREGOR_BENCH_PARTITIONS` (10000): logs opened for the memory / file descriptor count.
//!
//! 1. Append throughput with 16 KiB and 1 KiB batches through `LogManager` + `Log`, next to
//!    plain `write()` of the same bytes to a file in the same directory, in the same run.
//! 2. Read-path lookup latency: offset -> file region (`LogSnapshot::read`), p50 / p99.
//! 3. Recovery time of one 1 GiB segment without a clean shutdown.
//! 4. RSS and open file descriptors with 10,000 partitions, after creation, after one append
//!    each, and after a restart that loads them all; the time of the clean shutdown, of the
//!    clean reload, of a reload without clean shutdown and of a shutdown with nothing to flush.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gregor_log::dir::TopicPartition;
use gregor_log::manager::{LogManager, LogManagerConfig, SharedLog};
use gregor_log::LogConfig;
use gregor_protocol::records::RecordBatchBuilder;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open_manager(dir: &Path) -> LogManager {
    let config = LogManagerConfig {
        log_dirs: vec![dir.to_path_buf()],
        num_recovery_threads_per_data_dir: 2,
        ..LogManagerConfig::default()
    };
    LogManager::open(config, &HashMap::new(), now_ms()).unwrap()
}

/// One uncompressed batch of about `batch_bytes` bytes made of 512-byte records.
fn batch(batch_bytes: usize) -> Vec<u8> {
    let record_value = vec![b'x'; 500];
    let mut builder = RecordBatchBuilder::new();
    let records = (batch_bytes / 512).max(1);
    for n in 0..records {
        builder.push(
            now_ms(),
            Some(format!("{n}").as_bytes()),
            Some(&record_value),
            &[],
        );
    }
    builder.build().unwrap()
}

fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64()
}

fn bench_append(root: &Path, batch_bytes: usize, total_bytes: usize) -> SharedLog {
    let template = batch(batch_bytes);
    let count = total_bytes / template.len();
    let written = count * template.len();

    // Plain write() before and after the log run: the page cache's writeback state drifts
    // during a run, so the average is the fairer baseline.
    let plain_before = plain_write(root, &template, count);
    let dir = root.join(format!("append-{batch_bytes}"));
    let manager = open_manager(&dir);
    let tp = TopicPartition::new("bench", 0);
    let log = manager
        .get_or_create_log(&tp, LogConfig::default(), now_ms())
        .unwrap();
    let mut bytes = template.clone();
    let started = Instant::now();
    for _ in 0..count {
        log.lock()
            .append_as_leader(&mut bytes, 0, now_ms())
            .unwrap();
    }
    let log_elapsed = started.elapsed();
    let plain_after = plain_write(root, &template, count);
    let plain_rate = (mb_per_s(written, plain_before) + mb_per_s(written, plain_after)) / 2.0;
    let log_rate = mb_per_s(written, log_elapsed);
    println!(
        "append {:>5} B batches: {count} batches, {:.0} MiB; log {log_rate:.1} MB/s, plain write() {plain_rate:.1} MB/s, ratio {:.2}",
        template.len(),
        written as f64 / 1048576.0,
        log_rate / plain_rate
    );
    log
}

/// Time to `write()` `count` copies of `template` to a fresh file in `root`.
fn plain_write(root: &Path, template: &[u8], count: usize) -> Duration {
    let path = root.join("plain.bin");
    let mut plain = std::fs::File::create(&path).unwrap();
    let started = Instant::now();
    for _ in 0..count {
        plain.write_all(template).unwrap();
    }
    let elapsed = started.elapsed();
    drop(plain);
    std::fs::remove_file(&path).unwrap();
    elapsed
}

fn bench_lookup(log: &SharedLog) {
    let reader = log.lock().reader();
    let end = log.lock().log_end_offset();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut samples = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let offset = (state % end as u64) as i64;
        let started = Instant::now();
        let info = reader.snapshot().read(offset, 1 << 20, end, true).unwrap();
        samples.push(started.elapsed());
        assert!(info.records.is_some());
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "lookup offset -> file region over {end} offsets: p50 {:?}, p99 {:?}, max {:?}",
        pick(0.50),
        pick(0.99),
        samples[samples.len() - 1]
    );
}

fn bench_recovery(root: &Path, total_bytes: usize) {
    let dir = root.join("recovery");
    let template = batch(16 * 1024);
    {
        let manager = open_manager(&dir);
        let tp = TopicPartition::new("recover", 0);
        let log = manager
            .get_or_create_log(&tp, LogConfig::default(), now_ms())
            .unwrap();
        let mut bytes = template.clone();
        for _ in 0..total_bytes / template.len() {
            log.lock()
                .append_as_leader(&mut bytes, 0, now_ms())
                .unwrap();
        }
        // No shutdown: no marker, recovery point 0, so the whole segment is re-validated.
    }
    // Cold: the segment's pages are written back and dropped from the page cache first.
    evict_from_page_cache(&dir.join("recover-0"));
    recover_once(&dir, "page cache cold");
    // Warm: the previous open recovered but never checkpointed, so this one recovers again.
    recover_once(&dir, "page cache warm");
}

fn recover_once(dir: &Path, cache: &str) {
    let started = Instant::now();
    let manager = open_manager(dir);
    let elapsed = started.elapsed();
    let log = manager.get_log(&TopicPartition::new("recover", 0)).unwrap();
    let size = log.lock().size_bytes();
    println!(
        "recovery of {:.0} MiB in {} segment(s) without clean shutdown: {elapsed:?} ({:.0} MB/s, {cache})",
        size as f64 / 1048576.0,
        log.lock().segment_count(),
        mb_per_s(size as usize, elapsed)
    );
    // Dropped without shutdown: no marker, the recovery point stays unwritten.
}

/// fsyncs every file of `dir` and asks the kernel to drop its cached pages.
fn evict_from_page_cache(dir: &Path) {
    use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = std::fs::File::open(entry.unwrap().path()).unwrap();
        file.sync_all().unwrap();
        posix_fadvise(&file, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).unwrap();
    }
}

fn bench_partitions(root: &Path, partitions: usize) {
    let dir = root.join("partitions");
    let base = (rss_kib(), open_fds());
    let manager = open_manager(&dir);
    let small = batch(1024);
    let started = Instant::now();
    for p in 0..partitions {
        let tp = TopicPartition::new("many", p as i32);
        manager
            .get_or_create_log(&tp, LogConfig::default(), now_ms())
            .unwrap();
    }
    report(
        &format!("created in {:?}", started.elapsed()),
        partitions,
        base,
    );
    let started = Instant::now();
    for (_, log) in manager.all_logs() {
        let mut bytes = small.clone();
        log.lock()
            .append_as_leader(&mut bytes, 0, now_ms())
            .unwrap();
    }
    report(
        &format!("after one append each ({:?})", started.elapsed()),
        partitions,
        base,
    );
    let started = Instant::now();
    manager.shutdown(now_ms()).unwrap();
    println!(
        "{partitions} partitions, clean shutdown (flush + close each) in {:?}",
        started.elapsed()
    );
    drop(manager);
    let started = Instant::now();
    let manager = open_manager(&dir);
    let load = started.elapsed();
    report(&format!("reloaded in {load:?}"), partitions, base);
    // Dropped without shutdown: no marker, so the next load recovers every active segment.
    drop(manager);
    let started = Instant::now();
    let manager = open_manager(&dir);
    let load = started.elapsed();
    report(
        &format!("reloaded without clean shutdown in {load:?}"),
        partitions,
        base,
    );
    let started = Instant::now();
    manager.shutdown(now_ms()).unwrap();
    println!(
        "{partitions} partitions, clean shutdown with nothing to flush in {:?}",
        started.elapsed()
    );
}

fn report(stage: &str, partitions: usize, base: (u64, usize)) {
    let (rss, fds) = (rss_kib(), open_fds());
    println!(
        "{partitions} partitions, {stage}: RSS +{:.1} MiB ({:.1} KiB/partition), open fds +{} ({:.2}/partition)",
        rss.saturating_sub(base.0) as f64 / 1024.0,
        rss.saturating_sub(base.0) as f64 / partitions as f64,
        fds.saturating_sub(base.1),
        fds.saturating_sub(base.1) as f64 / partitions as f64
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and must stay fast.
    if !std::env::args().any(|a| a == "--bench") {
        println!("log_bench: skipped (run with `cargo bench -p gregor-log --bench log_bench`)");
        return;
    }
    let base: PathBuf = std::env::var_os("GREGOR_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let root = tempfile::tempdir_in(base).unwrap();
    let append_bytes = env_usize("GREGOR_BENCH_APPEND_MB", 256) << 20;
    println!("files in {}", root.path().display());
    bench_append(root.path(), 16 * 1024, append_bytes);
    let log = bench_append(root.path(), 1024, append_bytes);
    bench_lookup(&log);
    drop(log);
    bench_recovery(
        root.path(),
        env_usize("GREGOR_BENCH_RECOVERY_MB", 1024) << 20,
    );
    bench_partitions(root.path(), env_usize("GREGOR_BENCH_PARTITIONS", 10_000));
}
