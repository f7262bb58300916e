//! `kafka-topics` (Kafka 2.4's `kafka.admin.TopicCommand`): options and their checks in
//! `command`, the joptsimple-like parser in `options`, the `--zookeeper` implementation in
//! `zk_service`, argument parsing shared by both modes in `arguments`.
//!
//! Failures inside an action print `Error while executing topic command : <message>` on
//! stdout and log the exception at ERROR on stderr, exit code 1, as Kafka does.

pub mod arguments;
pub mod bootstrap_service;
pub mod command;
pub mod describe;
pub mod kafka_errors;
pub mod options;
pub mod zk_service;

use std::io::Write;

use gregor_zk::AdminError;

use crate::log4j::log_line;

/// ZooKeeper session and connection timeout of kafka-topics (Kafka's `30000`, `30000`).
const ZOOKEEPER_TIMEOUT_MS: u64 = 30_000;

/// A failure of an action: the Java exception class Kafka would throw and its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// Fully qualified exception class, for the ERROR log line.
    pub class: &'static str,
    /// The message printed after `Error while executing topic command : `.
    pub message: String,
}

impl CommandError {
    /// A `java.lang.IllegalArgumentException`.
    pub fn illegal_argument(message: impl Into<String>) -> CommandError {
        CommandError {
            class: "java.lang.IllegalArgumentException",
            message: message.into(),
        }
    }
}

impl From<AdminError> for CommandError {
    fn from(error: AdminError) -> CommandError {
        let class = match &error {
            AdminError::InvalidTopic(_) => "org.apache.kafka.common.errors.InvalidTopicException",
            AdminError::TopicExists(_) => "org.apache.kafka.common.errors.TopicExistsException",
            AdminError::InvalidPartitions(_) => {
                "org.apache.kafka.common.errors.InvalidPartitionsException"
            }
            AdminError::InvalidReplicationFactor(_) => {
                "org.apache.kafka.common.errors.InvalidReplicationFactorException"
            }
            AdminError::InvalidReplicaAssignment(_) => {
                "org.apache.kafka.common.errors.InvalidReplicaAssignmentException"
            }
            AdminError::InvalidConfig(_) => {
                "org.apache.kafka.common.errors.InvalidConfigurationException"
            }
            AdminError::UnknownTopicOrPartition(_) => {
                "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"
            }
            AdminError::TopicAlreadyMarkedForDeletion(_) => {
                "kafka.common.TopicAlreadyMarkedForDeletionException"
            }
            AdminError::BrokerNotAvailable(_) => {
                "org.apache.kafka.common.errors.BrokerNotAvailableException"
            }
            AdminError::AdminOperation(_) => "kafka.admin.AdminOperationException",
            AdminError::Zk(_) => "org.apache.zookeeper.KeeperException",
        };
        CommandError {
            class,
            message: error.to_string(),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> CommandError {
        CommandError {
            class: "java.io.IOException",
            message: error.to_string(),
        }
    }
}

/// `kafka-topics` on the process's stdout and stderr: what `gregor kafka-topics` runs.
pub fn kafka_topics_stdio(args: &[String]) -> i32 {
    let code = kafka_topics_main(args, &mut std::io::stdout(), &mut std::io::stderr());
    // Nothing sensible is left to do if stdout is gone; the exit code still tells.
    let _ = std::io::stdout().flush();
    code
}

/// Runs `kafka-topics` with `args` (without the program name), writing what Kafka writes to
/// stdout into `out` and to stderr into `err`; returns the exit code. Creates its own tokio
/// runtime, so it must not be called from inside one.
pub fn kafka_topics_main(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let options = match command::parse_and_check(args) {
        Ok(options) => options,
        Err(exit) => {
            // Output failures cannot be reported anywhere better than the exit code.
            let _ = out.write_all(exit.stdout.as_bytes());
            let _ = err.write_all(exit.stderr.as_bytes());
            return exit.code;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(err, "Exception in thread \"main\" java.lang.IllegalStateException: cannot start the runtime: {error}");
            return 1;
        }
    };
    runtime.block_on(async {
        match options.value_of("zookeeper") {
            Some(connect) => run_zookeeper(connect, &options, out, err).await,
            None => run_bootstrap(&options, out, err).await,
        }
    })
}

/// `--zookeeper`: connect (a failure escapes `main`, as Kafka builds the client outside its
/// try), run the action, close the session.
async fn run_zookeeper(
    connect: &str,
    options: &options::ParsedOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let zk = match gregor_zk::KafkaZkClient::connect(
        connect,
        ZOOKEEPER_TIMEOUT_MS,
        ZOOKEEPER_TIMEOUT_MS,
    )
    .await
    {
        Ok(zk) => zk,
        Err(error) => {
            let _ = writeln!(err, "Exception in thread \"main\" kafka.zookeeper.ZooKeeperClientTimeoutException: {error}");
            return 1;
        }
    };
    let result = zk_service::run(&zk, options, out).await;
    zk.close().await;
    report(result, out, err)
}

/// `--bootstrap-server`: build the admin client (config errors escape `main`), run the action.
async fn run_bootstrap(
    options: &options::ParsedOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if let Some(path) = options.value_of("command-config") {
        // Only read to fail like Kafka's `Utils.loadProps` on a missing file; no admin client
        // property of that file changes what this tool does.
        if let Err(error) = std::fs::read(path) {
            let _ = writeln!(
                err,
                "Exception in thread \"main\" java.io.FileNotFoundException: {path} ({error})"
            );
            return 1;
        }
    }
    let servers = options.value_of("bootstrap-server").unwrap_or_default();
    let mut config = match gregor_client::ClientConfig::new(servers) {
        Ok(config) => config,
        Err(error) => {
            let _ = writeln!(err, "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed create new KafkaAdminClient ({error})");
            return 1;
        }
    };
    config.connection.client_id = Some("adminclient-1".to_string());
    let client = gregor_client::KafkaClient::new(config);
    let result = bootstrap_service::run(&client, options, out).await;
    client.close();
    report(result, out, err)
}

/// Kafka's catch-all in `main`: the message on stdout, the exception logged at ERROR, exit 1.
fn report(result: Result<(), CommandError>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match result {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(
                out,
                "Error while executing topic command : {}",
                error.message
            );
            let _ = err.write_all(
                log_line(
                    "ERROR",
                    &format!("{}: {}", error.class, error.message),
                    "kafka.admin.TopicCommand$",
                )
                .as_bytes(),
            );
            1
        }
    }
}
