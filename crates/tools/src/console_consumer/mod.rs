//! `kafka-console-consumer` (Kafka 2.4's `kafka.tools.ConsoleConsumer`). Without `--partition`
//! it subscribes to `--topic`, or to every topic whose whole name matches the `--whitelist`
//! regex (new matching topics join within `metadata.max.age.ms`), in a consumer group
//! (`--group`, or `group.id` in the consumer
//! properties, else `console-consumer-<random>` with auto-commit off): each assigned partition
//! starts at the group's committed offset, else at the end (the beginning with
//! `--from-beginning` or `auto.offset.reset=earliest`); offsets are auto-committed while it
//! runs and on exit, and it leaves the group on exit. With `--partition` it reads just that
//! partition from `--offset` (default: the end) without joining. Records are printed with the
//! `DefaultMessageFormatter`; on exit (`--max-messages`, `--timeout-ms`, SIGINT/SIGTERM) it
//! prints `Processed a total of N messages` on stderr.

pub mod consumer;
pub mod formatter;
pub mod options;
pub mod session;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gregor_client::KafkaClient;

use crate::log4j::log_line;
use consumer::topic_partitions;
use formatter::DefaultMessageFormatter;
use options::ConsoleConsumerConfig;
use session::ConsumerSession;

/// Logger of Kafka's console consumer.
const LOGGER: &str = "kafka.tools.ConsoleConsumer$";

/// Bound on the commit and LeaveGroup at exit (the Java consumer's `close` default, 30 s).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

/// `kafka-console-consumer` on the process's stdout and stderr; returns the exit code.
pub fn console_consumer_main(args: &[String]) -> i32 {
    run_console_consumer(args, &mut std::io::stdout(), &mut std::io::stderr())
}

/// How the consume loop ended.
enum Ending {
    /// Max messages, signal: clean.
    Done,
    /// `--timeout-ms` without a record: logged at ERROR, still exit 0.
    Timeout,
    /// A failure talking to the cluster.
    Failed(String),
    /// stdout is gone (a closed pipe): Kafka's `checkError` path.
    OutputClosed,
}

/// `kafka-console-consumer` writing records to `out` and diagnostics to `err`. Builds its own
/// tokio runtime, so it must not be called from inside one.
pub fn run_console_consumer(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let config = match ConsoleConsumerConfig::from_args(args) {
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
            let _ = writeln!(err, "cannot start the runtime: {error}");
            return 1;
        }
    };
    let client = Arc::new(KafkaClient::new(config.client.clone()));
    let mut session = ConsumerSession::new(Arc::clone(&client), &config);
    let mut count: u64 = 0;
    let ending = runtime.block_on(async {
        let ending = tokio::select! {
            ending = consume(&config, &client, &mut session, out, &mut count) => ending,
            _ = shutdown_signal() => Ending::Done,
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, session.close()).await;
        ending
    });
    client.close();
    let _ = out.flush();
    let code = match ending {
        Ending::Done => 0,
        Ending::Timeout => {
            let message = "Error processing message, terminating consumer process: ";
            let _ = err.write_all(log_line("ERROR", message, LOGGER).as_bytes());
            let _ = writeln!(err, "org.apache.kafka.common.errors.TimeoutException");
            0
        }
        Ending::OutputClosed => {
            let _ = writeln!(err, "Unable to write to standard out, closing consumer.");
            0
        }
        Ending::Failed(message) => {
            let line = format!("Unknown error when running consumer: {message}");
            let _ = err.write_all(log_line("ERROR", &line, LOGGER).as_bytes());
            1
        }
    };
    let _ = writeln!(err, "Processed a total of {count} messages");
    code
}

/// Waits for SIGINT or SIGTERM (the JVM's shutdown-hook signals); returns the exit status the
/// JVM reports after its hooks ran (128 + signal number).
pub(crate) async fn shutdown_signal() -> i32 {
    use tokio::signal::unix::{signal, SignalKind};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => 130,
        () = terminate => 143,
    }
}

/// Waits for the topic, then polls and prints until an ending condition.
async fn consume(
    config: &ConsoleConsumerConfig,
    client: &Arc<KafkaClient>,
    session: &mut ConsumerSession,
    out: &mut dyn Write,
    count: &mut u64,
) -> Ending {
    let formatter = DefaultMessageFormatter::from_properties(&config.formatter_properties);
    let started = Instant::now();
    let timed_out = |since: Instant| {
        config
            .timeout_ms
            .is_some_and(|t| since.elapsed() >= Duration::from_millis(t))
    };
    // Wait for the topic to exist (the Java consumer keeps polling metadata likewise); a
    // whitelist subscribes to whatever matches, possibly nothing yet.
    while config.whitelist.is_none() {
        match topic_partitions(client, &config.topic).await {
            // An assigned partition that does not exist (yet) is waited for, as the Java
            // consumer keeps refreshing metadata.
            Ok(Some(partitions)) if config.partition.map_or(true, |p| partitions.contains(&p)) => {
                break
            }
            Ok(Some(_)) => {}
            Ok(None) => {}
            Err(error) if error.is_retriable() => {}
            Err(error) => return Ending::Failed(error.to_string()),
        }
        if timed_out(started) {
            return Ending::Timeout;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut last_record = Instant::now();
    loop {
        if config.max_messages.is_some_and(|max| *count >= max) {
            return Ending::Done;
        }
        // A poll (a join included) ends by --timeout-ms, as the Java consumer's poll does.
        let polled = match config.timeout_ms {
            Some(timeout) => {
                let left = Duration::from_millis(timeout).saturating_sub(last_record.elapsed());
                match tokio::time::timeout(left, session.poll()).await {
                    Ok(polled) => polled,
                    Err(_) => return Ending::Timeout,
                }
            }
            None => session.poll().await,
        };
        let records = match polled {
            Ok(records) => records,
            Err(error) if error.is_retriable() => Vec::new(),
            Err(error) => return Ending::Failed(error.to_string()),
        };
        if records.is_empty() {
            if timed_out(last_record) {
                return Ending::Timeout;
            }
            continue;
        }
        last_record = Instant::now();
        for (topic, record) in &records {
            if config.max_messages.is_some_and(|max| *count >= max) {
                break;
            }
            if formatter.write_to(record, out).is_err() {
                return Ending::OutputClosed;
            }
            session.consumed(topic, record);
            *count += 1;
        }
        let _ = out.flush();
    }
}
