//! `kafka-console-producer` (Kafka 2.4's `kafka.tools.ConsoleProducer`): reads lines from
//! stdin, prints the `>` prompt before each read, and sends each line as a record with the
//! Java producer's defaults as the console producer sets them (`linger.ms` = `--timeout`,
//! `batch.size` = `--max-partition-memory-bytes`, ...). Exits 0 at end of input once every
//! record is acknowledged; send failures are logged as the Java `ErrorLoggingCallback` does.
//!
//! Shared with the other tools: [`command_line`] (option plumbing), [`producer`] (the batching
//! producer, also the engine of `kafka-producer-perf-test`) and [`partitioner`].

pub mod command_line;
pub mod config;
pub mod delivery;
pub mod partitioner;
pub mod producer;
pub mod reader;
mod sender;

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use gregor_client::KafkaClient;

use crate::log4j::log_line;
use command_line::Exit;
use config::ConsoleProducerConfig;
use producer::{Producer, ProducerError};
use reader::LineReader;

/// Logger name of the Java producer's error callback.
const ERROR_CALLBACK_LOGGER: &str =
    "org.apache.kafka.clients.producer.internals.ErrorLoggingCallback";

/// `kafka-console-producer` on the process's stdin, stdout and stderr; returns the exit code.
pub fn console_producer_main(args: &[String]) -> i32 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    run_console_producer(
        args,
        &mut input,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
}

/// `kafka-console-producer` reading `input`; what Kafka writes to stdout goes to `out`, stderr to
/// `err`. Builds its own tokio runtime, so it must not be called from inside one.
pub fn run_console_producer(
    args: &[String],
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let config = match ConsoleProducerConfig::from_args(args) {
        Ok(config) => config,
        Err(exit) => return exit.print(out, err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return Exit::uncaught("java.lang.IllegalStateException", &error.to_string())
                .print(out, err)
        }
    };
    let client = Arc::new(KafkaClient::new(config.client.clone()));
    let producer = {
        let _guard = runtime.enter();
        Producer::new(Arc::clone(&client), config.producer.clone())
    };
    // Kafka's shutdown hook closes (flushes) the producer on Ctrl-C or SIGTERM, so lines
    // already typed are delivered before the JVM exits.
    let on_signal = producer.clone();
    runtime.spawn(async move {
        let code = crate::console_consumer::shutdown_signal().await;
        on_signal.close().await;
        std::process::exit(code);
    });
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut reader = LineReader::from_properties(&config.reader_properties);
    let code = loop {
        let _ = out.write_all(b">");
        let _ = out.flush();
        let Some(line) = read_line(input) else {
            break 0;
        };
        let record = match reader.parse_line(&line) {
            Ok(record) => record,
            Err(message) => {
                // Kafka lets the KafkaException escape and prints its stack trace.
                let _ = writeln!(err, "org.apache.kafka.common.KafkaException: {message}");
                break 1;
            }
        };
        let (sent, result) = std::sync::mpsc::channel();
        let callback =
            error_logging_callback(&config.topic, &record.key, record.value.len(), &errors);
        let sync = config.sync;
        runtime.block_on(producer.send(
            &config.topic,
            None,
            record.key.as_deref(),
            Some(&record.value),
            now_ms(),
            Box::new(move |outcome| {
                if sync {
                    let _ = sent.send(outcome.clone());
                }
                callback(outcome);
            }),
        ));
        if sync {
            if let Ok(Err(error)) = result.recv() {
                drain_errors(&errors, err);
                let _ = writeln!(
                    err,
                    "java.util.concurrent.ExecutionException: {}: {error}",
                    error.java_class()
                );
                break 1;
            }
        }
        drain_errors(&errors, err);
    };
    runtime.block_on(producer.close());
    client.close();
    drain_errors(&errors, err);
    code
}

/// One line without its terminator (`\n` or `\r\n`, as Java's `readLine`); `None` at the end.
fn read_line(input: &mut dyn BufRead) -> Option<String> {
    let mut bytes = Vec::new();
    match input.read_until(b'\n', &mut bytes) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

/// The Java `ErrorLoggingCallback` (with `logAsString = false`): a failed record is logged at
/// ERROR with its topic, key and value sizes, then the exception.
fn error_logging_callback(
    topic: &str,
    key: &Option<Vec<u8>>,
    value_bytes: usize,
    errors: &Arc<Mutex<Vec<String>>>,
) -> impl FnOnce(Result<producer::RecordMetadata, ProducerError>) + Send + 'static {
    let key_text = key
        .as_ref()
        .map_or_else(|| "null".to_string(), |key| format!("{} bytes", key.len()));
    let message = format!(
        "Error when sending message to topic {topic} with key: {key_text}, value: {value_bytes} bytes with error:"
    );
    let errors = Arc::clone(errors);
    move |outcome| {
        if let Err(error) = outcome {
            let mut text = log_line("ERROR", &message, ERROR_CALLBACK_LOGGER);
            text.push_str(&format!("{}: {error}\n", error.java_class()));
            errors
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(text);
        }
    }
}

fn drain_errors(errors: &Mutex<Vec<String>>, err: &mut dyn Write) {
    let lines: Vec<String> = std::mem::take(&mut *errors.lock().unwrap_or_else(|p| p.into_inner()));
    for line in lines {
        let _ = err.write_all(line.as_bytes());
    }
}
