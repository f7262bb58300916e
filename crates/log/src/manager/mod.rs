//! The log manager (Kafka's `LogManager`): every partition log of a broker, over all of its
//! `log.dirs`.
//!
//! Owns: which log lives in which log dir, loading all logs at start-up (clean vs unclean
//! shutdown, in parallel), creating logs (new partitions go to the dir with the fewest logs),
//! deleting logs (rename to `-delete`, remove after `file.delete.delay.ms`), the periodic tasks
//! (retention, flush, checkpoints; `tasks.rs`) and the clean shutdown. It does not touch
//! segments itself: everything inside a partition dir goes through [`Log`].
//!
//! Locking: the map of logs sits behind a `RwLock` held only to look up or insert; each log is
//! a [`SharedLog`] (`Arc<Mutex<Log>>`) locked by its user for one mutation. Readers should
//! take a [`crate::log::LogReader`] once and read without the mutex. Creation and deletion are
//! serialised by `creation_lock` so two callers never create the same directory.

mod background;
pub mod config;
mod load;
pub mod schedule;
mod tasks;
mod truncate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

pub use background::BackgroundTasks;
pub use config::{ConfigError, LogManagerConfig};

use crate::config::LogConfig;
use crate::dir::OffsetMap;
use crate::dir::{names, DirError, LogDir, TopicPartition};
use crate::error::{codes, LogError};
use crate::log::{Log, LogLoadOptions};
use schedule::Schedule;

/// A partition log shared between the manager, the replica layer and readers.
pub type SharedLog = Arc<Mutex<Log>>;

