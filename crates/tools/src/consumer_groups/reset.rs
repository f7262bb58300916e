//! `--reset-offsets` (Kafka 2.4's `resetOffsets`): for each selected group that is inactive
//! (Empty or Dead) it plans new offsets for the scope (`--topic t`, `--topic t:0,1`,
//! `--all-topics` = the partitions the group has offsets for) and, with `--execute`, commits
//! them as a standalone commit (generation -1). An active group gets `Error: Assignments can
//! only be reset if the group 'g' is inactive, but the current state is Stable.` and no rows.
//! The plan prints as `GROUP TOPIC PARTITION NEW-OFFSET` (or CSV with `--export`).
//!
//! `--to-offset`, `--shift-by` and `--from-file` are clamped into [log start, log end] with
//! Kafka's WARN lines. `--to-datetime` and `--by-duration` look the time up with ListOffsets
//! (the Java consumer's `offsetsForTimes`); a partition with no record at or after it goes to
//! its end. `--from-file` needs no scope: each group gets the rows the file has for it (or
//! `Error: No reset plan for group g found`). Malformed values fail when the plan is made, with
//! the exceptions of `reset_specs`.

use std::collections::BTreeMap;
use std::io::Write;

use gregor_client::group::PartitionOffsets;
use gregor_client::{KafkaClient, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP};

use super::options::{scenario_set, GroupCommand, ResetScenario};
use super::reset_specs::{millis_before, parse_datetime, parse_duration, parse_reset_plan};
use super::{print_error, selected_groups, Failure};
use crate::log4j::log_line;
use crate::topics::CommandError;

/// Kafka's logger of the command.
const LOGGER: &str = "kafka.admin.ConsumerGroupCommand$";

/// The plan: new offsets per group (in the order the groups were given).
type Plan = Vec<(String, PartitionOffsets)>;

