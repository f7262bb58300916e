//! `bin/kafka-server-start.sh` and the real `gregor` binary, as a user runs them: usage on no
//! arguments, start-up stopped by a bad `server.properties` with a message naming the key,
//! the `KafkaConfig values:` dump in Kafka's log format on stdout and in `logs/server.log`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;

const GREGOR: &str = env!("CARGO_BIN_EXE_gregor");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `bin/kafka-server-start.sh` with the binary under test and a private log dir.
/// `zookeeper.connect=127.0.0.1:<port>` for a port nothing listens on (a ZooKeeper on the
/// stock localhost:2181 would make start-up go further than these tests mean to).
fn closed_zookeeper() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("zookeeper.connect=127.0.0.1:{port}")
}

fn server_start_script(args: &[&str], log_dir: &Path) -> Output {
    Command::new(repo_root().join("bin/kafka-server-start.sh"))
        .args(args)
        .env("GREGOR_BIN", GREGOR)
        .env("LOG_DIR", log_dir)
        .env_remove("GREGOR_LOG")
        .output()
        .unwrap()
}

fn gregor(args: &[&str], log_dir: &Path) -> Output {
    Command::new(GREGOR)
        .args(args)
        .env("LOG_DIR", log_dir)
        .env_remove("GREGOR_LOG")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("server.properties");
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn script_without_arguments_prints_its_usage_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = server_start_script(&[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("USAGE: "), "{}", text(&out));
    assert!(text(&out).contains("[-daemon] server.properties [--override property=value]*"));
}

#[test]
fn binary_without_arguments_prints_kafkas_usage_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = gregor(&["kafka-server-start"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(
        "USAGE: java [options] KafkaServer server.properties [--override property=value]*\n"
    ));
}

#[test]
fn missing_zookeeper_connect_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "broker.id=0\nlog.dirs=/tmp/kafka-logs\n");
    let out = server_start_script(&[config.to_str().unwrap()], &dir.path().join("logs"));
    assert_ne!(out.status.code(), Some(0));
    let all = text(&out);
    assert!(all.contains(
        "org.apache.kafka.common.config.ConfigException: Missing required configuration \"zookeeper.connect\" which has no default value."
    ), "{all}");
    let line = Regex::new(r"(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] ERROR Exiting Kafka due to fatal exception \(kafka\.Kafka\$\)$").unwrap();
    assert!(line.is_match(&all), "{all}");
}

#[test]
fn invalid_num_partitions_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "zookeeper.connect=localhost:2181\nnum.partitions=abc\n",
    );
    let out = server_start_script(&[config.to_str().unwrap()], &dir.path().join("logs"));
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out)
        .contains("Invalid value abc for configuration num.partitions: Not a number of type INT"));

    // The same error through an override, which wins over the file.
    let good = write_config(
        dir.path(),
        "zookeeper.connect=localhost:2181\nnum.partitions=3\n",
    );
    let out = server_start_script(
        &[good.to_str().unwrap(), "--override", "num.partitions=-1"],
        &dir.path().join("logs"),
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out)
        .contains("Invalid value -1 for configuration num.partitions: Value must be at least 1"));
}

#[test]
fn missing_properties_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = gregor(
        &["kafka-server-start", "/no/such/server.properties"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("java.io.FileNotFoundException: /no/such/server.properties"));
}

#[test]
fn valid_config_logs_values_and_unknown_keys_then_reports_zookeeper_down() {
    let closed_zookeeper = closed_zookeeper();
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    let stock = repo_root().join("config/server.properties");
    let out = server_start_script(
        &[
            stock.to_str().unwrap(),
            "--override",
            "broker.id=7",
            "--override",
            "made.up.key=1",
            "--override",
            "zookeeper.connection.timeout.ms=1000",
            "--override",
            &closed_zookeeper,
        ],
        &log_dir,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "no ZooKeeper listening: start-up must fail"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let dump = Regex::new(r"(?m)^\[[-\d :,]+\] INFO KafkaConfig values: $").unwrap();
    assert!(dump.is_match(&stdout), "{stdout}");
    assert!(stdout.contains("\tbroker.id = 7\n"));
    assert!(stdout.contains(&format!(
        "\tzookeeper.connect = {}\n",
        &closed_zookeeper["zookeeper.connect=".len()..]
    )));
    assert!(stdout.contains("\tgroup.initial.rebalance.delay.ms = 0\n"));
    assert!(stdout.contains("\tzookeeper.sync.time.ms = 2000\n (kafka.server.KafkaConfig)\n"));
    assert!(stdout.contains(
        "WARN The configuration 'made.up.key' was supplied but isn't a known config. (kafka.server.KafkaConfig)"
    ));
    assert!(text(&out).contains("Timed out waiting for connection while in state: CONNECTING"));
    let server_log = std::fs::read_to_string(log_dir.join("server.log")).unwrap();
    assert!(
        server_log.contains("INFO KafkaConfig values: \n"),
        "{server_log}"
    );
}

#[test]
fn daemon_mode_runs_in_the_background_with_console_output_in_log_dir() {
    let closed_zookeeper = closed_zookeeper();
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    let stock = repo_root().join("config/server.properties");
    let out = server_start_script(
        &[
            "-daemon",
            stock.to_str().unwrap(),
            "--override",
            "zookeeper.connection.timeout.ms=1000",
            "--override",
            &closed_zookeeper,
        ],
        &log_dir,
    );
    // The script returns at once; the broker's console goes to kafkaServer.out.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let console = log_dir.join("kafkaServer.out");
    let finished = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::read_to_string(&console)
            .is_ok_and(|t| t.contains("Timed out waiting for connection"))
    });
    let content = std::fs::read_to_string(&console).unwrap_or_default();
    assert!(
        finished,
        "kafkaServer.out never showed the outcome: {content}"
    );
    assert!(content.contains("INFO KafkaConfig values: \n"));
}
