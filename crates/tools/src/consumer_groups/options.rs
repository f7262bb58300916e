//! kafka-consumer-groups' options and their checks (Kafka 2.4's `ConsumerGroupCommandOptions`
//! and `main`): help first, then exactly one action, then `checkArgs`, each refusal with
//! Kafka's text and the option table on stderr (exit 1). joptsimple's `availableIf` and
//! `mutuallyExclusive` rules fail while parsing, so they escape `main` as exceptions.

use std::collections::BTreeMap;

use crate::console_producer::command_line::{
    check_required, flag, load_props, number_of, parse_with_help, string_arg, Exit,
};
use crate::topics::options::{ArgType, OptionSpec, ParsedOptions};

/// What `--describe` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescribeView {
    /// `--offsets` (the default): partitions, offsets, lag.
    Offsets,
    /// `--members`, with `--verbose` the assignments too.
    Members {
        /// `--verbose`.
        verbose: bool,
    },
    /// `--state`.
    State,
}

/// Where `--reset-offsets` moves the offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetScenario {
    /// `--to-offset n`.
    ToOffset(i64),
    /// `--shift-by n` from the committed offset.
    ShiftBy(i64),
    /// `--to-earliest`.
    ToEarliest,
    /// `--to-latest`.
    ToLatest,
    /// `--to-current`: the committed offset, or the end without one.
    ToCurrent,
    /// `--to-datetime`: the first offset whose timestamp is at or after this time (as given;
    /// parsed when the plan is made, as Kafka does).
    ToDatetime(String),
    /// `--by-duration`: as `--to-datetime` for now minus this ISO-8601 duration.
    ByDuration(String),
    /// `--from-file`: the plan in this CSV file (the format `--export` writes).
    FromFile(String),
}

/// The one action of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `--list`.
    List,
    /// `--describe`.
    Describe(DescribeView),
    /// `--delete`.
    Delete,
    /// `--reset-offsets`; `None` when no scenario was given (refused once the scope is known,
    /// as Kafka does).
    ResetOffsets(Option<ResetScenario>),
    /// `--delete-offsets`.
    DeleteOffsets,
}

/// A checked command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCommand {
    /// `--bootstrap-server`.
    pub bootstrap_server: String,
    /// The action.
    pub action: Action,
    /// `--group` values, in order.
    pub groups: Vec<String>,
    /// `--all-groups`.
    pub all_groups: bool,
    /// `--topic` values (`t` or `t:0,1`).
    pub topics: Vec<String>,
    /// `--all-topics`.
    pub all_topics: bool,
    /// `--execute` (reset offsets for real; dry run otherwise).
    pub execute: bool,
    /// `--export`: print the reset plan as CSV.
    pub export: bool,
    /// `--timeout` (5000).
    pub timeout_ms: u64,
    /// `--command-config` properties.
    pub command_config: BTreeMap<String, String>,
    /// What `checkArgs` printed on stderr without stopping (the missing `--execute` warning).
    pub warnings: String,
}

const NL: &str = "\n";