/// `--reset-offsets` for every selected group; prints the plan.
pub async fn reset_offsets(
    command: &GroupCommand,
    client: &KafkaClient,
    scenario: Option<&ResetScenario>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let mut plan: Plan = Vec::new();
    for group in selected_groups(command, client).await? {
        let description = client.describe_group(&group, command.timeout_ms).await?;
        if description.state != "Empty" && description.state != "Dead" {
            print_error(out, &format!("Assignments can only be reset if the group '{group}' is inactive, but the current state is {}.", description.state));
            plan.push((group, PartitionOffsets::new()));
            continue;
        }
        let from_file = matches!(scenario, Some(ResetScenario::FromFile(_)));
        let partitions = partitions_to_reset(command, client, &group, from_file).await?;
        let offsets = prepare(command, client, &group, &partitions, scenario, out, err).await?;
        if command.execute {
            client
                .commit_offsets(&group, -1, "", &offsets, command.timeout_ms)
                .await?;
        }
        plan.push((group, offsets));
    }
    let text = if command.export {
        export_csv(&plan, command.groups.len() == 1)
    } else {
        plan_table(&plan)
    };
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// The scope: `--all-topics` (the group's committed partitions) or each `--topic`; none is
/// needed with `--from-file`.
async fn partitions_to_reset(
    command: &GroupCommand,
    client: &KafkaClient,
    group: &str,
    from_file: bool,
) -> Result<Vec<(String, i32)>, Failure> {
    if command.all_topics {
        let committed = client
            .fetch_committed_offsets(group, None, command.timeout_ms)
            .await?;
        return Ok(committed.into_keys().collect());
    }
    if command.topics.is_empty() {
        if from_file {
            return Ok(Vec::new());
        }
        return Err(Failure::Usage(
            "One of the reset scopes should be defined: --all-topics, --topic.".to_string(),
        ));
    }
    let mut partitions = Vec::new();
    for argument in &command.topics {
        match argument.split_once(':') {
            Some((topic, ids)) => {
                for id in ids.split(',') {
                    let partition = id.trim().parse::<i32>().map_err(|_| {
                        Failure::Command(CommandError {
                            class: "java.lang.NumberFormatException",
                            message: format!("For input string: \"{id}\""),
                        })
                    })?;
                    partitions.push((topic.to_string(), partition));
                }
            }
            None => {
                // The Java consumer's `partitionsFor`, which may auto-create the topic.
                client
                    .metadata(Some(std::slice::from_ref(argument)), true)
                    .await?;
                let cluster = client.cluster();
                if let Some(info) = cluster.topics.get(argument) {
                    partitions.extend(info.partitions.keys().map(|p| (argument.clone(), *p)));
                }
            }
        }
    }
    Ok(partitions)
}

/// Kafka's `prepareOffsetsToReset`.
async fn prepare(
    command: &GroupCommand,
    client: &KafkaClient,
    group: &str,
    partitions: &[(String, i32)],
    scenario: Option<&ResetScenario>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<PartitionOffsets, Failure> {
    let Some(scenario) = scenario else {
        return Err(Failure::Usage(format!(
            "Option '[reset-offsets]' requires one of the following scenarios: {}",
            scenario_set()
        )));
    };
    let mut offsets = PartitionOffsets::new();
    match scenario {
        ResetScenario::ToEarliest | ResetScenario::ToLatest => {
            let (timestamp, what) = if *scenario == ResetScenario::ToEarliest {
                (EARLIEST_TIMESTAMP, "starting")
            } else {
                (LATEST_TIMESTAMP, "ending")
            };
            for (topic, partition) in partitions {
                let offset = offset_at(client, topic, *partition, timestamp)
                    .await
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "Error getting {what} offset of topic partition: {topic}-{partition}"
                        ))
                    })?;
                offsets.insert((topic.clone(), *partition), offset);
            }
        }
        ResetScenario::ToOffset(offset) => {
            let requested = partitions.iter().map(|p| (p.clone(), *offset)).collect();
            offsets = clamp(client, requested, err).await?;
        }
        ResetScenario::ShiftBy(shift) => {
            let committed = client
                .fetch_committed_offsets(group, None, command.timeout_ms)
                .await?;
            let mut requested = BTreeMap::new();
            for (topic, partition) in partitions {
                let key = (topic.clone(), *partition);
                let current = committed.get(&key).ok_or_else(|| {
                    Failure::Command(CommandError {
                        class: "java.lang.IllegalArgumentException",
                        message: format!("Cannot shift offset for partition {topic}-{partition} since there is no current committed offset"),
                    })
                })?;
                requested.insert(key, current.saturating_add(*shift));
            }
            offsets = clamp(client, requested, err).await?;
        }
        ResetScenario::ToCurrent => {
            let committed = client
                .fetch_committed_offsets(group, None, command.timeout_ms)
                .await?;
            for (topic, partition) in partitions {
                let key = (topic.clone(), *partition);
                let offset = match committed.get(&key) {
                    Some(offset) => *offset,
                    None => offset_at(client, topic, *partition, LATEST_TIMESTAMP)
                        .await
                        .ok_or_else(|| {
                            Failure::Usage(format!(
                                "Error getting ending offset of topic partition: {topic}-{partition}"
                            ))
                        })?,
                };
                offsets.insert(key, offset);
            }
        }
        ResetScenario::ToDatetime(text) => {
            let timestamp = parse_datetime(text).map_err(Failure::Command)?;
            offsets = offsets_for_time(client, partitions, timestamp).await?;
        }
        ResetScenario::ByDuration(text) => {
            let duration = parse_duration(text).map_err(Failure::Command)?;
            let timestamp = millis_before(now_ms(), duration).map_err(Failure::Command)?;
            offsets = offsets_for_time(client, partitions, timestamp).await?;
        }
        ResetScenario::FromFile(path) => {
            let csv = read_file_as_string(path)?;
            let mut plan = parse_reset_plan(&csv, &command.groups).map_err(Failure::Command)?;
            match plan.remove(group) {
                Some(requested) => offsets = clamp(client, requested, err).await?,
                None => print_error(out, &format!("No reset plan for group {group} found")),
            }
        }
    }
    Ok(offsets)
}

/// The wall clock in epoch milliseconds.
fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |elapsed| {
        i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
    })
}

/// Kafka's `Utils.readFileAsString`, its failures as the Java exceptions.
fn read_file_as_string(path: &str) -> Result<String, Failure> {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|error| {
            let (class, message) = match error.kind() {
                std::io::ErrorKind::NotFound => {
                    ("java.nio.file.NoSuchFileException", path.to_string())
                }
                std::io::ErrorKind::PermissionDenied => {
                    ("java.nio.file.AccessDeniedException", path.to_string())
                }
                _ => ("java.io.IOException", error.to_string()),
            };
            Failure::Command(CommandError { class, message })
        })
}

/// Kafka's `getLogTimestampOffsets`: the Java consumer's `offsetsForTimes` (which refuses a
/// negative time), then the log end for partitions with no record at or after the time.
async fn offsets_for_time(
    client: &KafkaClient,
    partitions: &[(String, i32)],
    timestamp: i64,
) -> Result<PartitionOffsets, Failure> {
    if let Some((topic, partition)) = partitions.first().filter(|_| timestamp < 0) {
        return Err(Failure::Command(CommandError {
            class: "java.lang.IllegalArgumentException",
            message: format!("The target time for partition {topic}-{partition} is {timestamp}. The target time cannot be negative."),
        }));
    }
    let mut offsets = PartitionOffsets::new();
    for (topic, partition) in partitions {
        let found = offset_at(client, topic, *partition, timestamp)
            .await
            .filter(|offset| *offset >= 0);
        let offset = match found {
            Some(offset) => Some(offset),
            None => offset_at(client, topic, *partition, LATEST_TIMESTAMP).await,
        };
        let offset = offset.ok_or_else(|| {
            Failure::Usage(format!(
                "Error getting offset by timestamp of topic partition: {topic}-{partition}"
            ))
        })?;
        offsets.insert((topic.clone(), *partition), offset);
    }
    Ok(offsets)
}

