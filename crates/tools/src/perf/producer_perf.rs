//! `kafka-producer-perf-test` (Kafka 2.4's `org.apache.kafka.tools.ProducerPerformance`):
//! sends `--num-records` records of `--record-size` bytes (or payloads from `--payload-file`)
//! through the batching producer, throttled to `--throughput`, printing a window line every
//! 5 s and the total line with latency percentiles at the end. Command-line errors look like
//! argparse4j's (`producer-performance: error: ...`).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use gregor_client::KafkaClient;

use super::stats::{random_payload, JavaRandom, Stats, ThroughputThrottler};
use crate::console_producer::command_line::{load_props, parse_properties};
use crate::console_producer::config::producer_config_from_props;
use crate::console_producer::producer::Producer;

const USAGE: &str = "usage: producer-performance [-h] --topic TOPIC --num-records NUM-RECORDS [--payload-delimiter PAYLOAD-DELIMITER] --throughput THROUGHPUT [--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]] [--producer.config CONFIG-FILE] [--print-metrics] [--transactional-id TRANSACTIONAL-ID] [--transaction-duration-ms TRANSACTION-DURATION] (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE)\n";

/// The parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerPerfArgs {
    /// `--topic`.
    pub topic: String,
    /// `--num-records`.
    pub num_records: u64,
    /// `--record-size`.
    pub record_size: Option<usize>,
    /// `--payload-file`.
    pub payload_file: Option<String>,
    /// `--payload-delimiter` (`\n`).
    pub payload_delimiter: String,
    /// `--throughput` (records/s, -1 = unthrottled).
    pub throughput: i64,
    /// `--producer-props`.
    pub producer_props: Vec<String>,
    /// `--producer.config`.
    pub producer_config: Option<String>,
    /// `--print-metrics` (accepted; Gregor's producer has no metrics registry to print).
    pub print_metrics: bool,
}

/// argparse4j's failure: usage and `producer-performance: error: <message>`, exit 1.
fn arg_error(message: &str) -> (String, i32) {
    (
        format!("{USAGE}producer-performance: error: {message}\n"),
        1,
    )
}

/// Parses the arguments as ProducerPerformance's argparse4j parser does.
pub fn parse_args(args: &[String]) -> Result<ProducerPerfArgs, (String, i32)> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Err((
            format!("{USAGE}\nThis tool is used to verify the producer performance.\n"),
            0,
        ));
    }
    let mut parsed = ProducerPerfArgs {
        payload_delimiter: "\\n".to_string(),
        ..Default::default()
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < args.len() {
        let name = args[index].as_str();
        index += 1;
        if name == "--print-metrics" {
            parsed.print_metrics = true;
            continue;
        }
        let known = [
            "--topic",
            "--num-records",
            "--payload-delimiter",
            "--throughput",
            "--producer-props",
            "--producer.config",
            "--transactional-id",
            "--transaction-duration-ms",
            "--record-size",
            "--payload-file",
        ];
        let Some(&name) = known.iter().find(|k| **k == name) else {
            return Err(arg_error(&format!("unrecognized arguments: '{name}'")));
        };
        seen.push(name);
        let mut values = Vec::new();
        while index < args.len() && !(args[index].starts_with("--") && args[index].len() > 2) {
            values.push(args[index].clone());
            index += 1;
            if name != "--producer-props" {
                break;
            }
        }
        let Some(value) = values.first().cloned() else {
            return Err(arg_error(&format!(
                "argument {name}: expected one argument"
            )));
        };
        let number = |value: &str| {
            value.parse::<i64>().map_err(|_| {
                arg_error(&format!(
                    "argument {name}: could not convert '{value}' to Long"
                ))
            })
        };
        match name {
            "--topic" => parsed.topic = value,
            "--num-records" => parsed.num_records = u64::try_from(number(&value)?).unwrap_or(0),
            "--payload-delimiter" => parsed.payload_delimiter = value,
            "--throughput" => parsed.throughput = number(&value)?,
            "--producer-props" => parsed.producer_props = values,
            "--producer.config" => parsed.producer_config = Some(value),
            "--record-size" => {
                parsed.record_size = Some(usize::try_from(number(&value)?).unwrap_or(0))
            }
            "--payload-file" => parsed.payload_file = Some(value),
            _ => {}
        }
    }
    for required in ["--topic", "--num-records", "--throughput"] {
        if !seen.contains(&required) {
            return Err(arg_error(&format!("argument {required} is required")));
        }
    }
    match (parsed.record_size.is_some(), parsed.payload_file.is_some()) {
        (false, false) => {
            return Err(arg_error(
                "one of the arguments --record-size --payload-file is required",
            ))
        }
        (true, true) => {
            return Err(arg_error(
                "argument --payload-file: not allowed with argument --record-size",
            ))
        }
        _ => {}
    }
    if parsed.producer_props.is_empty() && parsed.producer_config.is_none() {
        return Err(arg_error(
            "Either --producer-props or --producer.config must be specified.",
        ));
    }
    Ok(parsed)
}

