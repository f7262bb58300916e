//! Kafka's text checkpoint files (kafka-2.4.md §4.3).
//!
//! Format, UTF-8 with `\n` line ends:
//! ```text
//! 0            <- format version, always 0
//! 2            <- number of entries
//! first 0 42   <- offset checkpoints: `<topic> <partition> <offset>`
//! ```
//! Leader-epoch checkpoints use `<epoch> <start offset>` entries. A 0-byte file reads as no
//! entries (Kafka creates the files empty). Writes go to `<name>.tmp`, are fsynced, renamed over
//! the old file and the directory is fsynced, so a crash leaves either the old or the new file.
//! Reads are strict: a wrong version, a malformed line or a count mismatch is
//! [`LogError::CorruptCheckpoint`] naming the file and line.
//!
//! Files using this format: `recovery-point-offset-checkpoint`, `replication-offset-checkpoint`,
//! `log-start-offset-checkpoint`, `cleaner-offset-checkpoint` (log dir top level, written by the
//! log manager) and `<topic>-<partition>/leader-epoch-checkpoint` (written by the epoch cache).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::dir::TopicPartition;
use crate::error::{IoContext, LogError, Result};

/// The only checkpoint format version Kafka 2.4 writes.
const CHECKPOINT_VERSION: i32 = 0;

/// Suffix of the temp file of an atomic write.
const TEMP_SUFFIX: &str = ".tmp";

/// An entry type that can be written as one checkpoint line.
pub trait CheckpointEntry: Sized {
    /// Renders the entry as its line, without the newline.
    fn to_line(&self) -> String;
    /// Parses the whitespace-split fields of one line; `Err` carries the reason.
    fn from_fields(fields: &[&str]) -> std::result::Result<Self, String>;
}

/// `<topic> <partition> <offset>` entry of the four offset checkpoint files.
impl CheckpointEntry for (TopicPartition, i64) {
    fn to_line(&self) -> String {
        format!("{} {} {}", self.0.topic, self.0.partition, self.1)
    }

    fn from_fields(fields: &[&str]) -> std::result::Result<Self, String> {
        let [topic, partition, offset] = fields else {
            return Err(format!("expected 3 fields, found {}", fields.len()));
        };
        let partition: i32 = partition
            .parse()
            .map_err(|_| format!("partition {partition:?} is not an int32"))?;
        let offset: i64 = offset
            .parse()
            .map_err(|_| format!("offset {offset:?} is not an int64"))?;
        Ok((TopicPartition::new(topic, partition), offset))
    }
}

/// One `(epoch, start offset)` entry of `leader-epoch-checkpoint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: i32,
    /// First offset written in that epoch.
    pub start_offset: i64,
}

impl CheckpointEntry for EpochEntry {
    fn to_line(&self) -> String {
        format!("{} {}", self.epoch, self.start_offset)
    }

    fn from_fields(fields: &[&str]) -> std::result::Result<Self, String> {
        let [epoch, offset] = fields else {
            return Err(format!("expected 2 fields, found {}", fields.len()));
        };
        Ok(EpochEntry {
            epoch: epoch
                .parse()
                .map_err(|_| format!("epoch {epoch:?} is not an int32"))?,
            start_offset: offset
                .parse()
                .map_err(|_| format!("offset {offset:?} is not an int64"))?,
        })
    }
}

/// A checkpoint file at a fixed path; each read or write names its entry type.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    /// The file; its parent directory is fsynced after each write.
    path: PathBuf,
}

impl CheckpointFile {
    /// A checkpoint at `path`; creates an empty file if none exists, as Kafka's constructor does.
    pub fn open(path: impl Into<PathBuf>) -> Result<CheckpointFile> {
        let path = path.into();
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(LogError::storage(&path, err)),
        }
        Ok(CheckpointFile { path })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file's content with `entries`, atomically and durably.
    pub fn write<E: CheckpointEntry>(&self, entries: &[E]) -> Result<()> {
        let mut text = format!("{CHECKPOINT_VERSION}\n{}\n", entries.len());
        for entry in entries {
            text.push_str(&entry.to_line());
            text.push('\n');
        }
        write_atomically(&self.path, text.as_bytes())
    }

    /// Reads every entry; a missing or 0-byte file has none.
    pub fn read<E: CheckpointEntry>(&self) -> Result<Vec<E>> {
        let text = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(LogError::storage(&self.path, err)),
        };
        parse(&self.path, &text)
    }
}

