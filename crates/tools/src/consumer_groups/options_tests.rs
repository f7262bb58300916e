//! kafka-consumer-groups option checks against Kafka 2.4's texts.

use super::*;

fn run(args: &[&str]) -> Result<GroupCommand, Exit> {
    parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
}

fn refusal(args: &[&str]) -> String {
    let exit = run(args).unwrap_err();
    assert_eq!(exit.code, 1);
    exit.stderr.lines().next().unwrap_or_default().to_string()
}

const B: &str = "--bootstrap-server";

#[test]
fn an_empty_command_line_prints_the_purpose_and_the_options() {
    let exit = run(&[]).unwrap_err();
    assert_eq!(exit.code, 1);
    assert!(exit.stderr.starts_with(&format!("{PURPOSE}\nOption ")));
    assert!(exit.stderr.contains("--timeout <Long: timeout (ms)>"));
}

#[test]
fn exactly_one_action_is_required() {
    let message = "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets";
    assert_eq!(refusal(&[B, "h:1"]), message);
    assert_eq!(
        refusal(&[B, "h:1", "--list", "--describe", "--group", "g"]),
        message
    );
    assert_eq!(
        refusal(&["--list"]),
        "Missing required argument \"[bootstrap-server]\""
    );
}

#[test]
fn check_args_refusals_use_kafkas_texts() {
    assert_eq!(
        refusal(&[B, "h:1", "--describe"]),
        "Option [describe] takes one of these options: [group], [all-groups]"
    );
    assert_eq!(
        refusal(&[B, "h:1", "--delete"]),
        "Option [delete] takes one of these options: [group], [all-groups]"
    );
    assert_eq!(
        refusal(&[B, "h:1", "--delete", "--group", "g", "--topic", "t"]),
        "The consumer does not support topic-specific offset deletion from a consumer group."
    );
    assert_eq!(
        refusal(&[
            B,
            "h:1",
            "--reset-offsets",
            "--group",
            "g",
            "--dry-run",
            "--execute"
        ]),
        "Option [reset-offsets] only accepts one of [execute] and [dry-run]"
    );
    assert_eq!(
        refusal(&[
            B,
            "h:1",
            "--reset-offsets",
            "--group",
            "g",
            "--to-earliest",
            "--to-offset",
            "3",
            "--execute"
        ]),
        "Option \"[to-offset]\" can't be used with option \"[to-earliest]\""
    );
    assert_eq!(
        refusal(&[B, "h:1", "--describe", "--group", "g", "--all-groups"]),
        "Option \"[group]\" can't be used with option \"[all-groups]\""
    );
    assert_eq!(
        refusal(&[B, "h:1", "--list", "--group", "g"]),
        "Option \"[group]\" can't be used with option \"[list]\""
    );
    assert_eq!(
        refusal(&[B, "h:1", "--describe", "--group", "g", "--topic", "t"]),
        "Option \"[topic]\" can't be used with option \"[describe]\""
    );
    assert_eq!(
        refusal(&[B, "h:1", "--delete-offsets", "--group", "g"]),
        "Option [delete-offsets] takes the following options: [group], [topic]"
    );
}

#[test]
fn describe_views_need_describe_and_exclude_each_other() {
    let exit = run(&[B, "h:1", "--list", "--members"]).unwrap_err();
    assert_eq!(exit.stderr, "Exception in thread \"main\" joptsimple.UnavailableOptionException: Option(s) [members] are unavailable given other options on the command line\n");
    assert!(run(&[
        B,
        "h:1",
        "--describe",
        "--group",
        "g",
        "--members",
        "--state"
    ])
    .is_err());
    let command = run(&[
        B,
        "h:1",
        "--describe",
        "--group",
        "g",
        "--members",
        "--verbose",
    ])
    .unwrap();
    assert_eq!(
        command.action,
        Action::Describe(DescribeView::Members { verbose: true })
    );
    let command = run(&[B, "h:1", "--describe", "--all-groups"]).unwrap();
    assert_eq!(command.action, Action::Describe(DescribeView::Offsets));
    assert!(command.all_groups);
    assert_eq!(command.timeout_ms, 5_000);
}

#[test]
fn reset_without_execute_warns_and_is_a_dry_run() {
    let command = run(&[
        B,
        "h:1",
        "--reset-offsets",
        "--group",
        "g",
        "--topic",
        "t:0,1",
        "--shift-by",
        "-2",
    ])
    .unwrap();
    assert!(command.warnings.starts_with(
        "WARN: No action will be performed as the --execute option is missing.In a future"
    ));
    assert!(!command.execute);
    assert_eq!(
        command.action,
        Action::ResetOffsets(Some(ResetScenario::ShiftBy(-2)))
    );
    assert_eq!(command.topics, vec!["t:0,1".to_string()]);
    let command = run(&[
        B,
        "h:1",
        "--reset-offsets",
        "--group",
        "g",
        "--all-topics",
        "--execute",
    ])
    .unwrap();
    assert_eq!(command.warnings, "");
    assert_eq!(command.action, Action::ResetOffsets(None));
}
