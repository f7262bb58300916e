//! A sealed (inactive) segment: never appended to again, indexes trimmed to their entries.
//! It becomes active again only when truncation cuts the log back into it.

use std::path::PathBuf;
use std::sync::Arc;

use super::active::ActiveSegment;
use super::{SegmentCore, SegmentFiles, SegmentView};
use crate::config::LogConfig;
use crate::error::{IoContext, Result};

/// An inactive segment.
#[derive(Debug)]
pub struct SealedSegment {
    /// Files and state.
    core: SegmentCore,
}

impl SealedSegment {
    pub(super) fn from_core(core: SegmentCore) -> SealedSegment {
        SealedSegment { core }
    }

    /// Base offset.
    pub fn base_offset(&self) -> i64 {
        self.core.base_offset()
    }

    /// Size of the `.log` file.
    pub fn size_bytes(&self) -> u64 {
        self.core.size_bytes
    }

    /// Offset after the last batch.
    pub fn next_offset(&self) -> i64 {
        self.core.next_offset
    }

    /// Largest timestamp for retention (max record timestamp, else file mtime).
    pub fn largest_timestamp(&self) -> i64 {
        self.core.largest_timestamp()
    }

    /// The reader's view.
    pub fn view(&self) -> SegmentView {
        self.core.view()
    }

    /// Shared files.
    pub fn files(&self) -> &Arc<SegmentFiles> {
        &self.core.files
    }

    /// fsyncs the log file and flushes the indexes.
    pub fn flush(&self) -> Result<()> {
        let files = &self.core.files;
        files.log.sync_data().at(files.log_path())?;
        files.offset_index().flush()?;
        files.time_index().flush()
    }

    /// Makes the segment writable again (truncation reached into it): indexes grow back to
    /// `segment.index.bytes`.
    pub fn into_active(self, config: &LogConfig, now_ms: i64) -> Result<ActiveSegment> {
        let core = self.core;
        core.files
            .offset_index
            .write()
            .resize(config.max_index_bytes())?;
        core.files
            .time_index
            .write()
            .resize(config.max_index_bytes())?;
        let first = super::load::first_batch_max_timestamp(&core)?;
        Ok(ActiveSegment::from_core(core, config, now_ms, first))
    }

    /// Renames the files with `.deleted`; returns the new paths.
    pub fn rename_for_deletion(&self) -> Result<Vec<PathBuf>> {
        self.core.rename_for_deletion()
    }
}
