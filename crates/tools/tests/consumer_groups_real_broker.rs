//! Consumer groups end to end: kafka-console-consumer `--group` and kafka-consumer-groups against
//! the real `gregor` broker (with its group coordinator) on a real ZooKeeper. Each test names the
//! Kafka 2.4 behaviour it checks (§5.3, §5.4, §6). Skipped (SKIPPED on stderr) without ZooKeeper
//! or a broker binary, unless `GREGOR_REQUIRE_BROKER=1`.

mod real_broker;

use std::io::Cursor;
use std::time::{Duration, Instant};

use gregor_tools::console_producer::partitioner::partition_for_key;
use gregor_tools::console_producer::run_console_producer;
use gregor_zk::test_support::TestZooKeeper;
use real_broker::{consume, groups, sorted, strings, text};

/// Produces `key:value` lines (keys pick the partitions, murmur2 as Kafka's producer).
fn produce_keyed(addr: &str, topic: &str, lines: &str) {
    let args = strings(&[
        "--broker-list",
        addr,
        "--topic",
        topic,
        "--property",
        "parse.key=true",
        "--property",
        "key.separator=:",
    ]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input = Cursor::new(lines.as_bytes().to_vec());
    let code = run_console_producer(&args, &mut input, &mut out, &mut err);
    assert_eq!(code, 0, "{}", text(err));
}

/// A key that the default partitioner puts in `partition` of a 2-partition topic.
fn key_for(partition: i32, skip: usize) -> String {
    (0..)
        .map(|n| format!("k{n}"))
        .filter(|key| partition_for_key(key.as_bytes(), 2) == partition)
        .nth(skip)
        .unwrap()
}

/// Polls `check` until it holds or 60 s pass.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The data rows of a `--describe` table (after the header), split on whitespace.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip_while(|line| !line.starts_with("GROUP "))
        .skip(1)
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn a_group_resumes_from_its_commits_and_the_group_tool_lists_describes_resets_and_deletes() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 2);
    let (a0, a1, b0) = (key_for(0, 0), key_for(1, 0), key_for(0, 1));
    produce_keyed(
        &addr,
        "orders",
        &format!("{a0}:one\n{a1}:two\n{b0}:three\n"),
    );
    let group_args = |extra: &[&str]| {
        let mut args = vec![
            "--bootstrap-server",
            &addr,
            "--topic",
            "orders",
            "--group",
            "shop",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let args = group_args(extra);
        consume(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // §5.3: a named group starts at the earliest offset with --from-beginning and auto-commits
    // (enable.auto.commit defaults to true with --group) on exit.
    let (code, out, err) = run(&["--from-beginning", "--max-messages", "3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sorted(&out), vec!["one", "three", "two"]);
    assert_eq!(err, "Processed a total of 3 messages\n");

    // §5.4 --list shows the group; --describe of the now-Empty group shows its commits.
    let (code, out, _) = groups(&["--bootstrap-server", &addr, "--list"]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|line| line == "shop"), "{out}");
    produce_keyed(&addr, "orders", &format!("{a1}:four\n{b0}:five\n"));
    let (code, out, err) = groups(&["--bootstrap-server", &addr, "--describe", "--group", "shop"]);
    assert_eq!(code, 0);
    assert_eq!(err, "\nConsumer group 'shop' has no active members.\n");
    assert!(out.starts_with("\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"), "{out}");
    let expected_rows = vec![
        strings(&["shop", "orders", "0", "2", "3", "1", "-", "-", "-"]),
        strings(&["shop", "orders", "1", "1", "2", "1", "-", "-", "-"]),
    ];
    assert_eq!(rows(&out), expected_rows, "{out}");

    // §5.3: the same group again, even with --from-beginning, reads only what was not committed.
    let (code, out, _) = run(&["--from-beginning", "--timeout-ms", "5000"]);
    assert_eq!(code, 0);
    assert_eq!(sorted(&out), vec!["five", "four"]);

    // §5.4 --reset-offsets --to-earliest: a dry run plans, --execute commits; then a consumer of
    // the group reads everything again.
    let reset = [
        "--bootstrap-server",
        &addr,
        "--reset-offsets",
        "--group",
        "shop",
        "--topic",
        "orders",
        "--to-earliest",
    ];
    let (code, out, err) = groups(&reset);
    assert_eq!(code, 0);
    assert!(
        err.starts_with("WARN: No action will be performed as the --execute option is missing.")
    );
    let plan = "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \nshop                           orders                         0          0              \nshop                           orders                         1          0              \n";
    assert_eq!(out, plan);
    let (_, out, _) = groups(&["--bootstrap-server", &addr, "--describe", "--group", "shop"]);
    assert_eq!(rows(&out)[0][3], "3", "a dry run commits nothing");
    let (code, out, err) = groups(&[&reset[..], &["--execute"]].concat());
    assert_eq!((code, out.as_str(), err.as_str()), (0, plan, ""));
    let (code, out, _) = run(&["--max-messages", "5"]);
    assert_eq!(code, 0);
    assert_eq!(sorted(&out), vec!["five", "four", "one", "three", "two"]);

    // §5.4 --delete removes the group: no longer listed, described as not existing.
    let (code, out, _) = groups(&["--bootstrap-server", &addr, "--delete", "--group", "shop"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "Deletion of requested consumer groups ('shop') was successful.\n"
    );
    let (_, out, _) = groups(&["--bootstrap-server", &addr, "--list"]);
    assert!(!out.lines().any(|line| line == "shop"), "{out}");
    let (code, out, _) = groups(&["--bootstrap-server", &addr, "--describe", "--group", "shop"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "\nError: Consumer group 'shop' does not exist.\n")
    );
}

#[test]
fn two_console_consumers_in_one_group_split_a_two_partition_topic() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 2);
    // Nothing is produced before both members own their partition, so --from-beginning (offset
    // 0) is where each starts, however late it looked its position up.
    let spawn_consumer = |addr: String| {
        std::thread::spawn(move || {
            consume(&[
                "--bootstrap-server",
                &addr,
                "--topic",
                "split",
                "--group",
                "pair",
                "--from-beginning",
                "--max-messages",
                "3",
                "--timeout-ms",
                "30000",
            ])
        })
    };
    let first = spawn_consumer(addr.clone());
    let describe_members = || {
        groups(&[
            "--bootstrap-server",
            &addr,
            "--describe",
            "--group",
            "pair",
            "--members",
        ])
        .1
    };
    eventually("the first member", || rows(&describe_members()).len() == 1);
    let second = spawn_consumer(addr.clone());
    // §6.5 range: after the rebalance each of the two members owns one partition.
    eventually("two members with one partition each", || {
        let members = rows(&describe_members());
        members.len() == 2
            && members
                .iter()
                .all(|row| row.get(4).map(String::as_str) == Some("1"))
    });
    let (_, state, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--describe",
        "--group",
        "pair",
        "--state",
    ]);
    let state_row = &rows(&state)[0];
    assert_eq!(
        &state_row[state_row.len() - 3..],
        &strings(&["range", "Stable", "2"]),
        "{state}"
    );
    let (_, verbose, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--describe",
        "--group",
        "pair",
        "--members",
        "--verbose",
    ]);
    let mut assignments: Vec<String> = rows(&verbose).iter().map(|row| row[5].clone()).collect();
    assignments.sort();
    assert_eq!(assignments, strings(&["split(0)", "split(1)"]), "{verbose}");

    // Three records for each partition: each consumer gets exactly one partition's records.
    let lines: String = (0..3)
        .flat_map(|n| {
            [
                format!("{}:p0-{n}\n", key_for(0, n)),
                format!("{}:p1-{n}\n", key_for(1, n)),
            ]
        })
        .collect();
    produce_keyed(&addr, "split", &lines);
    let outputs = [first.join().unwrap(), second.join().unwrap()];
    let mut seen: Vec<Vec<&str>> = outputs.iter().map(|(_, out, _)| sorted(out)).collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![vec!["p0-0", "p0-1", "p0-2"], vec!["p1-0", "p1-1", "p1-2"]]
    );
    for (code, _, err) in &outputs {
        assert_eq!(*code, 0);
        assert_eq!(err, "Processed a total of 3 messages\n");
    }
}

