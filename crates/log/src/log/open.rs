//! Loading a partition directory and recovering it (kafka-2.4.md §4.9; Kafka's
//! `Log.loadSegments` and `recoverLog`).
//!
//! 1. Leftovers are cleaned: `.deleted` / `.cleaned` / `.swap` / `.tmp` files are removed (Gregor
//!    never writes `.cleaned` or `.swap`), and index files without a `.log` are dropped.
//! 2. Every `.log` is opened; a missing or failing index makes that segment be recovered.
//! 3. Without a clean shutdown, every segment holding offsets at or above the recovery point is
//!    recovered; the first one that had to be cut ends the log: later segments are deleted.
//! 4. The last segment becomes active; an empty directory gets an empty segment at the log
//!    start offset. The epoch cache is cut to the log's range.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use super::{Log, LogSnapshot};
use crate::config::LogConfig;
use crate::epoch::LeaderEpochCache;
use crate::error::{IoContext, LogError, Result};
use crate::segment::{
    parse_base_offset, ActiveSegment, LoadedSegment, RecoveryOutcome, DELETED_FILE_SUFFIX,
    INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX,
};

/// What the log manager knows about a log before opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLoadOptions {
    /// From `recovery-point-offset-checkpoint` (0 when absent).
    pub recovery_point: i64,
    /// From `log-start-offset-checkpoint` (0 when absent).
    pub log_start_offset: i64,
    /// `.kafka_cleanshutdown` was present in the log dir.
    pub had_clean_shutdown: bool,
    /// Wall-clock time, the `segment.ms` basis of the loaded active segment.
    pub now_ms: i64,
}

/// Suffixes of transient files removed at load.
const STRAY_SUFFIXES: &[&str] = &[DELETED_FILE_SUFFIX, ".cleaned", ".swap", ".tmp"];

impl Log {
    /// Opens (creating if needed) the partition directory `dir` and recovers it if needed.
    pub fn open(dir: &Path, config: LogConfig, options: LogLoadOptions) -> Result<Log> {
        fs::create_dir_all(dir).at(dir)?;
        let name = partition_name(dir)?;
        let mut epochs = LeaderEpochCache::open(dir)?;
        let (mut loaded, outcomes) = load_segments(dir, &config, &mut epochs)?;
        if !options.had_clean_shutdown {
            let unflushed = Unflushed {
                dir,
                name: &name,
                config: &config,
                recovery_point: options.recovery_point,
            };
            unflushed.recover(&mut loaded, &outcomes, &mut epochs)?;
        }
        let log_start_offset =
            start_offset_within(dir, &name, &mut loaded, options.log_start_offset)?;
        let active = match loaded.pop() {
            Some(last) => last.into_active(&config, options.now_ms)?,
            None => ActiveSegment::create(dir, log_start_offset, &config, options.now_ms)?,
        };
        let sealed = loaded
            .into_iter()
            .map(LoadedSegment::into_sealed)
            .collect::<Result<Vec<_>>>()?;
        let log_end_offset = active.next_offset();
        epochs.truncate_from_end(log_end_offset)?;
        epochs.truncate_from_start(log_start_offset)?;
        let recovery_point = if options.had_clean_shutdown {
            options.recovery_point.min(log_end_offset)
        } else {
            log_end_offset
        };
        let sealed_views = Arc::new(sealed.iter().map(|s| s.view()).collect::<Vec<_>>());
        let snapshot = LogSnapshot::new(
            Arc::clone(&name),
            Arc::clone(&sealed_views),
            active.view(),
            log_start_offset,
        );
        let producer_state = crate::producer::ProducerStateManager::new(dir, &name);
        log::info!(
            "[Log partition={name}, dir={}] Loading producer state till offset {log_end_offset}; completed load of log with {} segments, log start offset {log_start_offset} and log end offset {log_end_offset}",
            dir.display(),
            sealed.len() + 1
        );
        let mut log = Log {
            dir: dir.to_path_buf(),
            name,
            config,
            sealed,
            active,
            log_start_offset,
            recovery_point,
            epochs,
            unflushed_messages: 0,
            last_flush_ms: options.now_ms,
            pending_deletions: Vec::new(),
            sealed_views,
            published: Arc::new(RwLock::new(Arc::new(snapshot))),
            producer_state,
        };
        log.reload_producer_state()?;
        Ok(log)
    }
}

/// The log start offset: the checkpointed one, at least the first segment's base. A log whose
/// end is below it (segment files deleted by hand) loses every segment, as in Kafka.
fn start_offset_within(
    dir: &Path,
    name: &str,
    loaded: &mut Vec<LoadedSegment>,
    checkpointed: i64,
) -> Result<i64> {
    let mut log_start_offset = checkpointed;
    if let Some(first) = loaded.first() {
        log_start_offset = log_start_offset.max(first.base_offset());
    }
    if loaded
        .last()
        .is_some_and(|last| last.next_offset() < log_start_offset)
    {
        log::warn!(
            "[Log partition={name}] Deleting all segments because the log end offset is below the log start offset {log_start_offset}"
        );
        for segment in loaded.drain(..) {
            remove_segment_files(dir, segment.base_offset())?;
        }
    }
    Ok(log_start_offset)
}

