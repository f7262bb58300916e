//! kafka-producer-perf-test and kafka-consumer-perf-test against an in-process broker: the
//! records really arrive, and the result lines have Kafka 2.4's shape.

mod console_support;

use gregor_tools::perf::{run_consumer_perf_test, run_producer_perf_test};
use regex::Regex;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn producer_perf(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_producer_perf_test(&strings(args), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn consumer_perf(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_consumer_perf_test(&strings(args), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn producer_then_consumer_perf_move_every_record() {
    let (broker, addr) = console_support::start(4);
    let servers = format!("bootstrap.servers={addr}");
    let (code, out, err) = producer_perf(&[
        "--topic",
        "perf",
        "--num-records",
        "3000",
        "--record-size",
        "100",
        "--throughput",
        "-1",
        "--producer-props",
        &servers,
        "acks=1",
        "linger.ms=5",
        "batch.size=4096",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let total = Regex::new(r"^3000 records sent, \d+\.\d{6} records/sec \(\d+\.\d{2} MB/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$").unwrap();
    assert!(total.is_match(out.lines().last().unwrap()), "{out}");
    assert_eq!(broker.record_count("perf"), 3000);
    assert!(
        broker
            .partition_sizes("perf")
            .iter()
            .filter(|s| **s > 0)
            .count()
            > 1,
        "batches move between partitions"
    );

    let (code, out, err) = consumer_perf(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "perf",
        "--messages",
        "3000",
        "--timeout",
        "5000",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
    let result = Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0\.2861, (?:[\d.]+|Infinity), 3000, (?:[\d.]+|Infinity), 0, \d+, (?:[\d.]+|Infinity), (?:[\d.]+|Infinity)$").unwrap();
    assert!(result.is_match(lines[1]), "{out}");
    assert_eq!(lines.len(), 2);
}

#[test]
fn consumer_perf_warns_when_the_timeout_ends_it_early() {
    let (broker, addr) = console_support::start(1);
    broker.create_topic("few", 1);
    let (code, out, _) = consumer_perf(&[
        "--broker-list",
        &addr,
        "--topic",
        "few",
        "--messages",
        "10",
        "--timeout",
        "200",
        "--hide-header",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "WARNING: Exiting before consuming the expected number of messages: timeout (200 ms) exceeded. You can use the --timeout option to increase the timeout.");
    assert!(
        lines[1].contains(", 0.0000, 0.0000, 0, 0.0000, 0, "),
        "{out}"
    );
}

#[test]
fn payload_file_records_come_from_the_file() {
    let (broker, addr) = console_support::start(1);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payloads.txt");
    std::fs::write(&file, "alpha\nbeta\ngamma\n").unwrap();
    let servers = format!("bootstrap.servers={addr}");
    let (code, out, _) = producer_perf(&[
        "--topic",
        "p",
        "--num-records",
        "20",
        "--payload-file",
        file.to_str().unwrap(),
        "--throughput",
        "1000",
        "--producer-props",
        &servers,
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!(
            "Reading payloads from: {}\nNumber of messages read: 3\n",
            file.display()
        )),
        "{out}"
    );
    assert_eq!(broker.record_count("p"), 20);
}

#[test]
fn perf_option_errors_follow_argparse_and_kafka() {
    let (code, _, err) = producer_perf(&[
        "--topic",
        "t",
        "--num-records",
        "1",
        "--record-size",
        "1",
        "--producer-props",
        "bootstrap.servers=h:1",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with("producer-performance: error: argument --throughput is required\n"),
        "{err}"
    );
    let (code, _, err) = producer_perf(&[
        "--topic",
        "t",
        "--num-records",
        "1",
        "--record-size",
        "1",
        "--throughput",
        "1",
    ]);
    assert_eq!(code, 1);
    assert!(err.ends_with("producer-performance: error: Either --producer-props or --producer.config must be specified.\n"));
    let (code, _, err) = producer_perf(&[
        "--topic",
        "t",
        "--num-records",
        "1",
        "--throughput",
        "1",
        "--producer-props",
        "a=b",
    ]);
    assert_eq!(code, 1);
    assert!(err.ends_with("error: one of the arguments --record-size --payload-file is required\n"));
    let (code, _, err) = consumer_perf(&["--bootstrap-server", "h:1", "--topic", "t"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Missing required argument \"[messages]\""));
}