#[test]
fn delete_offsets_removes_a_topics_commits_and_reports_each_partition() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let Some(binary) = real_broker::binary_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_broker, addr) = real_broker::start_broker(&binary, dir.path(), &zk.connect_string(), 2);
    let (a, b) = (key_for(0, 0), key_for(1, 0));
    produce_keyed(&addr, "kept", &format!("{a}:x\n{b}:y\n"));
    produce_keyed(&addr, "dropped", &format!("{a}:x\n{b}:y\n"));
    for topic in ["kept", "dropped"] {
        let (code, out, err) = consume(&[
            "--bootstrap-server",
            &addr,
            "--topic",
            topic,
            "--group",
            "cleaner",
            "--from-beginning",
            "--max-messages",
            "2",
            "--timeout-ms",
            "20000",
        ]);
        assert_eq!((code, sorted(&out)), (0, vec!["x", "y"]), "{err}");
    }
    let (code, out, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--delete-offsets",
        "--group",
        "cleaner",
        "--topic",
        "dropped",
        "--topic",
        "missing",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "Request succeed for deleting offsets with topic dropped, missing group cleaner\n\n\
         TOPIC                          PARTITION       STATUS         \n\
         dropped                        0               Successful     \n\
         dropped                        1               Successful     \n\
         missing                        Not Provided    Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n"
    );
    let (_, described, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--describe",
        "--group",
        "cleaner",
    ]);
    assert!(described.contains("cleaner         kept"), "{described}");
    assert!(!described.contains("dropped"), "{described}");
    let (_, out, _) = groups(&[
        "--bootstrap-server",
        &addr,
        "--delete-offsets",
        "--group",
        "nobody",
        "--topic",
        "kept:0",
    ]);
    assert!(
        out.starts_with("\nError: 'nobody' does not exist.\n"),
        "{out}"
    );
    assert!(out.contains("kept                           0               Error: org.apache.kafka.common.errors.GroupIdNotFoundException"), "{out}");
}