/// Failures of the log manager.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// A log directory's own files (lock, checkpoints, marker, scan) failed.
    #[error(transparent)]
    Dir(#[from] DirError),
    /// Opening, recovering, flushing or closing a partition log failed.
    #[error("{partition}: {source}")]
    Log {
        /// `topic-partition`.
        partition: String,
        /// The log's error.
        #[source]
        source: LogError,
    },
    /// The same directory is listed twice in `log.dirs`.
    #[error("Duplicate log directory found: {dirs}")]
    DuplicateLogDir {
        /// The configured list.
        dirs: String,
    },
    /// A partition has a directory in two log dirs.
    #[error("Duplicate log directories found: {first}, {second}!")]
    DuplicateLog {
        /// One directory.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// `log.dirs` is empty.
    #[error("no log directory is configured (log.dirs)")]
    NoLogDirs,
    /// The manager was shut down; nothing can be created or written any more.
    #[error("the log manager is shut down")]
    ShutDown,
}

impl ManagerError {
    /// The Kafka error code for a response that hit this error: a log's own code, else
    /// KAFKA_STORAGE_ERROR (a log dir problem, as Kafka reports it).
    pub fn kafka_error_code(&self) -> i16 {
        match self {
            ManagerError::Log { source, .. } => source.kafka_error_code(),
            _ => codes::KAFKA_STORAGE_ERROR,
        }
    }

    fn log(tp: &TopicPartition, source: LogError) -> ManagerError {
        ManagerError::Log {
            partition: tp.to_string(),
            source,
        }
    }
}

/// A log and the index of the log dir holding it.
#[derive(Debug, Clone)]
struct ManagedLog {
    /// The log.
    log: SharedLog,
    /// Index into `LogManager::dirs`.
    dir_index: usize,
}

/// A partition directory renamed to `-delete`, removed once `delete_after_ms` has passed.
#[derive(Debug)]
struct PendingDirDeletion {
    /// The renamed directory.
    path: PathBuf,
    /// Wall-clock time after which it is removed.
    delete_after_ms: i64,
}

/// All partition logs of the broker.
#[derive(Debug)]
pub struct LogManager {
    /// Settings from `server.properties`.
    config: LogManagerConfig,
    /// The open, locked log dirs, in `log.dirs` order.
    dirs: Vec<LogDir>,
    /// Every live log.
    logs: RwLock<HashMap<TopicPartition, ManagedLog>>,
    /// Serialises creation and deletion of partition dirs.
    creation_lock: Mutex<()>,
    /// `-delete` dirs waiting for their delay.
    dirs_to_delete: Mutex<Vec<PendingDirDeletion>>,
    /// High watermarks: loaded from `replication-offset-checkpoint`, then as the replica layer
    /// last checkpointed them; retention never deletes at or above them.
    high_watermarks: Mutex<OffsetMap>,
    /// When each periodic task runs next.
    schedule: Mutex<Schedule>,
    /// Whether every dir had `.kafka_cleanshutdown` at start-up.
    had_clean_shutdown: bool,
    /// Set by `shutdown`; later writes fail with `ShutDown`.
    shut_down: AtomicBool,
}

impl LogManager {
    /// Opens every log dir (creating and locking it) and loads every log in it, recovering
    /// those not cleanly shut down. `topic_configs` are per-topic configs (defaults + the
    /// topic's overrides) known at start-up; other topics get the broker defaults.
    pub fn open(
        config: LogManagerConfig,
        topic_configs: &HashMap<String, LogConfig>,
        now_ms: i64,
    ) -> Result<LogManager, ManagerError> {
        let dirs = load::open_dirs(&config.log_dirs)?;
        let loaded = load::load_all(&config, &dirs, topic_configs, now_ms)?;
        let had_clean_shutdown = dirs.iter().all(LogDir::had_clean_shutdown);
        let mut high_watermarks = OffsetMap::new();
        for dir in &dirs {
            match dir.read_high_watermarks() {
                Ok(hws) => high_watermarks.extend(hws),
                Err(e) => ::log::warn!(
                    "Error reading high watermarks of {}: {e}",
                    dir.path().display()
                ),
            }
        }
        let delete_after_ms = now_ms.saturating_add(config.default_log_config.file_delete_delay_ms);
        let dirs_to_delete = loaded
            .to_delete
            .into_iter()
            .map(|path| PendingDirDeletion {
                path,
                delete_after_ms,
            })
            .collect();
        Ok(LogManager {
            schedule: Mutex::new(Schedule::new(&config, now_ms)),
            config,
            dirs,
            logs: RwLock::new(loaded.logs),
            creation_lock: Mutex::new(()),
            dirs_to_delete: Mutex::new(dirs_to_delete),
            high_watermarks: Mutex::new(high_watermarks),
            had_clean_shutdown,
            shut_down: AtomicBool::new(false),
        })
    }

    /// The settings the manager runs with.
    pub fn config(&self) -> &LogManagerConfig {
        &self.config
    }

    /// The log dirs, in `log.dirs` order.
    pub fn log_dirs(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.path().to_path_buf()).collect()
    }

    /// True when every log dir had `.kafka_cleanshutdown` at start-up (no recovery was needed).
    pub fn had_clean_shutdown(&self) -> bool {
        self.had_clean_shutdown
    }

    /// The log of a partition, if this broker has one.
    pub fn get_log(&self, tp: &TopicPartition) -> Option<SharedLog> {
        self.logs.read().get(tp).map(|m| Arc::clone(&m.log))
    }

    /// The log dir holding a partition's log.
    pub fn log_dir_of(&self, tp: &TopicPartition) -> Option<PathBuf> {
        let index = self.logs.read().get(tp)?.dir_index;
        Some(self.dirs[index].path().to_path_buf())
    }

    /// Every log, sorted by partition.
    pub fn all_logs(&self) -> Vec<(TopicPartition, SharedLog)> {
        let mut all: Vec<(TopicPartition, SharedLog)> = self
            .logs
            .read()
            .iter()
            .map(|(tp, m)| (tp.clone(), Arc::clone(&m.log)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// The existing log of `tp`, or a new empty one created with `config` in the log dir that
    /// holds the fewest logs (Kafka 2.4's `nextLogDirs`; ties go to the earlier dir).
    pub fn get_or_create_log(
        &self,
        tp: &TopicPartition,
        config: LogConfig,
        now_ms: i64,
    ) -> Result<SharedLog, ManagerError> {
        if let Some(log) = self.get_log(tp) {
            return Ok(log);
        }
        self.ensure_running()?;
        let _creating = self.creation_lock.lock();
        if let Some(log) = self.get_log(tp) {
            return Ok(log);
        }
        let dir_index = self.next_log_dir();
        let path = self.dirs[dir_index].path().join(tp.to_string());
        let options = LogLoadOptions {
            recovery_point: 0,
            log_start_offset: 0,
            had_clean_shutdown: true,
            now_ms,
        };
        let log = Log::open(&path, config, options).map_err(|e| ManagerError::log(tp, e))?;
        ::log::info!(
            "Created log for partition {tp} in {} with properties {{{}}}.",
            path.display(),
            describe_config(log.config())
        );
        let log = Arc::new(Mutex::new(log));
        let managed = ManagedLog {
            log: Arc::clone(&log),
            dir_index,
        };
        self.logs.write().insert(tp.clone(), managed);
        Ok(log)
    }

    /// Applies a changed topic config (AlterConfigs, `/config/topics` change) to its logs.
    pub fn update_topic_config(&self, topic: &str, config: &LogConfig) {
        for (tp, log) in self.all_logs() {
            if tp.topic == topic {
                log.lock().update_config(config.clone());
            }
        }
    }

    /// Deletes a partition's log (StopReplica with delete): the directory is renamed to
    /// `topic-partition.<uuid>-delete` at once, so a restart never loads it again, and removed
    /// after `file.delete.delay.ms`. Returns the renamed directory, or `None` if there was no log.
    pub fn delete_log(
        &self,
        tp: &TopicPartition,
        now_ms: i64,
    ) -> Result<Option<PathBuf>, ManagerError> {
        let _deleting = self.creation_lock.lock();
        let Some(managed) = self.logs.read().get(tp).cloned() else {
            return Ok(None);
        };
        let dir = &self.dirs[managed.dir_index];
        // Holding the log's mutex keeps appends out while the directory moves.
        let log = managed.log.lock();
        let from = log.dir().to_path_buf();
        let to = dir.path().join(names::delete_dir_name(tp));
        // Only a successful rename removes the log: on failure it stays served where it was.
        std::fs::rename(&from, &to).map_err(|e| DirError::io(&from, e))?;
        self.logs.write().remove(tp);
        self.high_watermarks.lock().remove(tp);
        crate::checkpoint::sync_dir(dir.path()).map_err(|e| ManagerError::log(tp, e))?;
        let delete_after_ms = now_ms.saturating_add(log.config().file_delete_delay_ms);
        drop(log);
        ::log::info!(
            "Log for partition {tp} is renamed to {} and is scheduled for deletion",
            to.display()
        );
        self.dirs_to_delete.lock().push(PendingDirDeletion {
            path: to.clone(),
            delete_after_ms,
        });
        // The partition must vanish from the dir's checkpoint files right away.
        self.checkpoint_recovery_points_in(managed.dir_index)?;
        self.checkpoint_log_start_offsets_in(managed.dir_index)?;
        self.write_high_watermarks_in(managed.dir_index)?;
        Ok(Some(to))
    }

    /// Kafka's choice of dir for a new log: the live dir with the fewest logs.
    fn next_log_dir(&self) -> usize {
        let mut counts = vec![0usize; self.dirs.len()];
        for managed in self.logs.read().values() {
            counts[managed.dir_index] += 1;
        }
        (0..counts.len()).min_by_key(|&i| counts[i]).unwrap_or(0)
    }

    fn ensure_running(&self) -> Result<(), ManagerError> {
        if self.shut_down.load(Ordering::Acquire) {
            return Err(ManagerError::ShutDown);
        }
        Ok(())
    }

    /// Logs grouped by the index of their dir.
    fn logs_in_dir(&self, dir_index: usize) -> Vec<(TopicPartition, SharedLog)> {
        self.logs
            .read()
            .iter()
            .filter(|(_, m)| m.dir_index == dir_index)
            .map(|(tp, m)| (tp.clone(), Arc::clone(&m.log)))
            .collect()
    }

    fn dir_path(&self, dir_index: usize) -> &Path {
        self.dirs[dir_index].path()
    }
}

/// `key=value, ...` of a config, for the "Created log" line.
fn describe_config(config: &LogConfig) -> String {
    config
        .describe()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
