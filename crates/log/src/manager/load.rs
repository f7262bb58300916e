//! Start-up: opening the log dirs and loading every partition log in them (Kafka's
//! `LogManager.loadLogs`).
//!
//! Per dir: read the recovery points and log start offsets (a corrupt checkpoint is logged and
//! treated as empty, as Kafka does: recovery then starts from 0), list the partition dirs, and
//! open each log on a pool of `num.recovery.threads.per.data.dir` threads; all dirs load at
//! the same time. Without `.kafka_cleanshutdown` the logs recover everything after their
//! recovery point. Once a dir is fully loaded its marker is removed, so a crash from then on is
//! an unclean shutdown. `-delete` dirs are queued for removal; `-future` dirs are left alone.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use super::{LogManagerConfig, ManagedLog, ManagerError};
use crate::config::LogConfig;
use crate::dir::{LogDir, OffsetMap, TopicPartition};
use crate::log::{Log, LogLoadOptions};

/// What start-up found in all dirs.
pub(super) struct Loaded {
    /// Every live log.
    pub logs: HashMap<TopicPartition, ManagedLog>,
    /// `-delete` dirs left by the previous run.
    pub to_delete: Vec<PathBuf>,
}

/// One log to open.
struct Job {
    /// The partition.
    tp: TopicPartition,
    /// Its directory.
    path: PathBuf,
    /// Index of its log dir.
    dir_index: usize,
    /// The topic's config, else the broker defaults.
    config: LogConfig,
    /// Recovery point and start offset from the dir's checkpoints, clean-shutdown flag.
    options: LogLoadOptions,
}

/// Opens, creates and locks every configured dir; the same dir twice is an error.
pub(super) fn open_dirs(paths: &[PathBuf]) -> Result<Vec<LogDir>, ManagerError> {
    if paths.is_empty() {
        return Err(ManagerError::NoLogDirs);
    }
    let mut seen = Vec::new();
    for path in paths {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path));
        if seen.contains(&canonical) {
            let dirs = paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>();
            return Err(ManagerError::DuplicateLogDir {
                dirs: dirs.join(", "),
            });
        }
        seen.push(canonical);
    }
    paths
        .iter()
        .map(|p| LogDir::open(p).map_err(ManagerError::from))
        .collect()
}

/// Like Java's `getCanonicalPath` for a path that does not exist yet: absolute, with `.` and
/// `..` resolved lexically.
fn normalize(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Loads every log of every dir, in parallel.
pub(super) fn load_all(
    config: &LogManagerConfig,
    dirs: &[LogDir],
    topic_configs: &HashMap<String, LogConfig>,
    now_ms: i64,
) -> Result<Loaded, ManagerError> {
    ::log::info!("Loading logs.");
    let started = Instant::now();
    let mut queues = Vec::with_capacity(dirs.len());
    let mut to_delete = Vec::new();
    for (dir_index, dir) in dirs.iter().enumerate() {
        let scan = dir.scan()?;
        to_delete.extend(scan.to_delete);
        for future in &scan.future {
            ::log::warn!(
                "Ignoring {}: moving logs between log dirs is not supported",
                future.display()
            );
        }
        if !dir.had_clean_shutdown() {
            ::log::info!(
                "No clean shutdown marker in {}: recovering logs after their recovery points",
                dir.path().display()
            );
        }
        let recovery_points = read_or_empty(
            dir,
            "recovery-point-offset-checkpoint",
            LogDir::read_recovery_points,
        );
        let start_offsets = read_or_empty(
            dir,
            "log-start-offset-checkpoint",
            LogDir::read_log_start_offsets,
        );
        let jobs: VecDeque<Job> = scan
            .live
            .into_iter()
            .map(|(tp, path)| Job {
                config: topic_configs
                    .get(&tp.topic)
                    .cloned()
                    .unwrap_or_else(|| config.default_log_config.clone()),
                options: LogLoadOptions {
                    recovery_point: recovery_points.get(&tp).copied().unwrap_or(0),
                    log_start_offset: start_offsets.get(&tp).copied().unwrap_or(0),
                    had_clean_shutdown: dir.had_clean_shutdown(),
                    now_ms,
                },
                tp,
                path,
                dir_index,
            })
            .collect();
        queues.push(Mutex::new(jobs));
    }
    let results = run_jobs(&queues, config.num_recovery_threads_per_data_dir);
    let mut logs: HashMap<TopicPartition, ManagedLog> = HashMap::new();
    for (job, result) in results {
        let log = result.map_err(|e| ManagerError::log(&job.tp, e))?;
        if let Some(previous) = logs.get(&job.tp) {
            return Err(ManagerError::DuplicateLog {
                first: previous.log.lock().dir().to_path_buf(),
                second: job.path,
            });
        }
        let managed = ManagedLog {
            log: Arc::new(Mutex::new(log)),
            dir_index: job.dir_index,
        };
        logs.insert(job.tp, managed);
    }
    for dir in dirs {
        dir.remove_clean_shutdown_marker()?;
    }
    ::log::info!(
        "Logs loading complete in {} ms.",
        started.elapsed().as_millis()
    );
    Ok(Loaded { logs, to_delete })
}

/// Runs `threads_per_dir` workers per dir queue, all dirs at once.
fn run_jobs(
    queues: &[Mutex<VecDeque<Job>>],
    threads_per_dir: usize,
) -> Vec<(Job, crate::Result<Log>)> {
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for queue in queues {
            for _ in 0..threads_per_dir.max(1) {
                scope.spawn(|| loop {
                    let Some(job) = queue.lock().pop_front() else {
                        break;
                    };
                    ::log::debug!("Loading log '{}'", job.tp);
                    let log = Log::open(&job.path, job.config.clone(), job.options);
                    results.lock().push((job, log));
                });
            }
        }
    });
    let mut results = results.into_inner();
    // Deterministic order, so that a duplicate is always reported the same way.
    results.sort_by(|a, b| (a.0.dir_index, &a.0.tp).cmp(&(b.0.dir_index, &b.0.tp)));
    results
}

/// Kafka logs an unreadable recovery-point or start-offset checkpoint and goes on without it.
fn read_or_empty(
    dir: &LogDir,
    name: &str,
    read: fn(&LogDir) -> Result<OffsetMap, crate::dir::DirError>,
) -> OffsetMap {
    read(dir).unwrap_or_else(|e| {
        ::log::warn!(
            "Error occurred while reading {name} file of directory {}: {e}; resetting to empty",
            dir.path().display()
        );
        OffsetMap::new()
    })
}
