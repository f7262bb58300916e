//! The console tools, dump-log and the perf tools against the real `gregor` broker on a real
//! ZooKeeper (the tutorial session): lines piped into the console producer come back from the
//! console consumer, the segment they landed in dumps in Kafka's format, and the perf tools
//! move every record.
//!
//! The broker comes from `real_broker` (`$GREGOR_BIN` or the workspace build); like
//! `TestZooKeeper::start_or_skip`, the test says SKIPPED on stderr and returns when ZooKeeper
//! or the binary is missing, unless `GREGOR_REQUIRE_BROKER=1`. The console consumer reads the
//! whole topic in a (random) consumer group, so this also covers group subscription.

mod real_broker;

use std::io::Cursor;

use gregor_tools::console_consumer::run_console_consumer;
use gregor_tools::console_producer::run_console_producer;
use gregor_tools::dump_log::run_dump_log;
use gregor_tools::perf::{run_consumer_perf_test, run_producer_perf_test};
use gregor_zk::test_support::TestZooKeeper;
use real_broker::strings;

#[test]
fn tutorial_session_against_the_real_broker() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 3);

    let args = strings(&[
        "--broker-list",
        &addr,
        "--topic",
        "first",
        "--property",
        "parse.key=true",
        "--property",
        "key.separator=:",
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = Cursor::new(b"k:hello\nk:world\nk:again\n".to_vec());
    assert_eq!(
        run_console_producer(&args, &mut input, &mut out, &mut err),
        0,
        "{}",
        String::from_utf8_lossy(&err)
    );
    assert_eq!(out, b">>>>");

    let args = strings(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "first",
        "--from-beginning",
        "--max-messages",
        "3",
        "--property",
        "print.key=true",
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run_console_consumer(&args, &mut out, &mut err), 0);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "k\thello\nk\tworld\nk\tagain\n",
        "one key, one partition, in order"
    );
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "Processed a total of 3 messages\n"
    );

    // The keyed records are in one partition's segment; dump it.
    let segment = (0..3)
        .map(|p| {
            dir.path()
                .join(format!("data/first-{p}/00000000000000000000.log"))
        })
        .find(|path| {
            std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false)
        })
        .expect("a non-empty segment");
    let segment = segment.display().to_string();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        run_dump_log(
            &strings(&["--files", &segment, "--print-data-log"]),
            &mut out,
            &mut err
        ),
        0
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(&format!(
            "Dumping {segment}\nStarting offset: 0\nbaseOffset: 0 lastOffset: 2 count: 3 "
        )),
        "{text}"
    );
    assert!(text.contains("| offset: 2 CreateTime: "), "{text}");
    assert!(
        text.ends_with(
            "keysize: 1 valuesize: 5 sequence: -1 headerKeys: [] key: k payload: again\n"
        ),
        "{text}"
    );

    let servers = format!("bootstrap.servers={addr}");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = strings(&[
        "--topic",
        "perf",
        "--num-records",
        "5000",
        "--record-size",
        "100",
        "--throughput",
        "-1",
        "--producer-props",
        &servers,
        "acks=1",
    ]);
    assert_eq!(run_producer_perf_test(&args, &mut out, &mut err), 0);
    assert!(String::from_utf8(out)
        .unwrap()
        .starts_with("5000 records sent, "));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = strings(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "perf",
        "--messages",
        "5000",
        "--hide-header",
    ]);
    assert_eq!(run_consumer_perf_test(&args, &mut out, &mut err), 0);
    assert!(
        String::from_utf8(out).unwrap().contains(", 0.4768, "),
        "5000 x 100 bytes = 0.4768 MB"
    );
}
