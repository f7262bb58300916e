//! The `gregor` command line: one binary, subcommands named after Kafka's tools.
//!
//! `gregor kafka-server-start server.properties [--override k=v]*` is what
//! `bin/kafka-server-start.sh` runs (Kafka's `kafka.Kafka` main class). Arguments are parsed by
//! hand because Kafka's shapes (a positional file first, repeated `--override k=v`, the
//! `-daemon` flag consumed by the script) do not fit a declarative parser without changing
//! the messages users see. This module owns argument handling and exit codes only; the
//! configuration and logging live in their modules.

use std::path::{Path, PathBuf};

use crate::config::KafkaConfig;
use crate::logging;

/// Kafka's logger name for the `kafka.Kafka` main object.
const MAIN_LOGGER: &str = "kafka.Kafka$";

/// What Kafka 2.4.1's `kafka.Kafka` prints when started without arguments.
pub const SERVER_START_USAGE: &str =
    "USAGE: java [options] KafkaServer server.properties [--override property=value]*";

/// The option table joptsimple prints under the usage line.
const SERVER_START_OPTIONS: &str = "\
Option               Description
------               -----------
--override <String>  Optional property that should override
                       values set in server.properties file
--version            Print version information and exit.
";

/// A subcommand: its name (a Kafka script name without `.sh`), a summary, its entry point.
pub struct Command {
    /// What the user types after `gregor`.
    pub name: &'static str,
    /// One line for `gregor --help`.
    pub summary: &'static str,
    /// Runs with the arguments after the name; returns the exit status.
    pub run: fn(&[String]) -> i32,
}

/// Every subcommand; `bin/<name>.sh` wrappers exec `gregor <name>`.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "kafka-server-start",
        summary: "[-daemon] server.properties [--override property=value]*  (runs a broker)",
        run: run_server_start,
    },
    Command {
        name: "kafka-topics",
        summary: "(--zookeeper zk | --bootstrap-server broker) --create|--list|--describe|--alter|--delete ...",
        run: run_kafka_topics,
    },
    Command {
        name: "kafka-console-producer",
        summary: "--broker-list broker --topic t [--property parse.key=true] ...",
        run: run_console_producer,
    },
    Command {
        name: "kafka-console-consumer",
        summary: "--bootstrap-server broker --topic t [--group g] [--from-beginning] [--partition p --offset o] ...",
        run: run_console_consumer,
    },
    Command {
        name: "kafka-consumer-groups",
        summary: "--bootstrap-server broker --list|--describe|--delete|--reset-offsets [--group g|--all-groups] ...",
        run: run_consumer_groups,
    },
    Command {
        name: "kafka-dump-log",
        summary: "--files f1,f2 [--print-data-log] [--deep-iteration] ...",
        run: run_dump_log,
    },
    Command {
        name: "kafka-producer-perf-test",
        summary: "--topic t --num-records n (--record-size s | --payload-file f) --throughput r --producer-props k=v ...",
        run: run_producer_perf_test,
    },
    Command {
        name: "kafka-consumer-perf-test",
        summary: "--broker-list broker --topic t --messages n ...",
        run: run_consumer_perf_test,
    },
];

/// Kafka's tools log WARN and above to stderr (their `tools-log4j.properties`); each tool
/// subcommand installs that logger, then runs the tool from `gregor-tools`.
macro_rules! tool_command {
    ($name:ident, $main:path) => {
        fn $name(args: &[String]) -> i32 {
            logging::init_tools();
            $main(args)
        }
    };
}

tool_command!(run_kafka_topics, gregor_tools::kafka_topics_stdio);
tool_command!(run_console_producer, gregor_tools::console_producer_main);
tool_command!(run_console_consumer, gregor_tools::console_consumer_main);
tool_command!(run_consumer_groups, gregor_tools::consumer_groups_main);
tool_command!(run_dump_log, gregor_tools::dump_log_main);
tool_command!(
    run_producer_perf_test,
    gregor_tools::producer_perf_test_main
);
tool_command!(
    run_consumer_perf_test,
    gregor_tools::consumer_perf_test_main
);

/// Usage of the binary itself.
pub fn gregor_usage() -> String {
    let mut text = String::from("USAGE: gregor <command> [args]\n\nCommands:\n");
    for command in COMMANDS {
        text.push_str(&format!("  {} {}\n", command.name, command.summary));
    }
    text.push_str(
        "\nEnvironment: LOG_DIR (log files, default <install>/logs), GREGOR_LOG (levels, e.g. \
         `info,kafka.controller=debug`), GREGOR_HOME (install directory).\n",
    );
    text
}

