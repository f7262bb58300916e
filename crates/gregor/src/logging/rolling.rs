//! The hourly-rolling file appender behind `server.log`, `controller.log`, ... (log4j's
//! `DailyRollingFileAppender` with `DatePattern='.'yyyy-MM-dd-HH`, as Kafka configures it).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};

/// A file appender that rolls hourly, as log4j's `DailyRollingFileAppender` with
/// `DatePattern='.'yyyy-MM-dd-HH`.
pub(super) struct RollingFile {
    /// `$LOG_DIR/<name>`.
    path: PathBuf,
    /// The open file, `None` after a failure (logged once to stderr).
    file: Option<File>,
    /// The hour the open file belongs to, in the rolled file's suffix format.
    period: String,
}

const PERIOD_FORMAT: &str = "%Y-%m-%d-%H";

impl RollingFile {
    pub(super) fn open(path: PathBuf) -> RollingFile {
        // A file left from an earlier hour is rolled on the first write, as log4j does.
        let period = fs::metadata(&path)
            .and_then(|m| m.modified())
            .map(|t| DateTime::<Local>::from(t).format(PERIOD_FORMAT).to_string())
            .unwrap_or_else(|_| Local::now().format(PERIOD_FORMAT).to_string());
        let file = open_append(&path);
        RollingFile { path, file, period }
    }

    pub(super) fn write(&mut self, now: DateTime<Local>, line: &str) {
        let period = now.format(PERIOD_FORMAT).to_string();
        if period != self.period {
            let mut rolled = self.path.clone().into_os_string();
            rolled.push(format!(".{}", self.period));
            // If the rename fails, keep appending to the same file rather than lose lines.
            if fs::rename(&self.path, &rolled).is_ok() {
                self.file = open_append(&self.path);
            }
            self.period = period;
        }
        if let Some(file) = self.file.as_mut() {
            // A full disk must not take the broker down through its logger.
            let _ = file.write_all(line.as_bytes());
        }
    }
}

fn open_append(path: &Path) -> Option<File> {
    match OpenOptions::new().create(true).append(true).open(path) {
        Ok(file) => Some(file),
        Err(e) => {
            eprintln!(
                "log4j:ERROR setFile({},true) call failed: {e}",
                path.display()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn files_roll_when_the_hour_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.log");
        let mut file = RollingFile::open(path.clone());
        let ten = Local.with_ymd_and_hms(2020, 4, 18, 10, 0, 0).unwrap();
        file.period = ten.format(PERIOD_FORMAT).to_string();
        file.write(ten, "first\n");
        file.write(ten + chrono::Duration::hours(1), "second\n");
        assert_eq!(
            fs::read_to_string(dir.path().join("server.log.2020-04-18-10")).unwrap(),
            "first\n"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "second\n");
    }
}
