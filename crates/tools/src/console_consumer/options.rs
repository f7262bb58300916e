//! kafka-console-consumer's options and checks (Kafka 2.4's `ConsoleConsumer.ConsumerConfig`),
//! with Kafka's texts for refused combinations, and the consumer properties the run uses
//! (`group.id`, `enable.auto.commit`, `auto.offset.reset`, the group timeouts,
//! `metadata.max.age.ms` and `exclude.internal.topics` for `--whitelist`).

use std::collections::BTreeMap;

use gregor_client::group::MemberConfig;
use gregor_client::{ClientConfig, FetchOptions};

use super::consumer::StartPosition;
use crate::console_producer::command_line::{
    check_required, flag, integer_arg, load_props, number_of, parse_key_value_args,
    parse_with_help, string_arg, Exit,
};
use crate::topics::options::OptionSpec;

/// The checked settings of one run.
#[derive(Debug, Clone)]
pub struct ConsoleConsumerConfig {
    /// `--topic` ("" with `--whitelist`).
    pub topic: String,
    /// `--whitelist`: the Java regex, anchored to match whole topic names.
    pub whitelist: Option<regex::Regex>,
    /// `metadata.max.age.ms` (300000): how often `--whitelist` looks for new matching topics.
    pub metadata_max_age_ms: u64,
    /// `exclude.internal.topics` (true): `--whitelist` never matches internal topics.
    pub exclude_internal_topics: bool,
    /// `--partition`: assign only this partition; subscribe in the group otherwise.
    pub partition: Option<i32>,
    /// The group: `group.id` from `--group` or the consumer properties, else
    /// `console-consumer-<random 0..99999>` (with `group_given` false).
    pub group: MemberConfig,
    /// True when the user named the group.
    pub group_given: bool,
    /// `enable.auto.commit`: true by default with a named group, false with a random one.
    pub auto_commit: bool,
    /// `auto.commit.interval.ms` (5000).
    pub auto_commit_interval_ms: u64,
    /// Where to start.
    pub start: StartPosition,
    /// `auto.offset.reset=earliest` (from `--from-beginning` or the consumer properties).
    pub reset_to_earliest: bool,
    /// `--max-messages`.
    pub max_messages: Option<u64>,
    /// `--timeout-ms`.
    pub timeout_ms: Option<u64>,
    /// `--property` values for the formatter.
    pub formatter_properties: BTreeMap<String, String>,
    /// Connection settings.
    pub client: ClientConfig,
    /// Fetch settings (`fetch.*`, `max.partition.fetch.bytes`, `--isolation-level`).
    pub fetch: FetchOptions,
}