/// Kafka 2.4's options with their help texts.
pub fn specs() -> Vec<OptionSpec> {
    let long = |name, description: &str, described_as| OptionSpec {
        name,
        description: description.to_string(),
        argument: Some((ArgType::Long, described_as)),
    };
    vec![
        string_arg("bootstrap-server", "REQUIRED: The server(s) to connect to.", "server to connect to"),
        string_arg("group", "The consumer group we wish to act on.", "consumer group"),
        string_arg("topic", "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs.", "topic"),
        flag("all-topics", "Consider all topics assigned to a group in the `reset-offsets` process."),
        flag("list", "List all consumer groups."),
        flag("describe", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."),
        flag("all-groups", "Apply to all consumer groups."),
        flag("delete", "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2"),
        long("timeout", "The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes). (default: 5000)", "timeout (ms)"),
        string_arg("command-config", "Property file containing configs to be passed to Admin Client and Consumer.", "command config property file"),
        flag("reset-offsets", &format!("Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive{NL}Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.{NL}You must choose one of the following reset specifications: --to-datetime, --by-period, --to-earliest, --to-latest, --shift-by, --from-file, --to-current.{NL}To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'.")),
        flag("delete-offsets", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics."),
        flag("dry-run", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets."),
        flag("execute", "Execute operation. Supported operations: reset-offsets."),
        flag("export", "Export operation execution to a CSV file. Supported operations: reset-offsets."),
        long("to-offset", "Reset offsets to a specific offset.", "offset"),
        string_arg("from-file", "Reset offsets to values defined in CSV file.", "path to CSV file"),
        string_arg("to-datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'", "datetime"),
        string_arg("by-duration", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'", "duration"),
        flag("to-earliest", "Reset offsets to earliest offset."),
        flag("to-latest", "Reset offsets to latest offset."),
        flag("to-current", "Reset offsets to current offset."),
        long("shift-by", "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.", "number-of-offsets"),
        flag("members", &format!("Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.{NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --members")),
        flag("verbose", &format!("Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.{NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose")),
        flag("offsets", &format!("Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.{NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets")),
        flag("state", &format!("Describe the group state. This option may be used with '--describe' and '--bootstrap-server' options only.{NL}Example: --bootstrap-server localhost:9092 --describe --group group1 --state")),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

/// The actions, in Kafka's order.
const ACTIONS: [&str; 5] = [
    "list",
    "describe",
    "delete",
    "reset-offsets",
    "delete-offsets",
];

/// The reset scenarios, in declaration order (Kafka's set prints in hash order).
const SCENARIOS: [&str; 8] = [
    "to-offset",
    "shift-by",
    "to-datetime",
    "by-duration",
    "to-earliest",
    "to-latest",
    "to-current",
    "from-file",
];

/// The tool's purpose line, printed above the options for an empty command line or `--help`.
pub const PURPOSE: &str = "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.";

/// Parses and checks the command line.
pub fn parse(args: &[String]) -> Result<GroupCommand, Exit> {
    let specs = specs();
    let usage = |message: &str| Exit::usage(&specs, message);
    let options = parse_with_help(&specs, args, PURPOSE)?;
    check_parse_time_rules(&options)?;
    if ACTIONS.iter().filter(|a| options.has(a)).count() != 1 {
        return Err(usage("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"));
    }
    let mut warnings = String::new();
    check_args(&specs, &options, &mut warnings)?;
    let command_config = match options.value_of("command-config") {
        Some(path) => load_props(path)?,
        None => BTreeMap::new(),
    };
    let timeout_ms = number_of::<i64>(&options, "timeout", 5_000)?;
    Ok(GroupCommand {
        bootstrap_server: options
            .value_of("bootstrap-server")
            .unwrap_or_default()
            .to_string(),
        action: action(&options)?,
        groups: options.values_of("group").to_vec(),
        all_groups: options.has("all-groups"),
        topics: options.values_of("topic").to_vec(),
        all_topics: options.has("all-topics"),
        execute: options.has("execute"),
        export: options.has("export"),
        timeout_ms: u64::try_from(timeout_ms).unwrap_or(0),
        command_config,
        warnings,
    })
}

/// joptsimple's `availableIf(describe)` on the describe views and their `mutuallyExclusive`.
fn check_parse_time_rules(options: &ParsedOptions) -> Result<(), Exit> {
    let unavailable = |name: &str| {
        Exit::uncaught(
            "joptsimple.UnavailableOptionException",
            &format!("Option(s) [{name}] are unavailable given other options on the command line"),
        )
    };
    let views = ["members", "offsets", "state"];
    for view in views.iter().chain(["verbose"].iter()) {
        if options.has(view) && !options.has("describe") {
            return Err(unavailable(view));
        }
    }
    let given: Vec<&&str> = views.iter().filter(|view| options.has(view)).collect();
    if let Some(second) = given.get(1) {
        return Err(unavailable(second));
    }
    Ok(())
}

/// Kafka's `checkArgs`.
fn check_args(
    specs: &[OptionSpec],
    options: &ParsedOptions,
    warnings: &mut String,
) -> Result<(), Exit> {
    let usage = |message: &str| Exit::usage(specs, message);
    let has = |name: &str| options.has(name);
    let scope = "[group], [all-groups]";
    check_required(specs, options, &["bootstrap-server"])?;
    if has("describe") && !has("group") && !has("all-groups") {
        return Err(usage(&format!(
            "Option [describe] takes one of these options: {scope}"
        )));
    }
    if has("delete") {
        if !has("group") && !has("all-groups") {
            return Err(usage(&format!(
                "Option [delete] takes one of these options: {scope}"
            )));
        }
        if has("topic") {
            return Err(usage("The consumer does not support topic-specific offset deletion from a consumer group."));
        }
    }
    if has("delete-offsets") && (!has("group") || !has("topic")) {
        return Err(usage(
            "Option [delete-offsets] takes the following options: [group], [topic]",
        ));
    }
    if has("reset-offsets") {
        if has("dry-run") && has("execute") {
            return Err(usage(
                "Option [reset-offsets] only accepts one of [execute] and [dry-run]",
            ));
        }
        if !has("dry-run") && !has("execute") {
            warnings.push_str("WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n");
        }
        if !has("group") && !has("all-groups") {
            return Err(usage(&format!(
                "Option [reset-offsets] takes one of these options: {scope}"
            )));
        }
        // Kafka checks each scenario in this order against all the others.
        for scenario in [
            "to-offset",
            "to-datetime",
            "by-duration",
            "to-earliest",
            "to-latest",
            "to-current",
            "shift-by",
            "from-file",
        ] {
            let others: Vec<&str> = SCENARIOS.into_iter().filter(|o| *o != scenario).collect();
            invalid(specs, options, scenario, &others)?;
        }
    }
    invalid(specs, options, "group", &["all-groups"])?;
    invalid(specs, options, "group", &["list"])?;
    invalid(specs, options, "topic", &["list", "describe"])
}

/// Kafka's `checkInvalidArgs`.
fn invalid(
    specs: &[OptionSpec],
    options: &ParsedOptions,
    used: &str,
    others: &[&str],
) -> Result<(), Exit> {
    if !options.has(used) {
        return Ok(());
    }
    match others.iter().find(|other| options.has(other)) {
        Some(other) => Err(Exit::usage(
            specs,
            &format!("Option \"[{used}]\" can't be used with option \"[{other}]\""),
        )),
        None => Ok(()),
    }
}

/// The action and its details.
fn action(options: &ParsedOptions) -> Result<Action, Exit> {
    if options.has("list") {
        return Ok(Action::List);
    }
    if options.has("describe") {
        let view = if options.has("members") {
            DescribeView::Members {
                verbose: options.has("verbose"),
            }
        } else if options.has("state") {
            DescribeView::State
        } else {
            DescribeView::Offsets
        };
        return Ok(Action::Describe(view));
    }
    if options.has("delete") {
        return Ok(Action::Delete);
    }
    if options.has("delete-offsets") {
        return Ok(Action::DeleteOffsets);
    }
    let scenario = if options.has("to-offset") {
        Some(ResetScenario::ToOffset(number_of(options, "to-offset", 0)?))
    } else if options.has("shift-by") {
        Some(ResetScenario::ShiftBy(number_of(options, "shift-by", 0)?))
    } else if options.has("to-earliest") {
        Some(ResetScenario::ToEarliest)
    } else if options.has("to-latest") {
        Some(ResetScenario::ToLatest)
    } else if options.has("to-current") {
        Some(ResetScenario::ToCurrent)
    } else {
        let value = |name: &str| options.value_of(name).unwrap_or_default().to_string();
        if options.has("to-datetime") {
            Some(ResetScenario::ToDatetime(value("to-datetime")))
        } else if options.has("by-duration") {
            Some(ResetScenario::ByDuration(value("by-duration")))
        } else if options.has("from-file") {
            Some(ResetScenario::FromFile(value("from-file")))
        } else {
            None
        }
    };
    Ok(Action::ResetOffsets(scenario))
}

/// `Set([to-offset], ...)` as Kafka prints the scenario set in its refusal.
pub fn scenario_set() -> String {
    let names: Vec<String> = SCENARIOS.iter().map(|name| format!("[{name}]")).collect();
    format!("Set({})", names.join(", "))
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
