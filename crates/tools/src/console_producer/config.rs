//! kafka-console-producer's options (Kafka 2.4's `ProducerConfig` inner class of
//! `ConsoleProducer`) and how they become Java producer properties, plus the translation of
//! Java producer properties into [`ProducerConfig`] shared with the perf tool.

use std::collections::BTreeMap;

use gregor_client::ClientConfig;
use gregor_protocol::records::Compression;

use super::command_line::{
    check_required, flag, integer_arg, load_props, number_of, parse_key_value_args,
    parse_with_help, string_arg, Exit,
};
use super::producer::ProducerConfig;
use crate::topics::options::{OptionSpec, ParsedOptions};

/// Everything the console producer needs once its options are checked.
#[derive(Debug, Clone)]
pub struct ConsoleProducerConfig {
    /// `--topic`.
    pub topic: String,
    /// `--sync`: wait for each record before reading the next line.
    pub sync: bool,
    /// `--property` values for the line reader.
    pub reader_properties: BTreeMap<String, String>,
    /// Connection settings (`bootstrap.servers`, `client.id`, `request.timeout.ms`).
    pub client: ClientConfig,
    /// Producer settings.
    pub producer: ProducerConfig,
}

/// Kafka 2.4's console producer options and help texts.
pub fn specs() -> Vec<OptionSpec> {
    vec![
        string_arg("topic", "REQUIRED: The topic id to produce messages to.", "topic"),
        string_arg("broker-list", "REQUIRED: The broker list string in the form HOST1:PORT1,HOST2:PORT2.", "broker-list"),
        flag("sync", "If set message send requests to the brokers are synchronously, one at a time as they arrive."),
        string_arg("compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'", "[compression-codec]"),
        integer_arg("batch-size", "Number of messages to send in a single batch if they are not being sent synchronously. (default: 200)", "size"),
        integer_arg("message-send-max-retries", "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retires before the producer give up and drop this message. (default: 3)", "Integer"),
        integer_arg("retry-backoff-ms", "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. (default: 100)", "Integer"),
        integer_arg("timeout", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. (default: 1000)", "timeout_ms"),
        string_arg("request-required-acks", "The required acks of the producer requests (default: 1)", "request required acks"),
        integer_arg("request-timeout-ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero (default: 1500)", "request timeout ms"),
        integer_arg("metadata-expiry-ms", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. (default: 300000)", "metadata expiration interval"),
        integer_arg("max-block-ms", "The max time that the producer will block for during a send request (default: 60000)", "max block on send"),
        integer_arg("max-memory-bytes", "The total memory used by the producer to buffer records waiting to be sent to the server. (default: 33554432)", "total memory in bytes"),
        integer_arg("max-partition-memory-bytes", "The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. (default: 16384)", "memory in bytes per partition"),
        integer_arg("socket-buffer-size", "The size of the tcp RECV size. (default: 102400)", "size"),
        string_arg("property", "A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader. Default properties include:\n\tparse.key=true|false\n\tkey.separator=<key.separator>\n\tignore.error=true|false", "prop"),
        string_arg("line-reader", "The class name of the class to use for reading lines from standard in. By default each line is read as a separate message. (default: kafka.tools.ConsoleProducer$LineMessageReader)", "reader_class"),
        string_arg("producer-property", "A mechanism to pass user-defined properties in the form key=value to the producer. ", "producer_prop"),
        string_arg("producer.config", "Producer config properties file. Note that [producer-property] takes precedence over this config.", "config file"),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

/// `--compression-codec` takes an optional argument: a bare flag means gzip.
fn with_default_codec(args: &[String]) -> Vec<String> {
    let mut fixed = Vec::with_capacity(args.len() + 1);
    for (index, arg) in args.iter().enumerate() {
        fixed.push(arg.clone());
        let bare = arg == "--compression-codec";
        let next_is_value = args
            .get(index + 1)
            .is_some_and(|next| !next.starts_with("--"));
        if bare && !next_is_value {
            fixed.push("gzip".to_string());
        }
    }
    fixed
}

impl ConsoleProducerConfig {
    /// Parses and checks the command line as Kafka 2.4 does.
    pub fn from_args(args: &[String]) -> Result<ConsoleProducerConfig, Exit> {
        let specs = specs();
        let args = with_default_codec(args);
        let options = parse_with_help(
            &specs,
            &args,
            "This tool helps to read data from standard input and publish it to Kafka.",
        )?;
        check_required(&specs, &options, &["topic", "broker-list"])?;
        let broker_list = options
            .value_of("broker-list")
            .unwrap_or_default()
            .to_string();
        let mut props = match options.value_of("producer.config") {
            Some(path) => load_props(path)?,
            None => BTreeMap::new(),
        };
        props.extend(parse_key_value_args(
            options.values_of("producer-property"),
        )?);
        merge_producer_options(&options, &mut props)?;
        props.insert("bootstrap.servers".into(), broker_list);
        props.insert("client.id".into(), "console-producer".into());
        let (client, producer) = producer_config_from_props(&props).map_err(construct_failure)?;
        Ok(ConsoleProducerConfig {
            topic: options.value_of("topic").unwrap_or_default().to_string(),
            sync: options.has("sync"),
            reader_properties: parse_key_value_args(options.values_of("property"))?,
            client,
            producer,
        })
    }
}

/// `CommandLineUtils.maybeMergeOptions`: an option given on the command line wins; otherwise a
/// property already set stays; otherwise the option's default is used.
fn merge_producer_options(
    options: &ParsedOptions,
    props: &mut BTreeMap<String, String>,
) -> Result<(), Exit> {
    let codec = options
        .value_of("compression-codec")
        .filter(|c| !c.is_empty());
    props.insert(
        "compression.type".into(),
        codec
            .unwrap_or(if options.has("compression-codec") {
                "gzip"
            } else {
                "none"
            })
            .into(),
    );
    let merged: [(&str, &str, &str); 9] = [
        ("linger.ms", "timeout", "1000"),
        ("acks", "request-required-acks", "1"),
        ("request.timeout.ms", "request-timeout-ms", "1500"),
        ("retries", "message-send-max-retries", "3"),
        ("retry.backoff.ms", "retry-backoff-ms", "100"),
        ("send.buffer.bytes", "socket-buffer-size", "102400"),
        ("buffer.memory", "max-memory-bytes", "33554432"),
        ("batch.size", "max-partition-memory-bytes", "16384"),
        ("max.block.ms", "max-block-ms", "60000"),
    ];
    for (key, option, default) in merged {
        if options.has(option) || !props.contains_key(key) {
            let value = options.value_of(option).unwrap_or(default).to_string();
            if option != "request-required-acks" {
                number_of::<i64>(options, option, 0)?;
            }
            props.insert(key.into(), value);
        }
    }
    Ok(())
}

/// `new KafkaProducer` failing on a bad config: Kafka prints the stack trace of
/// `KafkaException: Failed to construct kafka producer` caused by the `ConfigException`.
fn construct_failure(message: String) -> Exit {
    Exit {
        stdout: String::new(),
        stderr: format!(
            "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: {message}\n"
        ),
        code: 1,
    }
}

/// A Java config integer with the `ConfigException` text on failure.
fn int_prop(props: &BTreeMap<String, String>, key: &str, default: i64) -> Result<i64, String> {
    match props.get(key) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            format!("Invalid value {text} for configuration {key}: Not a number of type INT")
        }),
    }
}

/// Java producer properties (`bootstrap.servers`, `acks`, `linger.ms`, `batch.size`,
/// `compression.type`, `request.timeout.ms`, `retries`, `retry.backoff.ms`, `buffer.memory`,
/// `max.block.ms`, `max.request.size`, `max.in.flight.requests.per.connection`, `client.id`)
/// as client and producer settings; unknown keys are ignored as the Java client only warns.
pub fn producer_config_from_props(
    props: &BTreeMap<String, String>,
) -> Result<(ClientConfig, ProducerConfig), String> {
    let servers = props
        .get("bootstrap.servers")
        .map(String::as_str)
        .unwrap_or("");
    let mut client = ClientConfig::new(servers).map_err(|error| match error {
        gregor_client::ClientError::Config(message) => message,
        other => other.to_string(),
    })?;
    let defaults = ProducerConfig::default();
    let acks = match props.get("acks").map(|a| a.trim()) {
        None => defaults.acks,
        Some("all") | Some("-1") => -1,
        Some("0") => 0,
        Some("1") => 1,
        Some(other) => {
            return Err(format!(
                "Invalid value {other} for configuration acks: String must be one of: all, -1, 0, 1"
            ))
        }
    };
    let compression = match props.get("compression.type").map(|c| c.trim()) {
        None => Compression::None,
        Some(name) => Compression::from_name(name).ok_or_else(|| {
            format!("Invalid value {name} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd")
        })?,
    };
    let non_negative = |key: &str, default: i64| -> Result<u64, String> {
        let value = int_prop(props, key, default)?;
        u64::try_from(value).map_err(|_| {
            format!("Invalid value {value} for configuration {key}: Value must be at least 0")
        })
    };
    let producer = ProducerConfig {
        acks,
        linger_ms: non_negative("linger.ms", defaults.linger_ms as i64)?,
        batch_size: non_negative("batch.size", defaults.batch_size as i64)? as usize,
        compression,
        request_timeout_ms: non_negative("request.timeout.ms", 30_000)?,
        retries: non_negative("retries", i64::from(defaults.retries))?.min(u64::from(u32::MAX))
            as u32,
        retry_backoff_ms: non_negative("retry.backoff.ms", defaults.retry_backoff_ms as i64)?,
        buffer_memory: non_negative("buffer.memory", defaults.buffer_memory as i64)? as usize,
        max_block_ms: non_negative("max.block.ms", defaults.max_block_ms as i64)?,
        max_in_flight: non_negative("max.in.flight.requests.per.connection", 5)?.max(1) as usize,
        max_request_size: non_negative("max.request.size", defaults.max_request_size as i64)?
            as usize,
    };
    client.connection.client_id = Some(
        props
            .get("client.id")
            .cloned()
            .unwrap_or_else(|| "producer-1".to_string()),
    );
    client.connection.request_timeout_ms = producer.request_timeout_ms.max(1);
    // Pipelining is bounded per request class by the producer; let the socket carry them all.
    client.connection.max_in_flight = producer.max_in_flight.max(1) + 2;
    client.retries = producer.retries.min(10);
    client.retry_backoff_ms = producer.retry_backoff_ms;
    Ok((client, producer))
}