/// ListOffsets at `timestamp`; `None` when the partition cannot answer.
async fn offset_at(
    client: &KafkaClient,
    topic: &str,
    partition: i32,
    timestamp: i64,
) -> Option<i64> {
    client
        .list_offsets(topic, partition, timestamp)
        .await
        .ok()
        .map(|result| result.offset)
}

/// Kafka's `checkOffsetsRange`: above the end → the end, below the start → the start, each with
/// a WARN line.
async fn clamp(
    client: &KafkaClient,
    requested: PartitionOffsets,
    err: &mut dyn Write,
) -> Result<PartitionOffsets, Failure> {
    let mut offsets = PartitionOffsets::new();
    for ((topic, partition), offset) in requested {
        let end = offset_at(client, &topic, partition, LATEST_TIMESTAMP).await;
        let start = offset_at(client, &topic, partition, EARLIEST_TIMESTAMP).await;
        let Some(end) = end else {
            return Err(Failure::Command(CommandError {
                class: "java.lang.IllegalStateException",
                message: format!(
                    "Unexpected non-existing offset value for topic partition {topic}-{partition}"
                ),
            }));
        };
        let clamped = if offset > end {
            let message = format!("New offset ({offset}) is higher than latest offset for topic partition {topic}-{partition}. Value will be set to {end}");
            let _ = err.write_all(log_line("WARN", &message, LOGGER).as_bytes());
            end
        } else {
            match start {
                Some(start) if offset < start => {
                    let message = format!("New offset ({offset}) is lower than earliest offset for topic partition {topic}-{partition}. Value will be set to {start}");
                    let _ = err.write_all(log_line("WARN", &message, LOGGER).as_bytes());
                    start
                }
                _ => offset,
            }
        };
        offsets.insert((topic, partition), clamped);
    }
    Ok(offsets)
}

/// `printOffsetsToReset`: the header when any group was planned, then one row per partition.
pub fn plan_table(plan: &Plan) -> String {
    if plan.is_empty() {
        return String::new();
    }
    let line = |group: &str, topic: &str, partition: &str, offset: &str| {
        format!("{group:<30} {topic:<30} {partition:<10} {offset:<15}\n")
    };
    let mut text = format!("\n{}", line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"));
    for (group, offsets) in plan {
        for ((topic, partition), offset) in offsets {
            text.push_str(&line(
                group,
                topic,
                &partition.to_string(),
                &offset.to_string(),
            ));
        }
    }
    text
}

/// `--export`: `topic,partition,offset` lines for one `--group`, else
/// `group,topic,partition,offset`; Kafka prints them followed by one more newline.
pub fn export_csv(plan: &Plan, single_group: bool) -> String {
    let mut text = String::new();
    for (group, offsets) in plan {
        for ((topic, partition), offset) in offsets {
            if !single_group {
                text.push_str(&format!("{group},"));
            }
            text.push_str(&format!("{topic},{partition},{offset}\n"));
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let mut offsets = PartitionOffsets::new();
        offsets.insert(("first".to_string(), 1), 7);
        offsets.insert(("first".to_string(), 0), 0);
        vec![("g".to_string(), offsets)]
    }

    #[test]
    fn the_plan_prints_kafkas_fixed_width_table() {
        let expected = [
            "",
            "GROUP                          TOPIC                          PARTITION  NEW-OFFSET     ",
            "g                              first                          0          0              ",
            "g                              first                          1          7              ",
            "",
        ];
        assert_eq!(plan_table(&plan()), expected.join("\n"));
        assert_eq!(plan_table(&Vec::new()), "", "no group planned, no header");
        let active = vec![("g".to_string(), PartitionOffsets::new())];
        assert!(
            plan_table(&active).starts_with("\nGROUP "),
            "an active group still prints the header"
        );
    }

    #[test]
    fn export_writes_csv_with_the_group_only_for_several_groups() {
        assert_eq!(export_csv(&plan(), true), "first,0,0\nfirst,1,7\n\n");
        assert_eq!(export_csv(&plan(), false), "g,first,0,0\ng,first,1,7\n\n");
    }
}
