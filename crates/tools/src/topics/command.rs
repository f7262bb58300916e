//! kafka-topics' options and their checks (Kafka 2.4's `TopicCommandOptions.checkArgs`): which
//! options exist, which combinations are refused, and with which text. A refusal is an
//! [`Exit`]: what to print on stderr and the exit code, exactly as Kafka's `printUsageAndDie`
//! or an exception escaping `main` would.

use gregor_zk::admin::TOPIC_CONFIG_NAMES;

use super::options::{help, parse, ArgType, OptionSpec, ParsedOptions};

/// Kafka's version string printed by `--version`.
pub const KAFKA_VERSION: &str = "2.4.1 (Commit:c57222ae8cd7866b)";

/// The five actions; exactly one must be given.
pub const ACTIONS: [&str; 5] = ["create", "list", "alter", "describe", "delete"];

/// How the command ends before doing anything: text for stderr (and stdout) and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// What goes to stdout (only `--version`).
    pub stdout: String,
    /// What goes to stderr: the usage message and help, or the escaped exception.
    pub stderr: String,
    /// The process exit code.
    pub code: i32,
}

impl Exit {
    /// Kafka's `CommandLineUtils.printUsageAndDie`: message, option table, exit 1.
    fn usage(message: &str) -> Exit {
        Exit {
            stdout: String::new(),
            stderr: format!("{message}\n{}", help(&specs())),
            code: 1,
        }
    }

    /// An exception escaping `main`: the JVM prints its class and message, exit 1.
    fn uncaught(class: &str, message: &str) -> Exit {
        Exit {
            stdout: String::new(),
            stderr: format!("Exception in thread \"main\" {class}: {message}\n"),
            code: 1,
        }
    }
}

fn flag(name: &'static str, description: &str) -> OptionSpec {
    OptionSpec {
        name,
        description: description.to_string(),
        argument: None,
    }
}

fn with_arg(
    name: &'static str,
    description: &str,
    arg: ArgType,
    described_as: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        description: description.to_string(),
        argument: Some((arg, described_as)),
    }
}