/// `topic-partition` from the directory's name.
fn partition_name(dir: &Path) -> Result<Arc<str>> {
    dir.file_name()
        .map(|n| Arc::from(n.to_string_lossy().as_ref()))
        .ok_or_else(|| LogError::InvalidName {
            path: dir.to_path_buf(),
            reason: "a partition directory needs a name".into(),
        })
}

/// Opens every segment of `dir`, recovering those whose indexes are missing or corrupt;
/// `outcomes[n]` is set for segment `n` when it was recovered.
fn load_segments(
    dir: &Path,
    config: &LogConfig,
    epochs: &mut LeaderEpochCache,
) -> Result<(Vec<LoadedSegment>, Vec<Option<RecoveryOutcome>>)> {
    let bases = scan_directory(dir)?;
    let mut loaded = Vec::with_capacity(bases.len());
    let mut outcomes = Vec::with_capacity(bases.len());
    for base in bases {
        let mut segment = LoadedSegment::open(dir, base, config)?;
        let outcome = if segment.needs_recovery {
            Some(segment.recover(config, epochs)?)
        } else {
            None
        };
        loaded.push(segment);
        outcomes.push(outcome);
    }
    Ok((loaded, outcomes))
}

/// The inputs of the unclean-shutdown pass.
struct Unflushed<'a> {
    /// The partition directory.
    dir: &'a Path,
    /// `topic-partition`.
    name: &'a str,
    /// Topic config (index interval and size).
    config: &'a LogConfig,
    /// Offsets below this were fsynced before the crash.
    recovery_point: i64,
}

impl Unflushed<'_> {
    /// Re-validates segments from the recovery point on; the first one cut ends the log and
    /// every later segment is deleted. `outcomes[n]` is set when segment `n` was already
    /// recovered because of a bad index.
    fn recover(
        &self,
        loaded: &mut Vec<LoadedSegment>,
        outcomes: &[Option<RecoveryOutcome>],
        epochs: &mut LeaderEpochCache,
    ) -> Result<()> {
        let name = self.name;
        for n in 0..loaded.len() {
            let is_last = n + 1 == loaded.len();
            let segment = &mut loaded[n];
            let outcome = match outcomes.get(n).copied().flatten() {
                Some(outcome) => outcome,
                None if segment.next_offset() <= self.recovery_point && !is_last => continue,
                None => {
                    log::info!(
                        "[Log partition={name}] Recovering unflushed segment {}",
                        segment.base_offset()
                    );
                    segment.recover(self.config, epochs)?
                }
            };
            if outcome.truncated_bytes > 0 {
                let next = segment.next_offset();
                for later in loaded.drain(n + 1..) {
                    log::warn!(
                        "[Log partition={name}] Corruption found in an earlier segment, log truncated to offset {next}; deleting segment {}",
                        later.base_offset()
                    );
                    remove_segment_files(self.dir, later.base_offset())?;
                }
                break;
            }
        }
        Ok(())
    }
}

/// Removes stray files and orphan indexes; returns the base offsets of the `.log` files.
fn scan_directory(dir: &Path) -> Result<Vec<i64>> {
    let mut bases = Vec::new();
    let mut indexes: Vec<(i64, PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir).at(dir)? {
        let entry = entry.at(dir)?;
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if STRAY_SUFFIXES.iter().any(|s| file_name.ends_with(s)) {
            log::info!("Deleting stray temporary file {}", path.display());
            fs::remove_file(&path).at(&path)?;
        } else if let Some(base) = parse_base_offset(&file_name, LOG_FILE_SUFFIX) {
            bases.push(base);
        } else if let Some(base) = [
            INDEX_FILE_SUFFIX,
            TIME_INDEX_FILE_SUFFIX,
            TXN_INDEX_FILE_SUFFIX,
        ]
        .iter()
        .find_map(|suffix| parse_base_offset(&file_name, suffix))
        {
            indexes.push((base, path));
        }
    }
    bases.sort_unstable();
    for (base, path) in indexes {
        if bases.binary_search(&base).is_err() {
            log::warn!(
                "Found an orphaned index file {}, with no corresponding log file.",
                path.display()
            );
            fs::remove_file(&path).at(&path)?;
        }
    }
    Ok(bases)
}

/// Removes a segment's files for good (recovery found them unusable).
fn remove_segment_files(dir: &Path, base_offset: i64) -> Result<()> {
    let prefix = crate::segment::filename_prefix(base_offset);
    for suffix in [
        LOG_FILE_SUFFIX,
        INDEX_FILE_SUFFIX,
        TIME_INDEX_FILE_SUFFIX,
        TXN_INDEX_FILE_SUFFIX,
    ] {
        let path = dir.join(format!("{prefix}{suffix}"));
        match fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(LogError::storage(&path, err))
            }
            _ => {}
        }
    }
    Ok(())
}
