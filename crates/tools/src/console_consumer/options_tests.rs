use super::*;

fn props(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn one_group_named_in_several_places_is_fine_two_are_refused() {
    let file = props(&[("group.id", "g")]);
    let line = props(&[("group.id", "g")]);
    assert_eq!(
        group_id(Some("g"), &file, &line),
        Ok(("g".to_string(), true))
    );
    let error = group_id(Some("g"), &props(&[("group.id", "h")]), &line).unwrap_err();
    assert_eq!(error, "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'g', 'h'");
}

#[test]
fn without_a_group_a_random_console_consumer_group_is_used() {
    let (group, given) = group_id(None, &BTreeMap::new(), &BTreeMap::new()).unwrap();
    assert!(!given);
    let number: u64 = group
        .strip_prefix("console-consumer-")
        .and_then(|n| n.parse().ok())
        .expect("console-consumer-<n>");
    assert!(number < 100_000);
}

fn config(args: &[&str]) -> Result<ConsoleConsumerConfig, Exit> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    ConsoleConsumerConfig::from_args(&args)
}

#[test]
fn auto_commit_defaults_follow_whether_the_group_was_named() {
    let named = config(&["--bootstrap-server", "h:1", "--topic", "t", "--group", "g"]).unwrap();
    assert!(named.group_given && named.auto_commit);
    assert_eq!(named.group.group_id, "g");
    assert_eq!(
        named.client.connection.client_id.as_deref(),
        Some("consumer-g-1")
    );
    let random = config(&["--bootstrap-server", "h:1", "--topic", "t"]).unwrap();
    assert!(!random.group_given && !random.auto_commit);
    let forced = config(&[
        "--bootstrap-server",
        "h:1",
        "--topic",
        "t",
        "--consumer-property",
        "enable.auto.commit=true",
        "--consumer-property",
        "auto.commit.interval.ms=100",
    ])
    .unwrap();
    assert!(forced.auto_commit);
    assert_eq!(forced.auto_commit_interval_ms, 100);
}

#[test]
fn a_named_group_does_not_go_with_partition() {
    let exit = config(&[
        "--bootstrap-server",
        "h:1",
        "--topic",
        "t",
        "--partition",
        "0",
        "--consumer-property",
        "group.id=g",
    ])
    .unwrap_err();
    assert!(exit
        .stderr
        .starts_with("Options group and partition cannot be specified together.\nOption"));
    assert!(config(&[
        "--bootstrap-server",
        "h:1",
        "--topic",
        "t",
        "--partition",
        "0"
    ])
    .is_ok());
}

#[test]
fn conflicting_groups_print_kafkas_usage_message() {
    let exit = config(&[
        "--bootstrap-server",
        "h:1",
        "--topic",
        "t",
        "--group",
        "a",
        "--consumer-property",
        "group.id=b",
    ])
    .unwrap_err();
    assert_eq!(exit.code, 1);
    assert!(exit.stderr.starts_with("The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'a', 'b'\nOption"), "{}", exit.stderr);
}

#[test]
fn a_whitelist_matches_whole_topic_names_and_a_bad_one_fails_as_run_does() {
    let config = config(&["--bootstrap-server", "h:1", "--whitelist", "orders-.*"]).unwrap();
    let pattern = config.whitelist.expect("a compiled whitelist");
    assert!(pattern.is_match("orders-eu"));
    assert!(
        !pattern.is_match("my-orders-eu"),
        "Java's matches() is a whole-name match"
    );
    assert!(config.exclude_internal_topics);
    assert_eq!(config.metadata_max_age_ms, 300_000);
    let exit = config_err(&["--bootstrap-server", "h:1", "--whitelist", "orders-("]);
    assert_eq!(exit.code, 1);
    assert!(
        exit.stderr
            .contains("Unknown error when running consumer: "),
        "{}",
        exit.stderr
    );
    assert!(exit
        .stderr
        .contains("java.util.regex.PatternSyntaxException"));
    let exit = config_err(&[
        "--bootstrap-server",
        "h:1",
        "--whitelist",
        "a",
        "--topic",
        "b",
    ]);
    assert!(exit
        .stderr
        .starts_with("Exactly one of whitelist/topic is required.\n"));
}

fn config_err(args: &[&str]) -> Exit {
    config(args).expect_err("a refusal")
}
