//! One log directory (an entry of `log.dirs`) and the files that live at its top level
//! (kafka-2.4.md §4.1–§4.3): the `.lock`, `meta.properties`, the four offset checkpoint files and
//! the `.kafka_cleanshutdown` marker, plus the scan of its partition directories.
//!
//! This module owns those files only. Partition directories' contents (segments, indexes,
//! `leader-epoch-checkpoint`) belong to `Log`; deciding what to do with the scan result belongs
//! to the `manager`.

mod checkpoints;
pub mod lock;
pub mod meta_properties;
pub mod names;

use std::path::{Path, PathBuf};

use crate::checkpoint::{self, CheckpointFile};
use crate::error::LogError;

pub use checkpoints::{
    OffsetMap, CLEANER_OFFSET_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE,
    RECOVERY_POINT_CHECKPOINT_FILE, REPLICATION_OFFSET_CHECKPOINT_FILE,
};
pub use lock::DirLock;
pub use meta_properties::BrokerMetadata;
pub use names::{PartitionDirName, TopicPartition};

/// Marker written after every log of the dir was flushed and checkpointed at shutdown.
pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";

/// Suffix of the temp files of atomic writes; leftovers of a crash are removed at open.
const TEMP_SUFFIX: &str = ".tmp";

/// Failures of log-directory files.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// A file or directory operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another process (or another `LogDir` in this one) holds the `.lock`.
    #[error(
        "Failed to acquire lock on file .lock in {dir}. A Kafka instance in another process or \
         thread is using this directory."
    )]
    Locked {
        /// The log directory, absolute.
        dir: PathBuf,
    },
    /// `meta.properties` exists but cannot be understood.
    #[error("Failed to read {path}: {reason}")]
    MetaProperties {
        /// The file.
        path: PathBuf,
        /// Kafka's message for what is wrong.
        reason: String,
    },
    /// The log dirs' `meta.properties` files disagree (`InconsistentBrokerMetadataException`).
    #[error(
        "BrokerMetadata is not consistent across log.dirs. This could happen if multiple brokers \
         shared a log directory (log.dirs) or partial data was manually copied from another \
         broker. Found:\n{listing}"
    )]
    InconsistentBrokerMetadata {
        /// One `- <dir> -> BrokerMetadata(...)` line per dir.
        listing: String,
    },
    /// The stored cluster id is not ZooKeeper's (`InconsistentClusterIdException`).
    #[error(
        "The Cluster ID {cluster_id} doesn't match stored clusterId Some({stored}) in \
         meta.properties. The broker is trying to join the wrong cluster. Configured \
         zookeeper.connect may be wrong."
    )]
    InconsistentClusterId {
        /// `/cluster/id` from ZooKeeper.
        cluster_id: String,
        /// `cluster.id` from `meta.properties`.
        stored: String,
    },
    /// The configured `broker.id` is not the stored one (`InconsistentBrokerIdException`).
    #[error(
        "Configured broker.id {configured} doesn't match stored broker.id {stored} in \
         meta.properties. If you moved your data, make sure your configured broker.id matches. \
         If you intend to create a new broker, you should remove all data in your data \
         directories (log.dirs)."
    )]
    InconsistentBrokerId {
        /// `broker.id` from the configuration.
        configured: i32,
        /// `broker.id` from `meta.properties`.
        stored: i32,
    },
    /// A directory inside the log dir is not a partition dir (Kafka refuses to start too).
    #[error(
        "Found directory {path}, '{name}' is not in the form of topic-partition or \
         topic-partition.uniqueId-delete (if marked for deletion).\nKafka's log directories (and \
         children) should only contain Kafka topic data."
    )]
    NotAPartitionDir {
        /// The offending directory.
        path: PathBuf,
        /// Its file name.
        name: String,
    },
    /// A checkpoint file is corrupt or could not be written (from the checkpoint module).
    #[error(transparent)]
    Checkpoint(#[from] LogError),
}