/// Parses checkpoint text strictly.
fn parse<E: CheckpointEntry>(path: &Path, bytes: &[u8]) -> Result<Vec<E>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let corrupt = |line: usize, reason: String| LogError::CorruptCheckpoint {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|err| corrupt(0, format!("not UTF-8: {err}")))?;
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
    let (_, version) = lines
        .next()
        .ok_or_else(|| corrupt(1, "missing version".into()))?;
    if version.trim().parse::<i32>() != Ok(CHECKPOINT_VERSION) {
        return Err(corrupt(1, format!("unrecognized version {version:?}")));
    }
    let (_, count) = lines
        .next()
        .ok_or_else(|| corrupt(2, "missing entry count".into()))?;
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| corrupt(2, format!("entry count {count:?} is not a number")))?;
    // The count comes from the file: cap the preallocation by what the text could hold.
    let mut entries = Vec::with_capacity(count.min(bytes.len() / 2));
    for (number, line) in lines {
        if entries.len() == count {
            if line.trim().is_empty() {
                continue;
            }
            return Err(corrupt(
                number,
                format!("more entries than the count {count}"),
            ));
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        entries.push(E::from_fields(&fields).map_err(|reason| corrupt(number, reason))?);
    }
    if entries.len() != count {
        return Err(corrupt(
            entries.len() + 3,
            format!("expected {count} entries, found {}", entries.len()),
        ));
    }
    Ok(entries)
}

/// Writes `bytes` to `path` via `<path>.tmp`: write, fsync, rename, fsync the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp_name = path.as_os_str().to_os_string();
    temp_name.push(TEMP_SUFFIX);
    let temp = PathBuf::from(temp_name);
    let mut file = File::create(&temp).at(&temp)?;
    file.write_all(bytes).at(&temp)?;
    file.sync_all().at(&temp)?;
    drop(file);
    fs::rename(&temp, path).at(path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsyncs a directory so a rename or create inside it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_in_kafka_text_format() {
        let dir = tempfile::tempdir().unwrap();
        let file = CheckpointFile::open(dir.path().join("replication-offset-checkpoint")).unwrap();
        assert!(file.read::<(TopicPartition, i64)>().unwrap().is_empty());
        let entries = vec![
            (TopicPartition::new("first", 0), 42),
            (TopicPartition::new("__consumer_offsets", 17), 5),
        ];
        file.write(&entries).unwrap();
        let text = fs::read_to_string(file.path()).unwrap();
        assert_eq!(text, "0\n2\nfirst 0 42\n__consumer_offsets 17 5\n");
        assert_eq!(file.read::<(TopicPartition, i64)>().unwrap(), entries);
        assert!(!dir
            .path()
            .join("replication-offset-checkpoint.tmp")
            .exists());
    }

    #[test]
    fn epochs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let file = CheckpointFile::open(dir.path().join("leader-epoch-checkpoint")).unwrap();
        let entries = vec![
            EpochEntry {
                epoch: 0,
                start_offset: 0,
            },
            EpochEntry {
                epoch: 2,
                start_offset: 150,
            },
        ];
        file.write(&entries).unwrap();
        assert_eq!(
            fs::read_to_string(file.path()).unwrap(),
            "0\n2\n0 0\n2 150\n"
        );
        assert_eq!(file.read::<EpochEntry>().unwrap(), entries);
    }

    #[test]
    fn corrupt_files_name_the_file_and_line() {
        let path = Path::new("/logs/recovery-point-offset-checkpoint");
        let cases: &[(&str, usize)] = &[
            ("1\n0\n", 1),
            ("0\nx\n", 2),
            ("0\n2\nfirst 0 1\n", 4),
            ("0\n1\nfirst zero 1\n", 3),
            ("0\n1\nfirst 0 1\nsecond 0 1\n", 4),
            ("0\n1\nfirst 0\n", 3),
        ];
        for (text, line) in cases {
            let err = parse::<(TopicPartition, i64)>(path, text.as_bytes()).unwrap_err();
            match &err {
                LogError::CorruptCheckpoint { line: got, .. } => assert_eq!(got, line, "{text:?}"),
                other => panic!("{other:?}"),
            }
            assert!(err.to_string().contains("recovery-point-offset-checkpoint"));
        }
    }
}
