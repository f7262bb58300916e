//! `TestZooKeeper`: a real Apache ZooKeeper (Debian's `zookeeper` package) started through
//! `zk/zk-start.sh` on a free loopback port with its own temporary data directory, for the tests
//! of any crate (feature `test-support`). It is killed when dropped.
//!
//! When the package is absent, [`TestZooKeeper::start_or_skip`] prints why and returns `None`
//! so the test can return early, unless `GREGOR_REQUIRE_ZK=1` is set, which turns the skip into
//! a failure (for CI, where scripts/install-deps.sh has run).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The jar of Debian's `zookeeper` package; its presence means ZooKeeper is installed.
pub const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";

/// ZooKeeper's default `tickTime` (sessions of 4 to 40 s).
const DEFAULT_TICK_TIME_MS: u64 = 2_000;

/// How long a started server may take to answer `ruok` (JVM start on a loaded 2-core machine).
const READY_TIMEOUT_MS: u64 = 60_000;

/// Why a test ZooKeeper could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TestZooKeeperError {
    /// Debian's zookeeper package is not installed.
    #[error("ZooKeeper is not installed ({ZOOKEEPER_JAR} missing); run scripts/install-deps.sh")]
    NotInstalled,
    /// Running the start/stop script or talking to the server failed at the OS level.
    #[error("I/O error while {action}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// zk-start.sh exited with an error; its output says why.
    #[error("zk/zk-start.sh failed ({status}): {output}")]
    StartFailed {
        /// The exit status.
        status: String,
        /// stdout and stderr of the script.
        output: String,
    },
    /// The server started but never answered `ruok` with `imok`.
    #[error("ZooKeeper on port {port} did not answer ruok within {timeout_ms} ms")]
    NotReady {
        /// The server's port.
        port: u16,
        /// How long we waited.
        timeout_ms: u64,
    },
}

/// A running standalone ZooKeeper on 127.0.0.1.
#[derive(Debug)]
pub struct TestZooKeeper {
    /// The client port on 127.0.0.1.
    port: u16,
    /// Holds zoo.cfg, the database, the log and the pidfile; removed on drop.
    data_dir: tempfile::TempDir,
    /// ZooKeeper's `tickTime`; sessions are negotiated between 2 and 20 ticks.
    tick_time_ms: u64,
}

impl TestZooKeeper {
    /// True when Debian's zookeeper package is installed.
    pub fn is_installed() -> bool {
        Path::new(ZOOKEEPER_JAR).exists()
    }

    /// Starts a server on a free port; returns once it answers `ruok` with `imok`.
    pub fn start() -> Result<TestZooKeeper, TestZooKeeperError> {
        Self::start_with_tick_time_ms(DEFAULT_TICK_TIME_MS)
    }

    /// [`TestZooKeeper::start`] with another `tickTime`: a short tick allows short sessions
    /// (at least 2 ticks), for tests of session expiry.
    pub fn start_with_tick_time_ms(tick_time_ms: u64) -> Result<TestZooKeeper, TestZooKeeperError> {
        if !Self::is_installed() {
            return Err(TestZooKeeperError::NotInstalled);
        }
        // The port is free when we look; another process may take it before ZooKeeper binds, so
        // try a few ports, each with a fresh directory (a failed server is killed on drop).
        let mut last_error = TestZooKeeperError::NotReady {
            port: 0,
            timeout_ms: 0,
        };
        for _ in 0..3 {
            let data_dir = tempfile::Builder::new()
                .prefix("gregor-zk-")
                .tempdir()
                .map_err(|source| TestZooKeeperError::Io {
                    action: "creating the data dir",
                    source,
                })?;
            let mut server = TestZooKeeper {
                port: free_port()?,
                data_dir,
                tick_time_ms,
            };
            match server.run_start_script() {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// [`TestZooKeeper::start`], or `None` with a message on stderr when ZooKeeper is not
    /// installed (and `GREGOR_REQUIRE_ZK` is not `1`). Panics on any other failure: a test that
    /// needs ZooKeeper cannot go on without it.
    pub fn start_or_skip() -> Option<TestZooKeeper> {
        Self::start_with_tick_time_ms_or_skip(DEFAULT_TICK_TIME_MS)
    }

    /// [`TestZooKeeper::start_or_skip`] with another `tickTime`.
    pub fn start_with_tick_time_ms_or_skip(tick_time_ms: u64) -> Option<TestZooKeeper> {
        match Self::start_with_tick_time_ms(tick_time_ms) {
            Ok(server) => Some(server),
            Err(TestZooKeeperError::NotInstalled)
                if std::env::var("GREGOR_REQUIRE_ZK").as_deref() != Ok("1") =>
            {
                eprintln!("SKIPPED: ZooKeeper is not installed ({ZOOKEEPER_JAR} missing); run scripts/install-deps.sh");
                None
            }
            Err(error) => panic!("cannot start the test ZooKeeper: {error}"),
        }
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`, a `zookeeper.connect` value (append a chroot if wanted).
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's data directory (zoo.cfg under `conf/`, log in `zookeeper.out`).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Sends a four-letter word (`ruok`, `stat`, `srvr`, `mntr`) and returns the reply.
    pub fn four_letter(&self, command: &str) -> std::io::Result<String> {
        four_letter(self.port, command)
    }

    /// Kills the server with SIGKILL (a crash); [`TestZooKeeper::restart`] brings it back with
    /// the same port and data.
    pub fn kill(&mut self) {
        let _ = Command::new(script("zk-stop.sh"))
            .arg(self.data_dir.path())
            .arg("--kill")
            .status();
    }

    /// Starts the server again on the same port and data directory (after [`Self::kill`]).
    pub fn restart(&mut self) -> Result<(), TestZooKeeperError> {
        self.run_start_script()
    }

    fn run_start_script(&mut self) -> Result<(), TestZooKeeperError> {
        let output = Command::new(script("zk-start.sh"))
            .arg(self.port.to_string())
            .arg(self.data_dir.path())
            .env("ZK_TICK_TIME_MS", self.tick_time_ms.to_string())
            .output()
            .map_err(|source| TestZooKeeperError::Io {
                action: "running zk/zk-start.sh",
                source,
            })?;
        if !output.status.success() {
            return Err(TestZooKeeperError::StartFailed {
                status: output.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        self.wait_until_ready()
    }

    fn wait_until_ready(&self) -> Result<(), TestZooKeeperError> {
        let deadline = Instant::now() + Duration::from_millis(READY_TIMEOUT_MS);
        while Instant::now() < deadline {
            if self.four_letter("ruok").is_ok_and(|reply| reply == "imok") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(TestZooKeeperError::NotReady {
            port: self.port,
            timeout_ms: READY_TIMEOUT_MS,
        })
    }
}

impl Drop for TestZooKeeper {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `zk/<name>` in this repository (found from this crate's manifest directory).
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../zk")
        .join(name)
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, TestZooKeeperError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| TestZooKeeperError::Io {
        action: "finding a free port",
        source,
    })?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|source| TestZooKeeperError::Io {
            action: "finding a free port",
            source,
        })
}

/// One four-letter-word exchange: ZooKeeper answers and closes the connection.
fn four_letter(port: u16, command: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(command.as_bytes())?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}