/// Kafka 2.4's console consumer options.
pub fn specs() -> Vec<OptionSpec> {
    vec![
        string_arg("topic", "The topic id to consume on.", "topic"),
        string_arg("whitelist", "Whitelist of topics to include for consumption.", "whitelist"),
        integer_arg("partition", "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.", "partition"),
        string_arg("offset", "The offset id to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)", "consume offset"),
        string_arg("consumer-property", "A mechanism to pass user-defined properties in the form key=value to the consumer.", "consumer_prop"),
        string_arg("consumer.config", "Consumer config properties file. Note that [consumer-property] takes precedence over this config.", "config file"),
        string_arg("formatter", "The name of a class to use for formatting kafka messages for display. (default: kafka.tools.DefaultMessageFormatter)", "class"),
        string_arg("property", "The properties to initialize the message formatter. Default properties include:\n\tprint.timestamp=true|false\n\tprint.key=true|false\n\tprint.value=true|false\n\tkey.separator=<key.separator>\n\tline.separator=<line.separator>\n\tkey.deserializer=<key.deserializer>\n\tvalue.deserializer=<value.deserializer>\n\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with 'key.deserializer.' and 'value.deserializer.' prefixes to configure their deserializers.", "prop"),
        flag("from-beginning", "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."),
        integer_arg("max-messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual.", "num_messages"),
        integer_arg("timeout-ms", "If specified, exit if no message is available for consumption for the specified interval.", "timeout_ms"),
        flag("skip-message-on-error", "If there is an error when processing a message, skip it instead of halt."),
        string_arg("bootstrap-server", "REQUIRED: The server(s) to connect to.", "server to connect to"),
        string_arg("key-deserializer", "", "deserializer for key"),
        string_arg("value-deserializer", "", "deserializer for values"),
        flag("enable-systest-events", "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)"),
        string_arg("isolation-level", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)", "isolation level"),
        string_arg("group", "The consumer group id of the consumer.", "consumer group id"),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

impl ConsoleConsumerConfig {
    /// Parses and checks the command line in Kafka 2.4's order.
    pub fn from_args(args: &[String]) -> Result<ConsoleConsumerConfig, Exit> {
        let specs = specs();
        let usage = |message: &str| Exit::usage(&specs, message);
        let options = parse_with_help(
            &specs,
            args,
            "This tool helps to read data from Kafka topics and outputs it to standard output.",
        )?;
        let file_props = match options.value_of("consumer.config") {
            Some(path) => load_props(path)?,
            None => BTreeMap::new(),
        };
        let command_line_props = parse_key_value_args(options.values_of("consumer-property"))?;
        let mut consumer_props = file_props.clone();
        consumer_props.extend(
            command_line_props
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let formatter_properties = parse_key_value_args(options.values_of("property"))?;
        if ["topic", "whitelist"]
            .iter()
            .filter(|o| options.has(o))
            .count()
            != 1
        {
            return Err(usage("Exactly one of whitelist/topic is required."));
        }
        let from_beginning = options.has("from-beginning");
        let partition = number_of::<i32>(&options, "partition", 0)?;
        let partition = options.has("partition").then_some(partition);
        if partition.is_some() {
            if !options.has("topic") {
                return Err(usage("The topic is required when partition is specified."));
            }
            if from_beginning && options.has("offset") {
                return Err(usage(
                    "Options from-beginning and offset cannot be specified together.",
                ));
            }
        } else if options.has("offset") {
            return Err(usage("The partition is required when offset is specified."));
        }
        let start = match options.value_of("offset").map(str::to_lowercase) {
            Some(text) if text == "earliest" => StartPosition::Earliest,
            Some(text) if text == "latest" => StartPosition::Latest,
            Some(text) => match text.parse::<i64>() {
                Ok(offset) if offset >= 0 => StartPosition::Offset(offset),
                _ => return Err(usage(&format!("The provided offset value '{text}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."))),
            },
            None if from_beginning => StartPosition::Earliest,
            None => StartPosition::Latest,
        };
        check_required(&specs, &options, &["bootstrap-server"])?;
        let (group_id, group_given) =
            group_id(options.value_of("group"), &file_props, &command_line_props)
                .map_err(|message| usage(&message))?;
        if group_given && partition.is_some() {
            return Err(usage(
                "Options group and partition cannot be specified together.",
            ));
        }
        let whitelist = options
            .value_of("whitelist")
            .map(compile_whitelist)
            .transpose()?;
        let reset = consumer_props.get("auto.offset.reset").cloned();
        if let Some(reset) = reset
            .as_deref()
            .filter(|r| from_beginning && *r != "earliest")
        {
            return Err(Exit {
                stdout: String::new(),
                stderr: format!("Can't simultaneously specify --from-beginning and 'auto.offset.reset={reset}', please remove one option\n"),
                code: 1,
            });
        }
        let reset_to_earliest = from_beginning || reset.as_deref() == Some("earliest");
        let isolation_level = match options
            .value_of("isolation-level")
            .unwrap_or("read_uncommitted")
        {
            "read_committed" => 1,
            _ => 0,
        };
        let max_messages = options
            .has("max-messages")
            .then(|| number_of::<i64>(&options, "max-messages", -1))
            .transpose()?;
        let timeout_ms = options
            .has("timeout-ms")
            .then(|| number_of::<i64>(&options, "timeout-ms", -1))
            .transpose()?;
        let servers = options.value_of("bootstrap-server").unwrap_or_default();
        let mut client = ClientConfig::new(servers).map_err(|error| Exit {
            stdout: String::new(),
            stderr: format!("org.apache.kafka.common.KafkaException: Failed to construct kafka consumer\nCaused by: org.apache.kafka.common.config.ConfigException: {}\n", error.to_string().trim_start_matches("invalid configuration: ")),
            code: 1,
        })?;
        // 2.4's default client.id is `consumer-<group.id>-<n>`; this process has one consumer.
        client.connection.client_id = Some(
            consumer_props
                .get("client.id")
                .cloned()
                .unwrap_or_else(|| format!("consumer-{group_id}-1")),
        );
        let int = |key: &str, default: i32| {
            consumer_props
                .get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let defaults = FetchOptions::default();
        let mut fetch = FetchOptions {
            max_wait_ms: int("fetch.max.wait.ms", defaults.max_wait_ms),
            min_bytes: int("fetch.min.bytes", defaults.min_bytes),
            max_bytes: int("fetch.max.bytes", defaults.max_bytes),
            partition_max_bytes: int("max.partition.fetch.bytes", defaults.partition_max_bytes),
            isolation_level,
        };
        if let Some(timeout) = timeout_ms.filter(|t| *t >= 0) {
            // A poll must end in time for --timeout-ms to be honoured.
            fetch.max_wait_ms = fetch
                .max_wait_ms
                .min(i32::try_from(timeout).unwrap_or(i32::MAX));
        }
        let auto_commit = consumer_props
            .get("enable.auto.commit")
            .map_or(group_given, |value| {
                value.trim().eq_ignore_ascii_case("true")
            });
        let number = |key: &str, default: u64| {
            consumer_props
                .get(key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let mut group = MemberConfig::new(&group_id);
        group.session_timeout_ms = int("session.timeout.ms", group.session_timeout_ms);
        group.rebalance_timeout_ms = int("max.poll.interval.ms", group.rebalance_timeout_ms);
        group.heartbeat_interval_ms = number("heartbeat.interval.ms", group.heartbeat_interval_ms);
        Ok(ConsoleConsumerConfig {
            topic: options.value_of("topic").unwrap_or_default().to_string(),
            whitelist,
            metadata_max_age_ms: number("metadata.max.age.ms", 300_000),
            exclude_internal_topics: consumer_props
                .get("exclude.internal.topics")
                .map_or(true, |value| !value.trim().eq_ignore_ascii_case("false")),
            partition,
            group,
            group_given,
            auto_commit,
            auto_commit_interval_ms: number("auto.commit.interval.ms", 5_000),
            start,
            reset_to_earliest,
            max_messages: max_messages.and_then(|m| u64::try_from(m).ok()),
            timeout_ms: timeout_ms.and_then(|t| u64::try_from(t).ok()),
            formatter_properties,
            client,
            fetch,
        })
    }
}

/// `Pattern.compile` of `--whitelist`, matched against whole topic names as the Java consumer's
/// `matcher(topic).matches()` does. Kafka fails in `run` with an uncaught exception (ERROR log,
/// exit 1, no record count); Rust's regex syntax stands in for Java's (no look-around or
/// back-references), so the exception's text is the Rust one.
fn compile_whitelist(pattern: &str) -> Result<regex::Regex, Exit> {
    regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|error| {
        let line = crate::log4j::log_line(
            "ERROR",
            "Unknown error when running consumer: ",
            "kafka.tools.ConsoleConsumer$",
        );
        Exit {
            stdout: String::new(),
            stderr: format!("{line}java.util.regex.PatternSyntaxException: {error}\n"),
            code: 1,
        }
    })
}

/// Kafka's group-id rule: `--group`, `group.id` in `--consumer.config` and in
/// `--consumer-property` must agree; with none, a random `console-consumer-<0..99999>` is used.
/// Returns the group and whether the user named it, or the usage message.
fn group_id(
    from_option: Option<&str>,
    from_file: &BTreeMap<String, String>,
    from_command_line: &BTreeMap<String, String>,
) -> Result<(String, bool), String> {
    let mut provided: Vec<&str> = Vec::new();
    let candidates = [
        from_option,
        from_file.get("group.id").map(String::as_str),
        from_command_line.get("group.id").map(String::as_str),
    ];
    for group in candidates.into_iter().flatten() {
        if !provided.contains(&group) {
            provided.push(group);
        }
    }
    match provided.as_slice() {
        [] => Ok((format!("console-consumer-{}", random_below(100_000)), false)),
        [group] => Ok(((*group).to_string(), true)),
        groups => Err(format!(
            "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: {}",
            groups
                .iter()
                .map(|group| format!("'{group}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A number in `0..bound` that differs between runs (Java's `new Random().nextInt(bound)`).
fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish() % bound
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
