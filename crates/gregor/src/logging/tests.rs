//! The logger as an operator sees it: line format, logger names, levels, file routing.

use super::*;
use chrono::TimeZone;

#[test]
fn line_format_matches_kafkas_log4j_pattern() {
    let time = Local.with_ymd_and_hms(2020, 4, 18, 10, 26, 27).unwrap()
        + chrono::Duration::milliseconds(441);
    let line = format_line(
        time,
        Level::Info,
        "[KafkaServer id=1005] started",
        "kafka.server.KafkaServer",
        None,
    );
    assert_eq!(
        line,
        "[2020-04-18 10:26:27,441] INFO [KafkaServer id=1005] started (kafka.server.KafkaServer)\n"
    );
    let re = regex::Regex::new(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR) .* \([\w.$]+\)\n$").unwrap();
    assert!(re.is_match(&format_line(
        Local::now(),
        Level::Warn,
        "x",
        "kafka.server.KafkaConfig",
        None
    )));
}

#[test]
fn exceptions_follow_the_line() {
    let line = format_line(
        Local::now(),
        Level::Error,
        "Exiting Kafka due to fatal exception",
        "kafka.Kafka$",
        Some("java.lang.IllegalArgumentException: bad"),
    );
    assert!(line.ends_with(" ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)\njava.lang.IllegalArgumentException: bad\n"));
}

#[test]
fn logger_names() {
    assert_eq!(
        logger_name("kafka.server.KafkaServer"),
        "kafka.server.KafkaServer"
    );
    assert_eq!(
        logger_name("gregor::config::build"),
        "kafka.server.KafkaConfig"
    );
    assert_eq!(
        logger_name("gregor_zk::client"),
        "kafka.zookeeper.ZooKeeperClient"
    );
    assert_eq!(logger_name("some_crate::module"), "some_crate.module");
}

#[test]
fn directives_pick_the_longest_matching_prefix() {
    let d = Directives::parse(
        LevelFilter::Info,
        "warn, kafka.server=debug, kafka.server.KafkaApis=error, junk=notalevel",
    );
    assert_eq!(d.level_for("kafka.network.Processor"), LevelFilter::Warn);
    assert_eq!(d.level_for("kafka.server.KafkaServer"), LevelFilter::Debug);
    assert_eq!(d.level_for("kafka.server.KafkaApis"), LevelFilter::Error);
    assert_eq!(
        d.level_for("kafka.serverX"),
        LevelFilter::Warn,
        "prefix must end at a dot"
    );
    assert_eq!(
        d.level_for("kafka.controller.KafkaController"),
        LevelFilter::Trace
    );
    assert_eq!(d.max_level(), LevelFilter::Trace);
    assert_eq!(
        Directives::parse(LevelFilter::Info, "").level_for("kafka.Kafka$"),
        LevelFilter::Info
    );
}

#[test]
fn controller_and_state_change_lines_stay_out_of_server_log() {
    let dir = tempfile::tempdir().unwrap();
    let directives = Directives::parse(LevelFilter::Info, "");
    let logger = KafkaLogger::server(directives, Console::Stderr, Some(dir.path()));
    let emit = |target: &str, level: Level, message: &str| {
        logger.log(
            &Record::builder()
                .target(target)
                .level(level)
                .args(format_args!("{message}"))
                .build(),
        );
    };
    emit(
        "kafka.server.KafkaServer",
        Level::Info,
        "[KafkaServer id=0] started",
    );
    emit(
        "kafka.controller.KafkaController",
        Level::Trace,
        "controller trace",
    );
    emit("state.change.logger", Level::Trace, "state change");
    emit(
        "kafka.network.RequestChannel$",
        Level::Warn,
        "request warning",
    );
    emit("kafka.server.KafkaServer", Level::Debug, "filtered out");
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).unwrap();
    let server = read("server.log");
    assert!(
        server.ends_with("INFO [KafkaServer id=0] started (kafka.server.KafkaServer)\n"),
        "{server}"
    );
    assert_eq!(server.lines().count(), 1, "{server}");
    assert!(read("controller.log")
        .contains("TRACE controller trace (kafka.controller.KafkaController)"));
    assert!(read("state-change.log").contains("TRACE state change (state.change.logger)"));
    assert!(
        read("kafka-request.log").contains("WARN request warning (kafka.network.RequestChannel$)")
    );
    assert_eq!(read("log-cleaner.log"), "");
}

#[test]
fn separate_files_match_whole_logger_names() {
    assert_eq!(
        separate_file("kafka.controller.KafkaController"),
        Some("controller.log")
    );
    assert_eq!(separate_file("kafka.controllerX"), None);
    assert_eq!(
        separate_file("kafka.log.LogCleaner$CleanerThread"),
        Some("log-cleaner.log")
    );
    assert_eq!(separate_file("kafka.server.KafkaServer"), None);
}
