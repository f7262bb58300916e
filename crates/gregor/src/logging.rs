//! Kafka's log4j output, reproduced for the `log` crate.
//!
//! Lines use Kafka's `config/log4j.properties` pattern `[%d] %p %m (%c)%n`, e.g.
//! `[2020-04-18 10:26:27,441] INFO [KafkaServer id=1005] started (kafka.server.KafkaServer)`:
//! local time with milliseconds after a comma, the level, the message, the logger name.
//! Code names Kafka's logger explicitly (`log::info!(target: "kafka.server.KafkaServer", ...)`);
//! other targets (Rust module paths) are mapped by [`logger_name`].
//!
//! Where lines go follows Kafka's `log4j.properties`: the broker writes to stdout and
//! `$LOG_DIR/server.log`; `kafka.controller` goes only to `controller.log`,
//! `state.change.logger` only to `state-change.log`, `kafka.log.LogCleaner` only to
//! `log-cleaner.log`, `kafka.request.logger` and `kafka.network.RequestChannel$` only to
//! `kafka-request.log`, `kafka.authorizer.logger` only to `kafka-authorizer.log`. Files roll every
//! hour to `<name>.yyyy-MM-dd-HH` like log4j's `DailyRollingFileAppender`. Tools log WARN and
//! above to stderr (`config/tools-log4j.properties`).
//!
//! Levels come from `GREGOR_LOG` (`warn`, `info,kafka.controller=debug`, ...), applied on top
//! of Kafka's defaults. An exception is attached as the `exception` key-value and printed on
//! the lines after the message, where log4j prints a throwable.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Local};

mod rolling;
use log::{Level, LevelFilter, Log, Metadata, Record};
use rolling::RollingFile;

/// The environment variable holding level directives.
pub const LEVEL_ENV: &str = "GREGOR_LOG";

/// Rust module prefixes whose lines carry a Kafka logger name.
const MODULE_LOGGERS: &[(&str, &str)] = &[
    ("gregor::config", "kafka.server.KafkaConfig"),
    ("gregor::cli", "kafka.Kafka$"),
    ("gregor_zk", "kafka.zookeeper.ZooKeeperClient"),
    ("gregor_network", "kafka.network.SocketServer"),
    ("gregor_log", "kafka.log.Log"),
    ("zookeeper_client", "org.apache.zookeeper.ClientCnxn"),
];

/// Loggers Kafka sends to their own file and not to the root appenders (additivity=false),
/// with their default level.
const SEPARATE_FILES: &[(&str, &str, LevelFilter)] = &[
    ("kafka.controller", "controller.log", LevelFilter::Trace),
    (
        "state.change.logger",
        "state-change.log",
        LevelFilter::Trace,
    ),
    ("kafka.log.LogCleaner", "log-cleaner.log", LevelFilter::Info),
    (
        "kafka.request.logger",
        "kafka-request.log",
        LevelFilter::Warn,
    ),
    (
        "kafka.network.RequestChannel$",
        "kafka-request.log",
        LevelFilter::Warn,
    ),
    (
        "kafka.authorizer.logger",
        "kafka-authorizer.log",
        LevelFilter::Info,
    ),
];

/// True when `logger` is `prefix` or a logger below it (log4j's dotted hierarchy; `$` ends
/// a Scala object's name).
fn is_under(logger: &str, prefix: &str) -> bool {
    logger.starts_with(prefix)
        && matches!(
            logger.as_bytes().get(prefix.len()),
            None | Some(b'.' | b'$')
        )
}

/// The file of a logger Kafka keeps out of `server.log`, most specific prefix first.
fn separate_file(logger: &str) -> Option<&'static str> {
    SEPARATE_FILES
        .iter()
        .filter(|(prefix, _, _)| is_under(logger, prefix))
        .max_by_key(|(prefix, _, _)| prefix.len())
        .map(|(_, file, _)| *file)
}

/// The Kafka logger name for a `log` target: explicit Kafka names pass through, known Rust
/// modules map to their Kafka class, other paths have `::` turned into `.`.
pub fn logger_name(target: &str) -> String {
    if !target.contains("::") && !target.starts_with("gregor") {
        return target.to_string();
    }
    MODULE_LOGGERS
        .iter()
        .find(|(prefix, _)| target.starts_with(prefix))
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| target.replace("::", "."))
}

/// One line in Kafka's layout, newline included; `exception` follows on the next lines.
pub fn format_line(
    time: DateTime<Local>,
    level: Level,
    message: &str,
    logger: &str,
    exception: Option<&str>,
) -> String {
    let stamp = time.format("%Y-%m-%d %H:%M:%S,%3f");
    let mut line = format!("[{stamp}] {level} {message} ({logger})\n");
    if let Some(exception) = exception {
        line.push_str(exception);
        line.push('\n');
    }
    line
}

/// Level rules: a root level and per-logger-prefix levels (longest prefix wins).
#[derive(Debug, Clone, PartialEq)]
pub struct Directives {
    /// Level for loggers no prefix matches.
    root: LevelFilter,
    /// `(logger prefix, level)` pairs.
    prefixes: Vec<(String, LevelFilter)>,
}