/// Every option of Kafka 2.4's kafka-topics, with its help text.
pub fn specs() -> Vec<OptionSpec> {
    let config_list: Vec<String> = TOPIC_CONFIG_NAMES
        .iter()
        .map(|name| format!("\t{name}"))
        .collect();
    let config_help = format!("A topic configuration override for the topic being created or altered.The following is a list of valid configurations: \n{}\nSee the Kafka documentation for full details on the topic configs.It is supported only in combination with --create if --bootstrap-server option is used.", config_list.join("\n"));
    vec![
        with_arg("bootstrap-server", "REQUIRED: The Kafka server to connect to. In case of providing this, a direct Zookeeper connection won't be required.", ArgType::String, "server to connect to"),
        with_arg("command-config", "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.", ArgType::String, "command config property file"),
        with_arg("zookeeper", "DEPRECATED, The connection string for the zookeeper connection in the form host:port. Multiple hosts can be given to allow fail-over.", ArgType::String, "hosts"),
        flag("list", "List all available topics."),
        flag("create", "Create a new topic."),
        flag("delete", "Delete a topic"),
        flag("alter", "Alter the number of partitions, replica assignment, and/or configuration for the topic."),
        flag("describe", "List details for the given topics."),
        with_arg("topic", "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\".", ArgType::String, "topic"),
        with_arg("config", &config_help, ArgType::String, "name=value"),
        with_arg("delete-config", "A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). Not supported with the --bootstrap-server option.", ArgType::String, "name"),
        with_arg("partitions", "The number of partitions for the topic being created or altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default.", ArgType::Integer, "# of partitions"),
        with_arg("replication-factor", "The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.", ArgType::Integer, "replication factor"),
        with_arg("replica-assignment", "A list of manual partition-to-broker assignments for the topic being created or altered.", ArgType::String, "broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ..."),
        flag("under-replicated-partitions", "if set when describing topics, only show under replicated partitions"),
        flag("unavailable-partitions", "if set when describing topics, only show partitions whose leader is not available"),
        flag("under-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is less than the configured minimum. Not supported with the --zookeeper option."),
        flag("at-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is equal to the configured minimum. Not supported with the --zookeeper option."),
        flag("topics-with-overrides", "if set when describing topics, only show topics that have overridden configs"),
        flag("if-exists", "if set when altering or deleting or describing topics, the action will only execute if the topic exists. Not supported with the --bootstrap-server option."),
        flag("if-not-exists", "if set when creating topics, the action will only execute if the topic does not already exist. Not supported with the --bootstrap-server option."),
        flag("disable-rack-aware", "Disable rack aware replica assignment"),
        flag("force", "Suppress console prompts"),
        flag("exclude-internal", "exclude internal topics when running list or describe command. The internal topics will be listed by default"),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

/// The report flags of `--describe`.
const REPORT_OPTIONS: [&str; 4] = [
    "under-replicated-partitions",
    "under-min-isr-partitions",
    "at-min-isr-partitions",
    "unavailable-partitions",
];

/// Parses `args` and runs Kafka 2.4's `checkArgs`.
pub fn parse_and_check(args: &[String]) -> Result<ParsedOptions, Exit> {
    let options = parse(&specs(), args)
        .map_err(|error| Exit::uncaught(&format!("joptsimple.{}", error.class), &error.message))?;
    if args.is_empty() {
        return Err(Exit::usage("Create, delete, describe, or change a topic."));
    }
    if options.has("help") {
        return Err(Exit::usage(
            "This tool helps to create, delete, describe, or change a topic.",
        ));
    }
    if options.has("version") {
        return Err(Exit {
            stdout: format!("{KAFKA_VERSION}\n"),
            stderr: String::new(),
            code: 0,
        });
    }
    if ACTIONS.iter().filter(|action| options.has(action)).count() != 1 {
        return Err(Exit::usage("Command must include exactly one action: --list, --describe, --create, --alter or --delete"));
    }
    if options.has("bootstrap-server") == options.has("zookeeper") {
        return Err(Exit::uncaught(
            "java.lang.IllegalArgumentException",
            "Only one of --bootstrap-server or --zookeeper must be specified",
        ));
    }
    check_required(&options)?;
    check_invalid(&options)?;
    Ok(options)
}

fn required(options: &ParsedOptions, names: &[&str]) -> Result<(), Exit> {
    match names.iter().find(|name| !options.has(name)) {
        Some(missing) => Err(Exit::usage(&format!(
            "Missing required argument \"[{missing}]\""
        ))),
        None => Ok(()),
    }
}

fn check_required(options: &ParsedOptions) -> Result<(), Exit> {
    let has = |name: &str| options.has(name);
    if has("describe") && has("if-exists") {
        required(options, &["topic"])?;
    }
    if !has("list") && !has("describe") {
        required(options, &["topic"])?;
    }
    if has("create") && !has("replica-assignment") && has("zookeeper") {
        required(options, &["partitions", "replication-factor"])?;
    }
    if has("bootstrap-server") && has("alter") {
        if has("config") {
            return Err(Exit::usage(
                "Option combination \"[bootstrap-server],[config]\" can't be used with option \"[alter]\"",
            ));
        }
        required(options, &["partitions"])?;
    }
    Ok(())
}

/// Kafka's `checkInvalidArgs`: `used` may not appear together with any of `invalid`.
fn invalid(options: &ParsedOptions, used: &str, invalid: &[&str]) -> Result<(), Exit> {
    if !options.has(used) {
        return Ok(());
    }
    match invalid.iter().find(|name| options.has(name)) {
        Some(other) => Err(Exit::usage(&format!(
            "Option \"[{used}]\" can't be used with option \"[{other}]\""
        ))),
        None => Ok(()),
    }
}

/// The actions other than `allowed`.
fn actions_except(allowed: &[&str]) -> Vec<&'static str> {
    ACTIONS
        .iter()
        .copied()
        .filter(|action| !allowed.contains(action))
        .collect()
}

fn check_invalid(options: &ParsedOptions) -> Result<(), Exit> {
    invalid(options, "config", &actions_except(&["alter", "create"]))?;
    let mut delete_config = actions_except(&["alter"]);
    delete_config.push("bootstrap-server");
    invalid(options, "delete-config", &delete_config)?;
    invalid(options, "partitions", &actions_except(&["alter", "create"]))?;
    invalid(options, "replication-factor", &actions_except(&["create"]))?;
    invalid(
        options,
        "replica-assignment",
        &actions_except(&["create", "alter"]),
    )?;
    if options.has("create") {
        invalid(
            options,
            "replica-assignment",
            &["partitions", "replication-factor"],
        )?;
    }
    for report in REPORT_OPTIONS {
        let mut others = actions_except(&["describe"]);
        others.extend(REPORT_OPTIONS.iter().filter(|other| **other != report));
        others.push("topics-with-overrides");
        if report.contains("min-isr") {
            others.push("zookeeper");
        }
        invalid(options, report, &others)?;
    }
    let mut overrides = actions_except(&["describe"]);
    overrides.extend(REPORT_OPTIONS);
    invalid(options, "topics-with-overrides", &overrides)?;
    invalid(
        options,
        "if-exists",
        &actions_except(&["alter", "delete", "describe"]),
    )?;
    invalid(options, "if-not-exists", &actions_except(&["create"]))?;
    invalid(
        options,
        "exclude-internal",
        &actions_except(&["list", "describe"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(list: &[&str]) -> Result<ParsedOptions, Exit> {
        let args: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        parse_and_check(&args)
    }

    fn first_line(exit: Exit) -> (String, i32) {
        let line = exit.stderr.lines().next().unwrap_or("").to_string();
        (line, exit.code)
    }

    #[test]
    fn exactly_one_action_and_one_connection() {
        let (line, code) = first_line(check(&["--zookeeper", "z:1"]).unwrap_err());
        assert_eq!(
            line,
            "Command must include exactly one action: --list, --describe, --create, --alter or --delete"
        );
        assert_eq!(code, 1);
        assert_eq!(
            first_line(check(&["--list"]).unwrap_err()).0,
            "Exception in thread \"main\" java.lang.IllegalArgumentException: Only one of --bootstrap-server or --zookeeper must be specified"
        );
        assert!(check(&["--list", "--zookeeper", "z:1"]).is_ok());
    }

    #[test]
    fn required_arguments_use_joptsimples_names() {
        let exit = check(&["--create", "--zookeeper", "z:1", "--topic", "t"]).unwrap_err();
        assert_eq!(
            first_line(exit).0,
            "Missing required argument \"[partitions]\""
        );
        let exit = check(&["--delete", "--zookeeper", "z:1"]).unwrap_err();
        assert_eq!(first_line(exit).0, "Missing required argument \"[topic]\"");
        assert!(check(&["--create", "--bootstrap-server", "b:1", "--topic", "t"]).is_ok());
    }

    #[test]
    fn invalid_combinations_are_refused() {
        let exit = check(&[
            "--create",
            "--zookeeper",
            "z:1",
            "--topic",
            "t",
            "--replica-assignment",
            "1",
            "--partitions",
            "1",
        ])
        .unwrap_err();
        assert_eq!(
            first_line(exit).0,
            "Option \"[replica-assignment]\" can't be used with option \"[partitions]\""
        );
        let exit = check(&["--list", "--zookeeper", "z:1", "--if-exists"]).unwrap_err();
        assert_eq!(
            first_line(exit).0,
            "Option \"[if-exists]\" can't be used with option \"[list]\""
        );
        let exit = check(&[
            "--describe",
            "--zookeeper",
            "z:1",
            "--under-min-isr-partitions",
        ])
        .unwrap_err();
        assert_eq!(
            first_line(exit).0,
            "Option \"[under-min-isr-partitions]\" can't be used with option \"[zookeeper]\""
        );
    }

    #[test]
    fn help_and_version() {
        let exit = check(&["--help"]).unwrap_err();
        assert!(exit.stderr.starts_with(
            "This tool helps to create, delete, describe, or change a topic.\nOption "
        ));
        assert!(exit.stderr.contains("--zookeeper <String: hosts>"));
        assert!(exit.stderr.contains("\tcleanup.policy"));
        assert_eq!(exit.code, 1);
        let exit = check(&["--version"]).unwrap_err();
        assert_eq!(
            (exit.stdout.as_str(), exit.code),
            ("2.4.1 (Commit:c57222ae8cd7866b)\n", 0)
        );
    }
}
