//! `kafka-consumer-groups` (Kafka 2.4's `kafka.admin.ConsumerGroupCommand`, §5.4): `--list`,
//! `--describe` (`--offsets`, `--members [--verbose]`, `--state`), `--delete`,
//! `--reset-offsets` and `--delete-offsets`, over a `--bootstrap-server`, with Kafka's tables and messages.
//!
//! * `options`: the option table and every refusal (usage on stderr, exit 1);
//! * `describe`: the three describe views;
//! * `reset`: planning and committing offset resets;
//! * `reset_specs`: the values of `--to-datetime`, `--by-duration` and `--from-file`;
//! * `delete_offsets`: OffsetDelete and its report;
//! * here: the run, `--list`, `--delete`, and Kafka's error printing.
//!
//! Like Kafka, a failure while acting prints `\nError: <message>` on stdout (the exception on
//! stderr) and still exits 0; only usage refusals exit 1.

pub mod delete_offsets;
pub mod describe;
pub mod options;
pub mod reset;
pub mod reset_specs;

use std::io::Write;

use gregor_client::group::CONSUMER_PROTOCOL_TYPE;
use gregor_client::{ClientConfig, ErrorCode, KafkaClient};

use crate::console_producer::command_line::Exit;
use crate::topics::kafka_errors::{client_failure, exception_of};
use crate::topics::CommandError;
use options::{Action, GroupCommand};

/// How an action stopped early.
#[derive(Debug)]
pub enum Failure {
    /// `printUsageAndDie` inside the action: the message and the option table, exit 1.
    Usage(String),
    /// An exception caught by `main`: `Error: Executing consumer group command failed due to
    /// <message>`, exit 0.
    Command(CommandError),
}

impl From<gregor_client::ClientError> for Failure {
    fn from(error: gregor_client::ClientError) -> Failure {
        Failure::Command(client_failure(error))
    }
}

/// `kafka-consumer-groups` on the process's stdout and stderr; returns the exit code.
pub fn consumer_groups_main(args: &[String]) -> i32 {
    run_consumer_groups(args, &mut std::io::stdout(), &mut std::io::stderr())
}

/// `kafka-consumer-groups` writing to `out` and `err`. Builds its own tokio runtime, so it must
/// not be called from inside one.
pub fn run_consumer_groups(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let command = match options::parse(args) {
        Ok(command) => command,
        Err(exit) => return exit.print(out, err),
    };
    let _ = err.write_all(command.warnings.as_bytes());
    let client = match admin_client(&command) {
        Ok(client) => client,
        Err(exit) => return exit.print(out, err),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(err, "cannot start the runtime: {error}");
            return 1;
        }
    };
    let result = runtime.block_on(run_action(&command, &client, out, err));
    client.close();
    let code = match result {
        Ok(()) => 0,
        Err(Failure::Usage(message)) => Exit::usage(&options::specs(), &message).print(out, err),
        Err(Failure::Command(error)) => {
            let message = format!(
                "Executing consumer group command failed due to {}",
                error.message
            );
            print_error(out, &message);
            let _ = writeln!(err, "{}: {}", error.class, error.message);
            0
        }
    };
    let _ = out.flush();
    code
}

/// The admin client's settings: the bootstrap servers, `--timeout` as the request bound and
/// `client.id` from `--command-config`.
fn admin_client(command: &GroupCommand) -> Result<KafkaClient, Exit> {
    let mut config = ClientConfig::new(&command.bootstrap_server).map_err(|error| {
        let message = error.to_string();
        Exit::uncaught(
            "org.apache.kafka.common.config.ConfigException",
            message.trim_start_matches("invalid client configuration: "),
        )
    })?;
    config.connection.client_id = Some(
        command
            .command_config
            .get("client.id")
            .cloned()
            .unwrap_or_else(|| "adminclient-1".to_string()),
    );
    config.connection.connect_timeout_ms = command.timeout_ms.max(1);
    config.connection.request_timeout_ms = command.timeout_ms.max(1);
    Ok(KafkaClient::new(config))
}

async fn run_action(
    command: &GroupCommand,
    client: &KafkaClient,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match &command.action {
        Action::List => {
            for group in list_consumer_groups(client, command.timeout_ms).await? {
                let _ = writeln!(out, "{group}");
            }
            Ok(())
        }
        Action::Describe(view) => describe::describe(command, client, *view, out, err).await,
        Action::Delete => delete_groups(command, client, out).await,
        Action::ResetOffsets(scenario) => {
            reset::reset_offsets(command, client, scenario.as_ref(), out, err).await
        }
        Action::DeleteOffsets => delete_offsets::delete_offsets(command, client, out).await,
    }
}

/// Kafka's `printError`: a blank line and `Error: <message>` on stdout.
pub fn print_error(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "\nError: {message}");
}

/// The consumer groups of the cluster (the admin client's `listConsumerGroups`: every broker's
/// groups whose protocol type is `consumer` or empty), in the brokers' order.
pub async fn list_consumer_groups(
    client: &KafkaClient,
    timeout_ms: u64,
) -> Result<Vec<String>, Failure> {
    Ok(client
        .list_groups(timeout_ms)
        .await?
        .into_iter()
        .filter(|group| {
            group.protocol_type.is_empty() || group.protocol_type == CONSUMER_PROTOCOL_TYPE
        })
        .map(|group| group.group_id)
        .collect())
}

/// The groups an action applies to: `--all-groups` or the `--group` values.
pub async fn selected_groups(
    command: &GroupCommand,
    client: &KafkaClient,
) -> Result<Vec<String>, Failure> {
    if command.all_groups {
        list_consumer_groups(client, command.timeout_ms).await
    } else {
        Ok(command.groups.clone())
    }
}

/// `--delete`: one DeleteGroups per group; all deleted prints one success line, otherwise each
/// failure (as the admin client's `ExecutionException`) and the groups that were deleted.
async fn delete_groups(
    command: &GroupCommand,
    client: &KafkaClient,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let groups = selected_groups(command, client).await?;
    let results = client.delete_groups(&groups, command.timeout_ms).await?;
    let quoted = |names: &[&String]| {
        names
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let succeeded: Vec<&String> = results
        .iter()
        .filter(|(_, error)| error.is_ok())
        .map(|(group, _)| group)
        .collect();
    let failed: Vec<(&String, ErrorCode)> = results
        .iter()
        .filter(|(_, error)| !error.is_ok())
        .map(|(group, error)| (group, *error))
        .collect();
    if failed.is_empty() {
        let _ = writeln!(
            out,
            "Deletion of requested consumer groups ({}) was successful.",
            quoted(&succeeded)
        );
        return Ok(());
    }
    print_error(out, "Deletion of some consumer groups failed:");
    for (group, error) in failed {
        let (class, message) = exception_of(error);
        let _ = writeln!(out, "* Group '{group}' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.{class}: {message}");
    }
    if !succeeded.is_empty() {
        let _ = writeln!(
            out,
            "\nThese consumer groups were deleted successfully: {}",
            quoted(&succeeded)
        );
    }
    Ok(())
}
