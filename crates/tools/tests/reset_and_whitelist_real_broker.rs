//! `kafka-consumer-groups --reset-offsets` by time (`--to-datetime`, `--by-duration`) and from
//! a file (`--from-file`), and `kafka-console-consumer --whitelist`, against the real `gregor`
//! broker on a real ZooKeeper (§5.3, §5.4). Skipped (SKIPPED on stderr) without ZooKeeper or a
//! broker binary, unless `GREGOR_REQUIRE_BROKER=1`.

mod real_broker;

use std::io::Cursor;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gregor_tools::console_producer::run_console_producer;
use gregor_zk::test_support::TestZooKeeper;
use real_broker::{consume, groups, sorted, strings, text};

fn produce(addr: &str, topic: &str, lines: &str) {
    let args = strings(&["--broker-list", addr, "--topic", topic]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = Cursor::new(lines.as_bytes().to_vec());
    let code = run_console_producer(&args, &mut input, &mut out, &mut err);
    assert_eq!(code, 0, "{}", text(err));
}

/// Now as `YYYY-MM-DDTHH:mm:SS.sss` in UTC (what `--to-datetime` reads without a zone).
fn utc_now_text() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (days, day_ms) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1_000 % 60,
        day_ms % 1_000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}")
}

/// The NEW-OFFSET column of a plan table.
fn new_offsets(table: &str) -> Vec<String> {
    table
        .lines()
        .skip_while(|line| !line.starts_with("GROUP "))
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(3).map(str::to_string))
        .collect()
}

#[test]
fn offsets_reset_by_datetime_by_duration_and_from_an_exported_file() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 1);
    produce(&addr, "events", "a\nb\n");
    std::thread::sleep(Duration::from_millis(100));
    let between = utc_now_text();
    std::thread::sleep(Duration::from_millis(100));
    produce(&addr, "events", "c\nd\n");
    // The group commits offset 4 and goes Empty.
    let (code, out, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "events",
        "--group",
        "g",
        "--from-beginning",
        "--max-messages",
        "4",
    ]);
    assert_eq!((code, sorted(&out)), (0, vec!["a", "b", "c", "d"]), "{err}");
    let reset = |scenario: &[&str]| {
        let mut args = vec![
            "--bootstrap-server",
            &addr,
            "--reset-offsets",
            "--group",
            "g",
            "--topic",
            "events",
            "--dry-run",
        ];
        args.extend_from_slice(scenario);
        groups(&args)
    };

    // §5.4 --to-datetime between the batches: the first record of the second batch.
    let (code, out, err) = reset(&["--to-datetime", &between]);
    assert_eq!(
        (code, new_offsets(&out)),
        (0, vec!["2".to_string()]),
        "{out}{err}"
    );
    // --by-duration PT0S is now: no record at or after it, so the log end.
    let (_, out, _) = reset(&["--by-duration", "PT0S"]);
    assert_eq!(new_offsets(&out), vec!["4"], "{out}");
    // A day ago is before every record: the beginning.
    let (_, out, _) = reset(&["--by-duration", "P1D"]);
    assert_eq!(new_offsets(&out), vec!["0"], "{out}");
    // Malformed values fail as Kafka's parsers do, printed by the command's error handler.
    let (code, out, _) = reset(&["--by-duration", "1H"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "\nError: Executing consumer group command failed due to Text cannot be parsed to a Duration\n")
    );
    let (_, out, _) = reset(&["--to-datetime", "2020-01-01T00:00:00"]);
    assert_eq!(
        out,
        "\nError: Executing consumer group command failed due to Unparseable date: \"2020-01-01T00:00:00Z\"\n"
    );

    // --export writes the plan as CSV; --from-file --execute (no scope needed) commits it.
    let (_, exported, _) = reset(&["--to-datetime", &between, "--export"]);
    assert_eq!(exported, "events,0,2\n\n");
    let file = dir.path().join("plan.csv");
    std::fs::write(&file, &exported).unwrap();
    let path = file.display().to_string();
    let (code, out, err) = groups(&[
        "--bootstrap-server",
        &addr,
        "--reset-offsets",
        "--group",
        "g",
        "--from-file",
        &path,
        "--execute",
    ]);
    assert_eq!(
        (code, new_offsets(&out)),
        (0, vec!["2".to_string()]),
        "{out}{err}"
    );
    let (code, out, _) = consume(&[
        "--bootstrap-server",
        &addr,
        "--topic",
        "events",
        "--group",
        "g",
        "--max-messages",
        "2",
    ]);
    assert_eq!(
        (code, sorted(&out)),
        (0, vec!["c", "d"]),
        "the group resumes at the file's offset"
    );
    let (_, out, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--reset-offsets",
        "--group",
        "g",
        "--from-file",
        "/nonexistent/plan.csv",
    ]);
    assert_eq!(
        out,
        "\nError: Executing consumer group command failed due to /nonexistent/plan.csv\n"
    );
}

#[test]
fn a_whitelist_reads_every_matching_topic_and_picks_up_new_ones() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 1);
    produce(&addr, "orders-eu", "eu-1\n");
    produce(&addr, "orders-us", "us-1\n");
    produce(&addr, "payments", "pay-1\n");
    // A whole-name match: `orders-.*` does not match `my-orders-x`.
    produce(&addr, "my-orders-x", "x-1\n");

    // §5.3 --whitelist: both matching topics, not the others.
    let (code, out, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--whitelist",
        "orders-.*",
        "--from-beginning",
        "--timeout-ms",
        "8000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sorted(&out), vec!["eu-1", "us-1"], "{err}");

    // A topic created while it runs joins the subscription at the next metadata refresh.
    let consumer_addr = addr.clone();
    let running = std::thread::spawn(move || {
        consume(&[
            "--bootstrap-server",
            &consumer_addr,
            "--whitelist",
            "orders-.*",
            "--from-beginning",
            "--group",
            "wl",
            "--max-messages",
            "3",
            "--timeout-ms",
            "30000",
            "--consumer-property",
            "metadata.max.age.ms=500",
        ])
    });
    std::thread::sleep(Duration::from_secs(4));
    produce(&addr, "orders-asia", "asia-1\n");
    let (code, out, err) = running.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(sorted(&out), vec!["asia-1", "eu-1", "us-1"], "{err}");

    // Exactly one of --topic / --whitelist.
    let (code, _, err) = consume(&[
        "--bootstrap-server",
        &addr,
        "--whitelist",
        "orders-.*",
        "--topic",
        "payments",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Exactly one of whitelist/topic is required.\n"),
        "{err}"
    );
}