impl Directives {
    /// Kafka's broker defaults with `spec` (e.g. `info,kafka.controller=debug`) on top;
    /// unparsable items are ignored rather than stopping the broker.
    pub fn parse(root: LevelFilter, spec: &str) -> Directives {
        let mut directives = Directives {
            root,
            prefixes: SEPARATE_FILES
                .iter()
                .map(|(p, _, l)| (p.to_string(), *l))
                .collect(),
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.split_once('=') {
                Some((prefix, level)) => {
                    if let Ok(level) = level.trim().parse() {
                        directives.prefixes.retain(|(p, _)| p != prefix.trim());
                        directives.prefixes.push((prefix.trim().to_string(), level));
                    }
                }
                None => {
                    if let Ok(level) = item.parse() {
                        directives.root = level;
                    }
                }
            }
        }
        directives
    }

    /// The level in force for a logger name.
    pub fn level_for(&self, logger: &str) -> LevelFilter {
        self.prefixes
            .iter()
            .filter(|(prefix, _)| {
                logger.starts_with(prefix.as_str())
                    && matches!(
                        logger.as_bytes().get(prefix.len()),
                        None | Some(b'.' | b'$')
                    )
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(self.root, |(_, level)| *level)
    }

    /// The most verbose level any logger may use (for `log::set_max_level`).
    pub fn max_level(&self) -> LevelFilter {
        self.prefixes
            .iter()
            .map(|(_, l)| *l)
            .fold(self.root, Ord::max)
    }
}

/// Where the console output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// The broker's `stdout` appender.
    Stdout,
    /// The tools' `stderr` appender.
    Stderr,
}

/// The process-wide logger.
struct KafkaLogger {
    directives: Directives,
    console: Console,
    /// `server.log`; `None` for tools.
    server_log: Option<Mutex<RollingFile>>,
    /// The files of [`SEPARATE_FILES`] by name; empty for tools (their lines go to the console).
    separate: BTreeMap<&'static str, Mutex<RollingFile>>,
}

impl Log for KafkaLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.directives.level_for(&logger_name(metadata.target()))
    }

    fn log(&self, record: &Record) {
        let logger = logger_name(record.target());
        if record.level() > self.directives.level_for(&logger) {
            return;
        }
        let now = Local::now();
        let exception = record
            .key_values()
            .get(log::kv::Key::from("exception"))
            .map(|v| v.to_string());
        let line = format_line(
            now,
            record.level(),
            &record.args().to_string(),
            &logger,
            exception.as_deref(),
        );
        if let Some(name) = separate_file(&logger) {
            if let Some(Ok(mut file)) = self.separate.get(name).map(|m| m.lock()) {
                file.write(now, &line);
                return;
            }
            if !self.separate.is_empty() {
                return;
            }
        }
        match self.console {
            Console::Stdout => {
                let _ = std::io::stdout().lock().write_all(line.as_bytes());
            }
            Console::Stderr => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
        }
        if let Some(Ok(mut file)) = self.server_log.as_ref().map(|m| m.lock()) {
            file.write(now, &line);
        }
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

/// The log directory: `$LOG_DIR` like Kafka's scripts, else `<install_dir>/logs`.
pub fn log_dir_from_env(install_dir: &Path) -> PathBuf {
    std::env::var_os("LOG_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| install_dir.join("logs"))
}

/// Installs the broker's logger: INFO (or `GREGOR_LOG`) to stdout and `log_dir`'s files.
/// Creating `log_dir` may fail; lines then go to stdout only and the error is returned for
/// the caller to report. Installing twice is a no-op.
pub fn init_server(log_dir: &Path) -> std::io::Result<()> {
    let created = fs::create_dir_all(log_dir);
    let directives = Directives::parse(
        LevelFilter::Info,
        &std::env::var(LEVEL_ENV).unwrap_or_default(),
    );
    let files = created.is_ok().then_some(log_dir);
    install(KafkaLogger::server(directives, Console::Stdout, files));
    created
}

impl KafkaLogger {
    /// The broker's logger; without a directory everything goes to the console.
    fn server(directives: Directives, console: Console, log_dir: Option<&Path>) -> KafkaLogger {
        let open = |name: &str| log_dir.map(|dir| Mutex::new(RollingFile::open(dir.join(name))));
        KafkaLogger {
            directives,
            console,
            server_log: open("server.log"),
            separate: SEPARATE_FILES
                .iter()
                .filter_map(|(_, name, _)| Some((*name, open(name)?)))
                .collect(),
        }
    }
}

/// Installs the tools' logger: WARN (or `GREGOR_LOG`) to stderr, no files.
pub fn init_tools() {
    install(KafkaLogger {
        directives: Directives::parse(
            LevelFilter::Warn,
            &std::env::var(LEVEL_ENV).unwrap_or_default(),
        ),
        console: Console::Stderr,
        server_log: None,
        separate: BTreeMap::new(),
    });
}

fn install(logger: KafkaLogger) {
    let max = logger.directives.max_level();
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests;
