//! The `.lock` file of a log directory.
//!
//! Kafka holds an exclusive, non-blocking OS lock on `<log.dir>/.lock` for the whole life of the
//! broker so that two brokers (or two `LogManager`s in one process) never write the same
//! directory. We use `flock(2)`: the lock belongs to the open file description, so a second
//! `open` + `flock` fails even inside the same process, and the kernel drops it when the process
//! dies (including `kill -9`), so a crash never leaves a stale lock behind. The file itself is
//! empty and is never deleted.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use super::DirError;

/// Name of the lock file inside every log directory.
pub const LOCK_FILE: &str = ".lock";

/// An exclusive lock on one log directory, released when dropped.
#[derive(Debug)]
pub struct DirLock {
    /// The locked file; dropping the `Flock` unlocks it.
    _lock: Flock<File>,
    /// The log directory (not the `.lock` file), for messages.
    dir: PathBuf,
}

impl DirLock {
    /// Takes the lock on `<dir>/.lock`, creating the file if needed; fails at once (without
    /// waiting) when someone else holds it, with Kafka's message naming the directory.
    pub fn acquire(dir: &Path) -> Result<DirLock, DirError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| DirError::Io {
                path: path.clone(),
                source,
            })?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(DirLock {
                _lock: lock,
                dir: dir.to_path_buf(),
            }),
            Err((_, Errno::EWOULDBLOCK)) => Err(DirError::Locked { dir: absolute(dir) }),
            Err((_, errno)) => Err(DirError::Io {
                path,
                source: std::io::Error::from(errno),
            }),
        }
    }

    /// The directory this lock protects.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Kafka prints the absolute path of the directory; fall back to the given one if the current
/// directory cannot be read.
fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_same_dir_fails_with_kafkas_message() {
        let tmp = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(tmp.path()).unwrap();
        let err = DirLock::acquire(tmp.path()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("Failed to acquire lock on file .lock in "),
            "{text}"
        );
        assert!(text.contains(&tmp.path().display().to_string()), "{text}");
        assert!(text
            .ends_with(". A Kafka instance in another process or thread is using this directory."));
        drop(first);
        // Released on drop: the next start-up can take it again.
        DirLock::acquire(tmp.path()).unwrap();
    }
}
