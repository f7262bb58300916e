//! `kafka-consumer-perf-test` (Kafka 2.4's `kafka.tools.ConsumerPerformance`): consumes
//! `--messages` records of `--topic` from the earliest offset (latest with `--from-latest`)
//! across all partitions, stops after `--timeout` ms without records, and prints Kafka's header
//! and result line (or per-interval lines with `--show-detailed-stats`). Without group support,
//! partitions are assigned directly, so `rebalance.time.ms` is 0; `--group` and `--threads` are
//! accepted and ignored.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use gregor_client::{ClientConfig, FetchOptions, KafkaClient};

use super::stats::java_fixed;
use crate::console_consumer::consumer::{topic_partitions, AssignedConsumer, StartPosition};
use crate::console_producer::command_line::{
    check_required, flag, integer_arg, load_props, number_of, parse_with_help, string_arg, Exit,
};
use crate::topics::options::OptionSpec;

/// Kafka 2.4's ConsumerPerformance options.
pub fn specs() -> Vec<OptionSpec> {
    vec![
        string_arg("broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. The broker list string in the form HOST1:PORT1,HOST2:PORT2.", "broker-list"),
        string_arg("bootstrap-server", "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to.", "server to connect to"),
        string_arg("topic", "REQUIRED: The topic to consume from.", "topic"),
        string_arg("group", "The group id to consume on. (default: perf-consumer-<random>)", "gid"),
        integer_arg("fetch-size", "The amount of data to fetch in a single request. (default: 1048576)", "size"),
        flag("from-latest", "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message."),
        integer_arg("socket-buffer-size", "The size of the tcp RECV size. (default: 2097152)", "size"),
        integer_arg("threads", "Number of processing threads. (default: 10)", "count"),
        integer_arg("num-fetch-threads", "Number of fetcher threads. (default: 1)", "count"),
        string_arg("consumer.config", "Consumer config properties file.", "config file"),
        flag("print-metrics", "Print out the metrics."),
        flag("show-detailed-stats", "If set, stats are reported for each reporting interval as configured by reporting-interval"),
        integer_arg("timeout", "The maximum allowed time in milliseconds between returned records. (default: 10000)", "milliseconds"),
        integer_arg("messages", "REQUIRED: The number of messages to send or consume", "count"),
        integer_arg("reporting-interval", "Interval in milliseconds at which to print progress info. (default: 5000)", "interval_ms"),
        string_arg("date-format", "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)", "date format"),
        flag("hide-header", "If set, skips printing the header for the stats "),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

/// `SimpleDateFormat` for the patterns the tool is used with (yyyy MM dd HH mm ss SSS and
/// literals), in UTC.
pub fn format_date(pattern: &str, epoch_ms: i64) -> String {
    let stamp = crate::log4j::format_timestamp(epoch_ms); // yyyy-MM-dd HH:mm:ss,SSS
    let fields = [
        ("yyyy", &stamp[0..4]),
        ("SSS", &stamp[20..23]),
        ("MM", &stamp[5..7]),
        ("dd", &stamp[8..10]),
        ("HH", &stamp[11..13]),
        ("mm", &stamp[14..16]),
        ("ss", &stamp[17..19]),
    ];
    let mut out = String::new();
    let mut rest = pattern;
    'scan: while !rest.is_empty() {
        for (token, value) in fields {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// The header line.
pub fn header(show_detailed_stats: bool) -> String {
    let extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
    if show_detailed_stats {
        format!(
            "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec{extra}"
        )
    } else {
        format!("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec{extra}")
    }
}

/// The result line (no rebalance here, so fetch time is the whole time).
pub fn result_line(
    date_format: &str,
    start_ms: i64,
    end_ms: i64,
    bytes: u64,
    messages: u64,
) -> String {
    let elapsed_secs = (end_ms - start_ms) as f64 / 1000.0;
    let fetch_time_ms = end_ms - start_ms;
    let mb = bytes as f64 / (1024.0 * 1024.0);
    format!(
        "{}, {}, {}, {}, {messages}, {}, 0, {fetch_time_ms}, {}, {}",
        format_date(date_format, start_ms),
        format_date(date_format, end_ms),
        java_fixed(mb, 4),
        java_fixed(mb / elapsed_secs, 4),
        java_fixed(messages as f64 / elapsed_secs, 4),
        java_fixed(mb / (fetch_time_ms as f64 / 1000.0), 4),
        java_fixed(messages as f64 / (fetch_time_ms as f64 / 1000.0), 4),
    )
}

/// A `--show-detailed-stats` line for the interval from `last` to now.
fn progress_line(
    date_format: &str,
    totals: (u64, u64),
    last: (u64, u64),
    start_ms: i64,
    end_ms: i64,
) -> String {
    let elapsed_ms = (end_ms - start_ms) as f64;
    let interval_mb = (totals.0 - last.0) as f64 / (1024.0 * 1024.0);
    let interval_messages = (totals.1 - last.1) as f64;
    let (fetch_mb_sec, fetch_msg_sec) = if elapsed_ms <= 0.0 {
        (0.0, 0.0)
    } else {
        (
            1000.0 * interval_mb / elapsed_ms,
            1000.0 * interval_messages / elapsed_ms,
        )
    };
    let mut line = format!(
        "{}, 0, {}, {}, {}, {}",
        format_date(date_format, end_ms),
        java_fixed(totals.0 as f64 / (1024.0 * 1024.0), 4),
        java_fixed(1000.0 * interval_mb / elapsed_ms, 4),
        totals.1,
        java_fixed(interval_messages / elapsed_ms * 1000.0, 4),
    );
    let _ = write!(
        line,
        ", 0, {}, {}, {}",
        end_ms - start_ms,
        java_fixed(fetch_mb_sec, 4),
        java_fixed(fetch_msg_sec, 4)
    );
    line
}

/// `kafka-consumer-perf-test` on stdout and stderr.
pub fn consumer_perf_test_main(args: &[String]) -> i32 {
    run_consumer_perf_test(args, &mut std::io::stdout(), &mut std::io::stderr())
}

/// Checked settings.
struct PerfSettings {
    topic: String,
    messages: u64,
    timeout_ms: i64,
    reporting_interval_ms: i64,
    detailed: bool,
    date_format: String,
    start: StartPosition,
    client: ClientConfig,
    fetch: FetchOptions,
}

fn settings(args: &[String]) -> Result<(PerfSettings, bool), Exit> {
    let specs = specs();
    let options = parse_with_help(
        &specs,
        args,
        "This tool helps in performance test for the full zookeeper consumer",
    )?;
    check_required(&specs, &options, &["topic", "messages"])?;
    let servers = match options
        .value_of("bootstrap-server")
        .or_else(|| options.value_of("broker-list"))
    {
        Some(servers) => servers,
        None => {
            return Err(Exit::usage(
                &specs,
                "Missing required argument \"[bootstrap-server]\"",
            ))
        }
    };
    let props = match options.value_of("consumer.config") {
        Some(path) => load_props(path)?,
        None => Default::default(),
    };
    let mut client = ClientConfig::new(servers).map_err(|error| {
        Exit::uncaught(
            "org.apache.kafka.common.KafkaException",
            &format!("Failed to construct kafka consumer: {error}"),
        )
    })?;
    client.connection.client_id = Some(
        props
            .get("client.id")
            .cloned()
            .unwrap_or_else(|| "consumer-1".into()),
    );
    let fetch_size = number_of::<i32>(&options, "fetch-size", 1024 * 1024)?;
    let fetch = FetchOptions {
        partition_max_bytes: fetch_size,
        // The Java tool polls every 100 ms; a fetch should not wait longer than that either.
        max_wait_ms: 100,
        ..FetchOptions::default()
    };
    let settings = PerfSettings {
        topic: options.value_of("topic").unwrap_or_default().to_string(),
        messages: u64::try_from(number_of::<i64>(&options, "messages", 0)?).unwrap_or(0),
        timeout_ms: number_of::<i64>(&options, "timeout", 10_000)?,
        reporting_interval_ms: number_of::<i64>(&options, "reporting-interval", 5000)?,
        detailed: options.has("show-detailed-stats"),
        date_format: options
            .value_of("date-format")
            .unwrap_or("yyyy-MM-dd HH:mm:ss:SSS")
            .to_string(),
        start: if options.has("from-latest") {
            StartPosition::Latest
        } else {
            StartPosition::Earliest
        },
        client,
        fetch,
    };
    Ok((settings, options.has("hide-header")))
}

/// `kafka-consumer-perf-test` writing to `out` and `err`; builds its own runtime.
pub fn run_consumer_perf_test(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (settings, hide_header) = match settings(args) {
        Ok(parsed) => parsed,
        Err(exit) => return exit.print(out, err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(err, "cannot start the runtime: {error}");
            return 1;
        }
    };
    if !hide_header {
        let _ = writeln!(out, "{}", header(settings.detailed));
    }
    match runtime.block_on(consume(&settings, out)) {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(
                err,
                "Exception in thread \"main\" org.apache.kafka.common.KafkaException: {message}"
            );
            1
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

async fn consume(settings: &PerfSettings, out: &mut dyn Write) -> Result<(), String> {
    let client = Arc::new(KafkaClient::new(settings.client.clone()));
    let start_ms = now_ms();
    let mut partitions = None;
    while partitions.is_none() && now_ms() - start_ms <= settings.timeout_ms {
        partitions = topic_partitions(&client, &settings.topic)
            .await
            .map_err(|e| e.to_string())?;
        if partitions.is_none() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut consumer = AssignedConsumer::assign(
        Arc::clone(&client),
        &settings.topic,
        &partitions.unwrap_or_default(),
        settings.start,
        settings.fetch.clone(),
        settings.start == StartPosition::Earliest,
    )
    .await
    .map_err(|e| e.to_string())?;
    let (mut bytes, mut messages) = (0u64, 0u64);
    let (mut last_bytes, mut last_messages) = (0u64, 0u64);
    let mut last_report_ms = start_ms;
    let mut last_consumed_ms = now_ms();
    let mut current_ms = last_consumed_ms;
    while messages < settings.messages && current_ms - last_consumed_ms <= settings.timeout_ms {
        let records = match consumer.poll().await {
            Ok(records) => records,
            Err(error) if error.is_retriable() => Vec::new(),
            Err(error) => return Err(error.to_string()),
        };
        if records.is_empty() {
            // poll(100 ms) in the Java tool: an empty round still takes its time.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        current_ms = now_ms();
        if !records.is_empty() {
            last_consumed_ms = current_ms;
        }
        for record in records {
            messages += 1;
            bytes += record.key.map_or(0, |k| k.len() as u64)
                + record.value.map_or(0, |v| v.len() as u64);
            if current_ms - last_report_ms >= settings.reporting_interval_ms {
                if settings.detailed {
                    let line = progress_line(
                        &settings.date_format,
                        (bytes, messages),
                        (last_bytes, last_messages),
                        last_report_ms,
                        current_ms,
                    );
                    let _ = writeln!(out, "{line}");
                }
                last_report_ms = current_ms;
                last_messages = messages;
                last_bytes = bytes;
            }
        }
    }
    if messages < settings.messages {
        let _ = writeln!(out, "WARNING: Exiting before consuming the expected number of messages: timeout ({} ms) exceeded. You can use the --timeout option to increase the timeout.", settings.timeout_ms);
    }
    let end_ms = now_ms();
    client.close();
    if !settings.detailed {
        let _ = writeln!(
            out,
            "{}",
            result_line(&settings.date_format, start_ms, end_ms, bytes, messages)
        );
    }
    let _ = out.flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_result_lines_use_kafkas_format() {
        assert_eq!(
            format_date("yyyy-MM-dd HH:mm:ss:SSS", 1_587_205_587_441),
            "2020-04-18 10:26:27:441"
        );
        assert_eq!(
            result_line("yyyy-MM-dd HH:mm:ss:SSS", 0, 2000, 2 * 1024 * 1024, 1000),
            "1970-01-01 00:00:00:000, 1970-01-01 00:00:02:000, 2.0000, 1.0000, 1000, 500.0000, 0, 2000, 1.0000, 500.0000"
        );
        assert!(header(false).starts_with("start.time, end.time, data.consumed.in.MB, MB.sec"));
    }
}
