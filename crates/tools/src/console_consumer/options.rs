//! kafka-console-consumer's options and checks (Kafka 2.4's `ConsoleConsumer.ConsumerConfig`),
//! with Kafka's texts for refused combinations.

use std::collections::BTreeMap;

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
    /// `--topic`.
    pub topic: String,
    /// `--partition`: only this partition; all partitions otherwise.
    pub partition: Option<i32>,
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
        string_arg("group", "The consumer group id of the consumer. (Not supported by Gregor yet: group consumption comes with the consumer-group work.)", "consumer group id"),
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
        let mut consumer_props = match options.value_of("consumer.config") {
            Some(path) => load_props(path)?,
            None => BTreeMap::new(),
        };
        consumer_props.extend(parse_key_value_args(
            options.values_of("consumer-property"),
        )?);
        let formatter_properties = parse_key_value_args(options.values_of("property"))?;
        check_required(&specs, &options, &["bootstrap-server"])?;
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
        if options.has("group") || consumer_props.contains_key("group.id") {
            return Err(Exit {
                stdout: String::new(),
                stderr: "Consumer groups are not supported by Gregor yet (--group, group.id): use --partition/--offset or consume all partitions without a group.\n".into(),
                code: 1,
            });
        }
        if options.has("whitelist") {
            return Err(Exit {
                stdout: String::new(),
                stderr: "--whitelist needs group subscription, which Gregor does not support yet; use --topic.\n".into(),
                code: 1,
            });
        }
        let reset = consumer_props.get("auto.offset.reset").cloned();
        if let Some(reset) = reset
            .as_deref()
            .filter(|r| from_beginning && *r != "earliest")
        {
            return Err(usage(&format!(
                "Can't simultaneously specify --from-beginning and 'auto.offset.reset={reset}'"
            )));
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
        client.connection.client_id = Some(
            consumer_props
                .get("client.id")
                .cloned()
                .unwrap_or_else(|| "consumer-1".into()),
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
        Ok(ConsoleConsumerConfig {
            topic: options.value_of("topic").unwrap_or_default().to_string(),
            partition,
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
