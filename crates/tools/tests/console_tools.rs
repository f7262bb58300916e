//! kafka-console-producer and kafka-console-consumer end to end against an in-process broker:
//! lines piped into the producer come back from the consumer as Kafka 2.4 prints them, and
//! option errors use Kafka's texts and exit codes. The in-process broker has no group
//! coordinator, so these consumers read with `--partition` (assign mode); group consumption is
//! tested against the real broker in `consumer_groups_real_broker.rs`.

mod console_support;

use std::io::Cursor;
use std::sync::atomic::Ordering;
use std::time::Duration;

use gregor_tools::console_consumer::run_console_consumer;
use gregor_tools::console_producer::partitioner::partition_for_key;
use gregor_tools::console_producer::run_console_producer;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn produce(args: &[&str], input: &str) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = Cursor::new(input.as_bytes().to_vec());
    let code = run_console_producer(&strings(args), &mut input, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn consume(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_console_consumer(&strings(args), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn piped_lines_come_back_with_from_beginning_and_max_messages() {
    let (_broker, addr) = console_support::start(1);
    let (code, out, err) = produce(
        &["--broker-list", &addr, "--topic", "first"],
        "one\ntwo\nthree\n",
    );
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out, ">>>>",
        "one prompt per line read, plus the one that reads EOF"
    );
    let (code, out, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "first",
        "--partition",
        "0",
        "--from-beginning",
        "--max-messages",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "one\ntwo\nthree\n");
    assert_eq!(err, "Processed a total of 3 messages\n");
}

#[test]
fn null_key_records_stick_to_one_partition_per_batch() {
    let (broker, addr) = console_support::start(4);
    let (code, _, _) = produce(
        &["--broker-list", &addr, "--topic", "sticky"],
        "a\nb\nc\nd\ne\n",
    );
    assert_eq!(code, 0);
    let sizes = broker.partition_sizes("sticky");
    // All five lines fit one batch (linger 1000 ms, batch.size 16384): one partition holds them.
    assert_eq!(
        sizes.iter().filter(|size| **size > 0).count(),
        1,
        "{sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<i64>(), 5);
}

#[test]
fn keys_are_parsed_partitioned_by_murmur2_and_printed() {
    let (broker, addr) = console_support::start(3);
    let args = [
        "--broker-list",
        &addr,
        "--topic",
        "keyed",
        "--property",
        "parse.key=true",
        "--property",
        "key.separator=:",
    ];
    let (code, _, err) = produce(&args, "k1:v1\nk2:v2\nk3:\n");
    assert_eq!((code, err.as_str()), (0, ""));
    let sizes = broker.partition_sizes("keyed");
    let mut expected = vec![0i64; 3];
    for key in ["k1", "k2", "k3"] {
        expected[partition_for_key(key.as_bytes(), 3) as usize] += 1;
    }
    assert_eq!(sizes, expected);
    let mut out = String::new();
    for partition in ["0", "1", "2"] {
        let (code, partition_out, _) = consume(&[
            "--bootstrap-server",
            &addr,
            "--topic",
            "keyed",
            "--partition",
            partition,
            "--from-beginning",
            "--timeout-ms",
            "300",
            "--property",
            "print.key=true",
            "--property",
            "key.separator=|",
            "--property",
            "print.timestamp=true",
        ]);
        assert_eq!(code, 0);
        out.push_str(&partition_out);
    }
    let stamp = regex::Regex::new(r"^CreateTime:\d{13}\|").unwrap();
    let lines: Vec<String> = sorted_lines(&out)
        .iter()
        .map(|l| stamp.replace(l, "").into_owned())
        .collect();
    assert_eq!(lines, vec!["k1|v1", "k2|v2", "k3|"]);
}

#[test]
fn a_line_without_separator_stops_the_producer_like_kafka() {
    let (_broker, addr) = console_support::start(1);
    let args = [
        "--broker-list",
        &addr,
        "--topic",
        "t",
        "--property",
        "parse.key=true",
    ];
    let (code, _, err) = produce(&args, "no separator here\n");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "org.apache.kafka.common.KafkaException: No key found on line 1: no separator here\n"
    );
    let ignore = [
        "--broker-list",
        &addr,
        "--topic",
        "t",
        "--property",
        "parse.key=true",
        "--property",
        "ignore.error=true",
    ];
    assert_eq!(produce(&ignore, "whole\n").0, 0);
}

#[test]
fn compression_codec_and_sync_mode_write_readable_batches() {
    let (broker, addr) = console_support::start(1);
    let args = [
        "--broker-list",
        &addr,
        "--topic",
        "z",
        "--compression-codec",
        "lz4",
        "--sync",
        "--request-required-acks",
        "all",
        "--timeout",
        "5",
    ];
    assert_eq!(produce(&args, "x\ny\n").0, 0);
    let bare = [
        "--broker-list",
        &addr,
        "--topic",
        "z",
        "--compression-codec",
    ];
    assert_eq!(produce(&bare, "gz\n").0, 0);
    assert_eq!(
        broker.codecs("z"),
        vec![3, 3, 1],
        "sync sends each line alone; bare flag = gzip"
    );
    let (_, out, _) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "z",
        "--partition",
        "0",
        "--offset",
        "1",
        "--max-messages",
        "2",
    ]);
    assert_eq!(out, "y\ngz\n");
}