/// Finds the subcommand by name; `kafka-server-start.sh` and a symlink named after the
/// command (argv[0]) are accepted too.
pub fn find_command(name: &str) -> Option<&'static Command> {
    let base = Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name);
    let base = base.strip_suffix(".sh").unwrap_or(base);
    COMMANDS.iter().find(|c| c.name == base)
}

/// What `kafka-server-start`'s arguments ask for.
#[derive(Debug, PartialEq, Eq)]
pub enum ServerStart {
    /// No arguments or `--help`: print the usage and exit 1.
    Usage,
    /// `--version`: print the version and exit 0.
    Version,
    /// Start with this file and these overrides (in order; later wins).
    Run {
        /// The `server.properties` path.
        properties: PathBuf,
        /// `--override` pairs.
        overrides: Vec<(String, String)>,
    },
}

/// Why `kafka-server-start`'s arguments were rejected.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    /// Positional arguments after the file (joptsimple's non-option arguments).
    #[error("Found non argument parameters: {0}")]
    NonOptionArguments(String),
    /// An option Kafka does not define.
    #[error("{0} is not a recognized option")]
    UnrecognizedOption(String),
    /// `--override` as the last argument.
    #[error("Option override requires an argument")]
    MissingOverrideValue,
    /// An override with more than one `=` (Kafka's `parseKeyValueArgs`).
    #[error("Invalid command line properties: {0}")]
    InvalidProperties(String),
}

/// Parses `kafka-server-start`'s arguments like Kafka's `Kafka.getPropsFromArgs`.
pub fn parse_server_start_args(args: &[String]) -> Result<ServerStart, ArgsError> {
    // The script consumes `-daemon`; tolerate it when the binary is called directly.
    let args = match args.first() {
        Some(first) if first == "-daemon" => &args[1..],
        _ => args,
    };
    if args.is_empty() || args.iter().any(|a| a == "--help") {
        return Ok(ServerStart::Usage);
    }
    if args.iter().any(|a| a == "--version") {
        return Ok(ServerStart::Version);
    }
    let mut overrides_raw = Vec::new();
    let mut positional = Vec::new();
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        if let Some(value) = arg.strip_prefix("--override=") {
            overrides_raw.push(value.to_string());
        } else if arg == "--override" {
            overrides_raw.push(rest.next().ok_or(ArgsError::MissingOverrideValue)?.clone());
        } else if let Some(option) = arg.strip_prefix("--") {
            return Err(ArgsError::UnrecognizedOption(option.to_string()));
        } else {
            positional.push(arg.clone());
        }
    }
    if !positional.is_empty() {
        return Err(ArgsError::NonOptionArguments(positional.join(",")));
    }
    let overrides = parse_key_value_args(&overrides_raw)?;
    Ok(ServerStart::Run {
        properties: PathBuf::from(&args[0]),
        overrides,
    })
}

/// `k=v` pairs split like Java's `String.split("=")`: `k` and `k=` mean an empty value,
/// a second `=` with text after it is an error.
fn parse_key_value_args(raw: &[String]) -> Result<Vec<(String, String)>, ArgsError> {
    let mut pairs = Vec::new();
    for item in raw {
        let mut parts: Vec<&str> = item.split('=').collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        match parts.as_slice() {
            [] | [""] => {}
            [key] => pairs.push((key.to_string(), String::new())),
            [key, value] => pairs.push((key.to_string(), value.to_string())),
            _ => return Err(ArgsError::InvalidProperties(raw.join(" "))),
        }
    }
    Ok(pairs)
}

/// The directory holding `bin/`, `config/` and `logs/`: `$GREGOR_HOME`, else derived from
/// the executable (`<home>/target/<profile>/gregor` or `<home>/bin/gregor`), else `.`.
pub fn install_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("GREGOR_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    let exe = std::env::current_exe().ok();
    let exe_dir = exe.as_deref().and_then(Path::parent);
    match exe_dir {
        Some(dir)
            if dir
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "target") =>
        {
            dir.parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default()
        }
        Some(dir) => dir.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => PathBuf::from("."),
    }
}

/// Logs a start-up failure the way `kafka.Kafka.main` does before `Exit.exit(1)`.
fn fatal(exception: &str) -> i32 {
    log::error!(target: MAIN_LOGGER, exception = exception; "Exiting Kafka due to fatal exception");
    log::logger().flush();
    1
}

