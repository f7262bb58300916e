//! `--delete-offsets` (Kafka 2.4's `ConsumerGroupCommand.deleteOffsets`, KIP-496): the
//! committed offsets of one group for the `--topic`s given (`topic` for all its partitions,
//! `topic:0,1` for some) go through OffsetDelete; a line for the outcome, then a
//! `TOPIC PARTITION STATUS` table with one row per partition (`Not Provided` for a topic that
//! does not exist).

use std::io::Write;

use gregor_client::{ErrorCode, KafkaClient};

use super::options::GroupCommand;
use super::{print_error, Failure};
use crate::topics::kafka_errors::exception_of;
use crate::topics::CommandError;

/// Deletes the offsets and prints Kafka's report.
pub async fn delete_offsets(
    command: &GroupCommand,
    client: &KafkaClient,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let group = command.groups.first().cloned().unwrap_or_default();
    let (partitions, mut rows) = partitions_of(command, client).await?;
    let (top_level, errors) = if partitions.is_empty() {
        (ErrorCode::None, Vec::new())
    } else {
        client
            .delete_offsets(&group, &partitions, command.timeout_ms)
            .await?
    };
    match top_level.code() {
        0 => {
            let _ = writeln!(
                out,
                "Request succeed for deleting offsets with topic {} group {group}",
                command.topics.join(", ")
            );
        }
        24 => print_error(out, &format!("'{group}' is not valid.")),
        69 => print_error(out, &format!("'{group}' does not exist.")),
        30 => print_error(out, &format!("Access to '{group}' is not authorized.")),
        68 => print_error(
            out,
            &format!(
                "Deleting offsets of a consumer group '{group}' is forbidden if the group is not empty."
            ),
        ),
        86 | 29 | 3 => print_error(
            out,
            "Encounter some partition level error, see the follow-up details:",
        ),
        _ => print_error(
            out,
            &format!("Encounter some unknown error: {}", top_level.name()),
        ),
    }
    rows.extend(errors.into_iter().map(|(tp, error)| (tp, status(error))));
    // Kafka sorts by topic name and partition number concatenated as strings.
    rows.sort_by_key(|((topic, partition), _)| format!("{topic}{partition}"));
    let _ = writeln!(
        out,
        "\n{:<30} {:<15} {:<15}",
        "TOPIC", "PARTITION", "STATUS"
    );
    for ((topic, partition), status) in rows {
        let partition = if partition >= 0 {
            partition.to_string()
        } else {
            "Not Provided".to_string()
        };
        let _ = writeln!(out, "{topic:<30} {partition:<15} {status:<15}");
    }
    Ok(())
}

/// `Successful`, or the admin client's `ExecutionException` message.
fn status(error: ErrorCode) -> String {
    if error.is_ok() {
        return "Successful".to_string();
    }
    let (class, message) = exception_of(error);
    format!("Error: org.apache.kafka.common.errors.{class}: {message}")
}

/// The partitions named by `--topic`, and the rows of topics that do not exist.
type Partitions = (Vec<(String, i32)>, Vec<((String, i32), String)>);

async fn partitions_of(
    command: &GroupCommand,
    client: &KafkaClient,
) -> Result<Partitions, Failure> {
    let mut partitions = Vec::new();
    let mut missing = Vec::new();
    for argument in &command.topics {
        if let Some((topic, ids)) = argument.split_once(':') {
            for id in ids.split(',') {
                let partition = id.trim().parse::<i32>().map_err(|_| {
                    Failure::Command(CommandError {
                        class: "java.lang.IllegalArgumentException",
                        message: format!(
                            "Invalid partition '{id}' specified in topic arg '{argument}''"
                        ),
                    })
                })?;
                partitions.push((topic.to_string(), partition));
            }
            continue;
        }
        client
            .metadata(Some(std::slice::from_ref(argument)), false)
            .await?;
        match client.cluster().topics.get(argument) {
            Some(info) if !info.partitions.is_empty() => {
                partitions.extend(info.partitions.keys().map(|p| (argument.clone(), *p)));
            }
            _ => missing.push((
                (argument.clone(), -1),
                status(ErrorCode::UnknownTopicOrPartition),
            )),
        }
    }
    Ok((partitions, missing))
}