#[test]
fn without_from_beginning_only_new_messages_are_seen() {
    let (broker, addr) = console_support::start(1);
    assert_eq!(
        produce(&["--broker-list", &addr, "--topic", "live"], "old\n").0,
        0
    );
    let consumer_addr = addr.clone();
    let consumer = std::thread::spawn(move || {
        consume(&[
            "--bootstrap-server",
            &consumer_addr,
            "--topic",
            "live",
            "--partition",
            "0",
            "--max-messages",
            "1",
        ])
    });
    // The partition's end offset is captured before anything new is produced.
    while broker.list_offsets_seen.load(Ordering::SeqCst) < 1 {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        produce(&["--broker-list", &addr, "--topic", "live"], "new\n").0,
        0
    );
    let (code, out, err) = consumer.join().unwrap();
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "new\n", "Processed a total of 1 messages\n")
    );
}

#[test]
fn timeout_ms_ends_an_idle_consumer_with_kafkas_error_line() {
    let (broker, addr) = console_support::start(1);
    broker.create_topic("quiet", 1);
    let (code, out, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "quiet",
        "--partition",
        "0",
        "--timeout-ms",
        "300",
    ]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("] ERROR Error processing message, terminating consumer process:  (kafka.tools.ConsoleConsumer$)\norg.apache.kafka.common.errors.TimeoutException\n"), "{err}");
    assert!(err.ends_with("Processed a total of 0 messages\n"));
}

#[test]
fn consumer_option_errors_use_kafkas_messages() {
    let first_line = |args: &[&str]| {
        let (code, _, err) = consume(args);
        (code, err.lines().next().unwrap_or_default().to_string())
    };
    assert_eq!(
        first_line(&["--topic", "t"]),
        (1, "Missing required argument \"[bootstrap-server]\"".into())
    );
    assert_eq!(
        first_line(&["--bootstrap-server", "h:1"]),
        (1, "Exactly one of whitelist/topic is required.".into())
    );
    assert_eq!(
        first_line(&["--bootstrap-server", "h:1", "--topic", "t", "--offset", "3"]),
        (
            1,
            "The partition is required when offset is specified.".into()
        )
    );
    assert_eq!(
        first_line(&[
            "--bootstrap-server",
            "h:1",
            "--topic",
            "t",
            "--partition",
            "0",
            "--offset",
            "3",
            "--from-beginning"
        ]),
        (
            1,
            "Options from-beginning and offset cannot be specified together.".into()
        )
    );
    assert_eq!(
        first_line(&["--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--offset", "-5"]),
        (1, "The provided offset value '-5' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.".into())
    );
    assert_eq!(
        first_line(&["--bootstrap-server", "h:1", "--topic", "t", "--group", "g", "--consumer-property", "group.id=h"]),
        (1, "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'g', 'h'".into())
    );
    let (code, out, err) = consume(&[]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with(
        "This tool helps to read data from Kafka topics and outputs it to standard output.\nOption"
    ));
}

#[test]
fn producer_option_errors_use_kafkas_messages() {
    let (code, out, err) = produce(&["--topic", "t"], "");
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("Missing required argument \"[broker-list]\"\n"),
        "{err}"
    );
    let (code, _, err) = produce(&["--topic", "t", "--broker-list", "nohost"], "");
    assert_eq!(code, 1);
    assert_eq!(err, "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: nohost\n");
    let (code, _, err) = produce(
        &[
            "--topic",
            "t",
            "--broker-list",
            "h:1",
            "--request-required-acks",
            "2",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.ends_with("ConfigException: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1\n"), "{err}");
}

#[test]
fn a_missing_partition_is_waited_for_until_the_timeout() {
    let (broker, addr) = console_support::start(1);
    broker.create_topic("one", 1);
    let (code, out, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "one",
        "--partition",
        "5",
        "--timeout-ms",
        "300",
    ]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        err.contains("org.apache.kafka.common.errors.TimeoutException\n"),
        "{err}"
    );
    assert!(err.ends_with("Processed a total of 0 messages\n"));
}

#[test]
fn read_committed_skips_aborted_transactions_and_markers() {
    use gregor_protocol::records::{
        end_transaction_marker_batch, ControlRecordType, RecordBatchBuilder,
    };
    let (broker, addr) = console_support::start(1);
    broker.create_topic("txn", 1);
    let transactional = |value: &[u8], sequence: i32| {
        RecordBatchBuilder::new()
            .producer(7, 0, sequence)
            .transactional(true)
            .append(1, None, Some(value), &[])
            .build()
            .unwrap()
    };
    broker.append_raw(
        "txn",
        0,
        &RecordBatchBuilder::new()
            .append(1, None, Some(b"plain"), &[])
            .build()
            .unwrap(),
    );
    broker.append_raw("txn", 0, &transactional(b"aborted", 0));
    broker.append_raw(
        "txn",
        0,
        &end_transaction_marker_batch(7, 0, ControlRecordType::Abort, 0, 2).unwrap(),
    );
    broker.append_raw("txn", 0, &transactional(b"committed", 1));
    broker.append_raw(
        "txn",
        0,
        &end_transaction_marker_batch(7, 0, ControlRecordType::Commit, 0, 3).unwrap(),
    );
    let base = [
        "--bootstrap-server",
        &addr,
        "--topic",
        "txn",
        "--partition",
        "0",
        "--from-beginning",
        "--timeout-ms",
        "300",
    ];
    let (_, committed, _) =
        consume(&[&base[..], &["--isolation-level", "read_committed"]].concat());
    assert_eq!(committed, "plain\ncommitted\n");
    let (_, everything, err) = consume(&base);
    assert_eq!(
        everything, "plain\naborted\ncommitted\n",
        "markers are never printed"
    );
    assert!(err.ends_with("Processed a total of 3 messages\n"));
}