/// `gregor kafka-server-start`: load and validate the configuration, log it, run the broker
/// until SIGTERM/SIGINT.
pub fn run_server_start(args: &[String]) -> i32 {
    let (properties, overrides) = match parse_server_start_args(args) {
        Ok(ServerStart::Usage) => {
            eprintln!("{SERVER_START_USAGE}");
            eprint!("{SERVER_START_OPTIONS}");
            return 1;
        }
        Ok(ServerStart::Version) => {
            println!("2.4.1 (Commit:gregor-{})", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Ok(ServerStart::Run {
            properties,
            overrides,
        }) => (properties, overrides),
        Err(ArgsError::InvalidProperties(text)) => {
            eprintln!("Invalid command line properties: {text}");
            return 1;
        }
        Err(e @ ArgsError::NonOptionArguments(_)) => {
            eprintln!("{e}");
            eprint!("{SERVER_START_OPTIONS}");
            return 1;
        }
        Err(e) => {
            init_server_logging();
            return fatal(&format!("joptsimple.OptionException: {e}"));
        }
    };
    init_server_logging();
    let config = match KafkaConfig::load(&properties, &overrides) {
        Ok(config) => config,
        Err(e) => return fatal(&format!("{}: {e}", e.java_class())),
    };
    log::info!(target: "kafka.server.KafkaConfig", "{}", config.values_dump());
    for key in config.unknown_keys() {
        log::warn!(target: "kafka.server.KafkaConfig", "{}", KafkaConfig::unknown_key_warning(key));
    }
    crate::broker::run(config)
}

fn init_server_logging() {
    let log_dir = logging::log_dir_from_env(&install_dir());
    if let Err(e) = logging::init_server(&log_dir) {
        eprintln!(
            "gregor: cannot create log directory {}: {e}; logging to stdout only",
            log_dir.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_arguments_or_help_print_usage() {
        assert_eq!(parse_server_start_args(&[]).unwrap(), ServerStart::Usage);
        assert_eq!(
            parse_server_start_args(&args(&["-daemon"])).unwrap(),
            ServerStart::Usage
        );
        assert_eq!(
            parse_server_start_args(&args(&["x.properties", "--help"])).unwrap(),
            ServerStart::Usage
        );
        assert_eq!(
            parse_server_start_args(&args(&["--version"])).unwrap(),
            ServerStart::Version
        );
    }

    #[test]
    fn overrides_in_both_spellings_keep_their_order() {
        let parsed = parse_server_start_args(&args(&[
            "-daemon",
            "config/server.properties",
            "--override",
            "broker.id=1",
            "--override=listeners=PLAINTEXT://:9093",
            "--override",
            "broker.id=2",
            "--override",
            "empty=",
        ]))
        .unwrap();
        let ServerStart::Run {
            properties,
            overrides,
        } = parsed
        else {
            panic!("not a run: {parsed:?}")
        };
        assert_eq!(properties, PathBuf::from("config/server.properties"));
        assert_eq!(
            overrides,
            vec![
                ("broker.id".into(), "1".into()),
                ("listeners".into(), "PLAINTEXT://:9093".into()),
                ("broker.id".into(), "2".into()),
                ("empty".into(), "".into()),
            ]
        );
    }

    #[test]
    fn bad_arguments_are_reported_like_kafka() {
        let e = parse_server_start_args(&args(&["s.properties", "extra", "more"])).unwrap_err();
        assert_eq!(e.to_string(), "Found non argument parameters: extra,more");
        let e = parse_server_start_args(&args(&["s.properties", "--bogus"])).unwrap_err();
        assert_eq!(e.to_string(), "bogus is not a recognized option");
        let e = parse_server_start_args(&args(&["s.properties", "--override"])).unwrap_err();
        assert_eq!(e, ArgsError::MissingOverrideValue);
        let e =
            parse_server_start_args(&args(&["s.properties", "--override", "a=b=c"])).unwrap_err();
        assert_eq!(e.to_string(), "Invalid command line properties: a=b=c");
    }

    #[test]
    fn commands_are_found_by_name_script_name_or_path() {
        assert!(find_command("kafka-server-start").is_some());
        assert!(find_command("kafka-server-start.sh").is_some());
        assert!(find_command("/opt/gregor/bin/kafka-server-start").is_some());
        assert!(find_command("kafka-topics").is_some());
        assert!(find_command("kafka-no-such-tool").is_none());
        assert!(gregor_usage().contains("kafka-server-start"));
    }
}