impl DirError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> DirError {
        DirError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The directories found in a log dir at start-up, sorted by name.
#[derive(Debug, Default)]
pub struct DirScan {
    /// Live partition dirs to open as logs.
    pub live: Vec<(TopicPartition, PathBuf)>,
    /// Dirs whose deletion was started before the last stop; remove after the delete delay.
    pub to_delete: Vec<PathBuf>,
    /// Unfinished intra-broker moves; left alone (moves are not supported yet).
    pub future: Vec<PathBuf>,
}

/// An open, locked log directory.
#[derive(Debug)]
pub struct LogDir {
    /// The directory, as configured in `log.dirs`.
    path: PathBuf,
    /// Held until `unlock` (clean shutdown) or until this `LogDir` is dropped.
    lock: parking_lot::Mutex<Option<DirLock>>,
    /// Whether `.kafka_cleanshutdown` existed when the dir was opened.
    had_clean_shutdown: bool,
    /// Serialises checkpoint writes: two writers would share `<name>.tmp` (Kafka's
    /// `CheckpointFile` synchronises its writes the same way).
    write_lock: parking_lot::Mutex<()>,
}

impl LogDir {
    /// Creates the dir if missing, takes its lock, notes whether the last shutdown was clean,
    /// creates missing checkpoint files (0 bytes, as Kafka's `CheckpointFile` does) and removes
    /// temp files left by a crash in the middle of an atomic write.
    pub fn open(path: &Path) -> Result<LogDir, DirError> {
        if !path.exists() {
            ::log::info!("Log directory '{}' not found, creating it.", path.display());
        }
        std::fs::create_dir_all(path).map_err(|e| DirError::io(path, e))?;
        let lock = DirLock::acquire(path)?;
        remove_temp_files(path)?;
        for name in checkpoints::ALL_FILES {
            CheckpointFile::open(path.join(name))?;
        }
        let had_clean_shutdown = path.join(CLEAN_SHUTDOWN_FILE).exists();
        Ok(LogDir {
            path: path.to_path_buf(),
            lock: parking_lot::Mutex::new(Some(lock)),
            had_clean_shutdown,
            write_lock: parking_lot::Mutex::new(()),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the previous broker run ended with a clean shutdown of this dir.
    pub fn had_clean_shutdown(&self) -> bool {
        self.had_clean_shutdown
    }

    /// Removes `.kafka_cleanshutdown`; called once every log of the dir is loaded, so a crash
    /// from now on is seen as unclean at the next start.
    pub fn remove_clean_shutdown_marker(&self) -> Result<(), DirError> {
        let marker = self.path.join(CLEAN_SHUTDOWN_FILE);
        match std::fs::remove_file(&marker) {
            Ok(()) => sync_dir(&self.path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(DirError::io(&marker, e)),
        }
    }

    /// Creates the empty `.kafka_cleanshutdown` marker; the last step of a clean shutdown.
    pub fn write_clean_shutdown_marker(&self) -> Result<(), DirError> {
        atomic_write(&self.path.join(CLEAN_SHUTDOWN_FILE), b"")
    }

    /// Lists the partition directories. A directory whose name is not a partition name fails,
    /// as it does in Kafka; plain files at the top level are not looked at.
    pub fn scan(&self) -> Result<DirScan, DirError> {
        let mut scan = DirScan::default();
        let mut entries = read_dir_sorted(&self.path)?;
        entries.retain(|p| p.is_dir());
        for dir in entries {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match names::parse_partition_dir_name(&name) {
                Some(PartitionDirName::Live(tp)) => scan.live.push((tp, dir)),
                Some(PartitionDirName::Delete(_)) => scan.to_delete.push(dir),
                Some(PartitionDirName::Future(_)) => scan.future.push(dir),
                None => {
                    let path = std::path::absolute(&dir).unwrap_or(dir);
                    return Err(DirError::NotAPartitionDir { path, name });
                }
            }
        }
        Ok(scan)
    }

    /// Releases the `.lock` (the last step of a clean shutdown); idempotent.
    pub fn unlock(&self) {
        self.lock.lock().take();
    }
}

/// Writes `path` atomically (temp file, fsync, rename, fsync of the dir) with the checkpoint
/// module's helper, so every top-level file of a log dir is replaced the same way.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), DirError> {
    Ok(checkpoint::write_atomically(path, bytes)?)
}

/// fsync of a directory makes a rename or unlink inside it durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), DirError> {
    Ok(checkpoint::sync_dir(dir)?)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, DirError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DirError::io(dir, e))? {
        paths.push(entry.map_err(|e| DirError::io(dir, e))?.path());
    }
    paths.sort();
    Ok(paths)
}

/// Removes `*.tmp` files at the top level: an atomic write that crashed before its rename.
fn remove_temp_files(dir: &Path) -> Result<(), DirError> {
    for path in read_dir_sorted(dir)? {
        let is_temp = path.is_file()
            && path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(TEMP_SUFFIX));
        if is_temp {
            ::log::warn!("Removing temporary file {} left by a crash", path.display());
            std::fs::remove_file(&path).map_err(|e| DirError::io(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
