//! The four offset checkpoint files at the top of a log dir (kafka-2.4.md §4.3), all in the
//! checkpoint module's text format with `<topic> <partition> <offset>` lines:
//!
//! | file | offset | written by |
//! |---|---|---|
//! | `recovery-point-offset-checkpoint` | first offset not yet fsynced | manager, every `log.flush.offset.checkpoint.interval.ms` and at shutdown |
//! | `replication-offset-checkpoint` | high watermark | replica layer through the manager |
//! | `log-start-offset-checkpoint` | log start offset, only when above the first segment's base | manager, every `log.flush.start.offset.checkpoint.interval.ms` and at shutdown |
//! | `cleaner-offset-checkpoint` | compaction progress | the cleaner (not implemented: stays empty) |
//!
//! After a crash each file holds its last complete write (atomic replace), which is always
//! safe: a recovery point that is too low only costs recovery time.

use std::collections::HashMap;

use super::{DirError, LogDir, TopicPartition};
use crate::checkpoint::CheckpointFile;

/// Recovery points: offsets below are known to be on disk.
pub const RECOVERY_POINT_CHECKPOINT_FILE: &str = "recovery-point-offset-checkpoint";
/// High watermarks, kept by the replica layer.
pub const REPLICATION_OFFSET_CHECKPOINT_FILE: &str = "replication-offset-checkpoint";
/// Log start offsets raised by DeleteRecords or retention.
pub const LOG_START_OFFSET_CHECKPOINT_FILE: &str = "log-start-offset-checkpoint";
/// Compaction progress of the log cleaner.
pub const CLEANER_OFFSET_CHECKPOINT_FILE: &str = "cleaner-offset-checkpoint";

/// Every checkpoint file a log dir has; all are created empty at open.
pub(super) const ALL_FILES: [&str; 4] = [
    RECOVERY_POINT_CHECKPOINT_FILE,
    REPLICATION_OFFSET_CHECKPOINT_FILE,
    LOG_START_OFFSET_CHECKPOINT_FILE,
    CLEANER_OFFSET_CHECKPOINT_FILE,
];

/// Partition -> offset, as read from or written to one checkpoint file.
pub type OffsetMap = HashMap<TopicPartition, i64>;

impl LogDir {
    /// Reads `recovery-point-offset-checkpoint`.
    pub fn read_recovery_points(&self) -> Result<OffsetMap, DirError> {
        self.read_offsets(RECOVERY_POINT_CHECKPOINT_FILE)
    }

    /// Replaces `recovery-point-offset-checkpoint` with `offsets`.
    pub fn write_recovery_points(&self, offsets: &OffsetMap) -> Result<(), DirError> {
        self.write_offsets(RECOVERY_POINT_CHECKPOINT_FILE, offsets)
    }

    /// Reads `replication-offset-checkpoint` (high watermarks).
    pub fn read_high_watermarks(&self) -> Result<OffsetMap, DirError> {
        self.read_offsets(REPLICATION_OFFSET_CHECKPOINT_FILE)
    }

    /// Replaces `replication-offset-checkpoint` with `offsets`.
    pub fn write_high_watermarks(&self, offsets: &OffsetMap) -> Result<(), DirError> {
        self.write_offsets(REPLICATION_OFFSET_CHECKPOINT_FILE, offsets)
    }

    /// Reads `log-start-offset-checkpoint`.
    pub fn read_log_start_offsets(&self) -> Result<OffsetMap, DirError> {
        self.read_offsets(LOG_START_OFFSET_CHECKPOINT_FILE)
    }

    /// Replaces `log-start-offset-checkpoint` with `offsets`.
    pub fn write_log_start_offsets(&self, offsets: &OffsetMap) -> Result<(), DirError> {
        self.write_offsets(LOG_START_OFFSET_CHECKPOINT_FILE, offsets)
    }

    /// Reads `cleaner-offset-checkpoint`.
    pub fn read_cleaner_offsets(&self) -> Result<OffsetMap, DirError> {
        self.read_offsets(CLEANER_OFFSET_CHECKPOINT_FILE)
    }

    /// Replaces `cleaner-offset-checkpoint` with `offsets`.
    pub fn write_cleaner_offsets(&self, offsets: &OffsetMap) -> Result<(), DirError> {
        self.write_offsets(CLEANER_OFFSET_CHECKPOINT_FILE, offsets)
    }

    fn read_offsets(&self, name: &str) -> Result<OffsetMap, DirError> {
        let entries: Vec<(TopicPartition, i64)> =
            CheckpointFile::open(self.path.join(name))?.read()?;
        Ok(entries.into_iter().collect())
    }

    /// Entries are written sorted so that the file is stable and easy to diff.
    fn write_offsets(&self, name: &str, offsets: &OffsetMap) -> Result<(), DirError> {
        let mut entries: Vec<(TopicPartition, i64)> =
            offsets.iter().map(|(tp, o)| (tp.clone(), *o)).collect();
        entries.sort();
        let _writing = self.write_lock.lock();
        CheckpointFile::open(self.path.join(name))?.write(&entries)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_checkpoint_round_trips_in_kafkas_text_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = LogDir::open(tmp.path()).unwrap();
        let offsets: OffsetMap = [
            (TopicPartition::new("first", 0), 42),
            (TopicPartition::new("__consumer_offsets", 17), 5),
        ]
        .into_iter()
        .collect();
        dir.write_high_watermarks(&offsets).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("replication-offset-checkpoint"));
        assert_eq!(text.unwrap(), "0\n2\n__consumer_offsets 17 5\nfirst 0 42\n");
        assert_eq!(dir.read_high_watermarks().unwrap(), offsets);
        dir.write_recovery_points(&offsets).unwrap();
        assert_eq!(dir.read_recovery_points().unwrap(), offsets);
        dir.write_log_start_offsets(&offsets).unwrap();
        assert_eq!(dir.read_log_start_offsets().unwrap(), offsets);
        dir.write_cleaner_offsets(&OffsetMap::new()).unwrap();
        assert_eq!(dir.read_cleaner_offsets().unwrap(), OffsetMap::new());
        let empty = std::fs::read_to_string(tmp.path().join("cleaner-offset-checkpoint"));
        assert_eq!(empty.unwrap(), "0\n0\n");
    }

    #[test]
    fn concurrent_writers_never_clash_on_the_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = LogDir::open(tmp.path()).unwrap();
        std::thread::scope(|scope| {
            for writer in 0..4i64 {
                let dir = &dir;
                scope.spawn(move || {
                    for n in 0..50 {
                        let offsets: OffsetMap = [(TopicPartition::new("t", 0), writer * 100 + n)]
                            .into_iter()
                            .collect();
                        dir.write_recovery_points(&offsets).unwrap();
                    }
                });
            }
        });
        assert_eq!(dir.read_recovery_points().unwrap().len(), 1);
    }

    #[test]
    fn a_corrupt_checkpoint_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = LogDir::open(tmp.path()).unwrap();
        std::fs::write(
            tmp.path().join(RECOVERY_POINT_CHECKPOINT_FILE),
            "0\n2\nfirst 0 1\n",
        )
        .unwrap();
        let err = dir.read_recovery_points().unwrap_err().to_string();
        assert!(err.contains(RECOVERY_POINT_CHECKPOINT_FILE), "{err}");
    }
}