/// `kafka-producer-perf-test` on stdout and stderr.
pub fn producer_perf_test_main(args: &[String]) -> i32 {
    run_producer_perf_test(args, &mut std::io::stdout(), &mut std::io::stderr())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The producer properties: the config file, then `--producer-props` (each exactly `k=v`).
fn producer_properties(parsed: &ProducerPerfArgs) -> Result<BTreeMap<String, String>, String> {
    let mut props = match &parsed.producer_config {
        Some(path) => load_props(path).map_err(|exit| exit.stderr)?,
        None => BTreeMap::new(),
    };
    for prop in &parsed.producer_props {
        let pieces: Vec<&str> = prop.split('=').collect();
        if pieces.len() != 2 {
            return Err(format!("Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid property: {prop}\n"));
        }
        props.extend(parse_properties(&format!("{}={}", pieces[0], pieces[1])));
    }
    Ok(props)
}

/// The payloads of `--payload-file`, split at the delimiter.
fn read_payloads(parsed: &ProducerPerfArgs, out: &mut dyn Write) -> Result<Vec<Vec<u8>>, String> {
    let Some(path) = &parsed.payload_file else {
        return Ok(Vec::new());
    };
    let absolute =
        std::path::absolute(path).map_or_else(|_| path.clone(), |p| p.display().to_string());
    let _ = writeln!(out, "Reading payloads from: {absolute}");
    let text = std::fs::read(path).unwrap_or_default();
    if text.is_empty() {
        return Err("Exception in thread \"main\" java.lang.IllegalArgumentException: File does not exist or empty file provided.\n".into());
    }
    // argparse4j keeps the delimiter as typed; Java's split takes it as a regex, and the
    // default "\\n" (backslash n) is the regex for a newline.
    let delimiter = if parsed.payload_delimiter == "\\n" {
        "\n".to_string()
    } else {
        parsed.payload_delimiter.clone()
    };
    let text = String::from_utf8_lossy(&text).into_owned();
    let mut payloads: Vec<Vec<u8>> = text
        .split(delimiter.as_str())
        .map(|p| p.as_bytes().to_vec())
        .collect();
    while payloads.last().is_some_and(Vec::is_empty) {
        payloads.pop();
    }
    let _ = writeln!(out, "Number of messages read: {}", payloads.len());
    Ok(payloads)
}

/// `kafka-producer-perf-test` writing to `out` and `err`; builds its own runtime.
pub fn run_producer_perf_test(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let parsed = match parse_args(args) {
        Ok(parsed) => parsed,
        Err((text, code)) => {
            let target: &mut dyn Write = if code == 0 { out } else { err };
            let _ = target.write_all(text.as_bytes());
            return code;
        }
    };
    let setup = producer_properties(&parsed).and_then(|props| {
        producer_config_from_props(&props).map_err(|message| {
            format!("Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: {message}\n")
        })
    });
    let (client_config, producer_config) = match setup {
        Ok(configs) => configs,
        Err(text) => {
            let _ = err.write_all(text.as_bytes());
            return 1;
        }
    };
    let payloads = match read_payloads(&parsed, out) {
        Ok(payloads) => payloads,
        Err(text) => {
            let _ = err.write_all(text.as_bytes());
            return 1;
        }
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
    let lines = runtime.block_on(run(parsed, payloads, client_config, producer_config, out));
    let _ = err.write_all(lines.as_bytes());
    0
}

/// Shared between the send loop and the callbacks: the stats and the lines not yet printed.
struct Progress {
    stats: Stats,
    window_lines: Vec<String>,
    errors: Vec<String>,
}

async fn run(
    parsed: ProducerPerfArgs,
    payloads: Vec<Vec<u8>>,
    client_config: gregor_client::ClientConfig,
    producer_config: crate::console_producer::producer::ProducerConfig,
    out: &mut dyn Write,
) -> String {
    let client = Arc::new(KafkaClient::new(client_config));
    let producer = Producer::new(Arc::clone(&client), producer_config);
    let fixed_payload = Arc::new(parsed.record_size.map(random_payload).unwrap_or_default());
    let mut random = JavaRandom::new(0);
    let start_ms = now_ms();
    let progress = Arc::new(Mutex::new(Progress {
        stats: Stats::new(parsed.num_records, 5000, start_ms),
        window_lines: Vec::new(),
        errors: Vec::new(),
    }));
    let mut throttler = ThroughputThrottler::new(parsed.throughput, start_ms);
    let mut last_drain = Instant::now();
    for iteration in 0..parsed.num_records {
        let payload: &[u8] = if payloads.is_empty() {
            &fixed_payload
        } else {
            &payloads[random.next_int(payloads.len() as i32) as usize]
        };
        let send_start_ms = now_ms();
        let bytes = payload.len();
        let shared = Arc::clone(&progress);
        let callback = Box::new(
            move |outcome: Result<_, crate::console_producer::producer::ProducerError>| {
                let now = now_ms();
                let mut progress = shared.lock().unwrap_or_else(|p| p.into_inner());
                match outcome {
                    Ok(_) => {
                        let latency_ms = i32::try_from(now - send_start_ms).unwrap_or(i32::MAX);
                        if let Some(line) = progress.stats.record(iteration, latency_ms, bytes, now)
                        {
                            progress.window_lines.push(line);
                        }
                    }
                    Err(error) if progress.errors.len() < 100 => {
                        let line = format!("{}: {error}\n", error.java_class());
                        progress.errors.push(line);
                    }
                    Err(_) => {}
                }
            },
        );
        producer
            .send(
                &parsed.topic,
                None,
                None,
                Some(payload),
                send_start_ms,
                callback,
            )
            .await;
        if throttler.should_throttle(iteration, send_start_ms) {
            let sleep = throttler.throttle();
            if !sleep.is_zero() {
                tokio::time::sleep(sleep).await;
            }
        }
        if last_drain.elapsed().as_millis() >= 100 {
            last_drain = Instant::now();
            print_windows(&progress, out);
        }
    }
    producer.close().await;
    client.close();
    print_windows(&progress, out);
    let mut progress = progress.lock().unwrap_or_else(|p| p.into_inner());
    let _ = writeln!(out, "{}", progress.stats.total_line(now_ms()));
    let _ = out.flush();
    progress.errors.concat()
}

fn print_windows(progress: &Mutex<Progress>, out: &mut dyn Write) {
    let lines = std::mem::take(
        &mut progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .window_lines,
    );
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}
