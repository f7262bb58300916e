//! `--describe`: the offsets view (default), `--members [--verbose]` and `--state`, laid out as
//! Kafka 2.4 prints them (`%-Ns` columns separated by one space; `-` for a missing value).
//!
//! Groups print in id order. Before a group's table, its state may print a note: Dead →
//! `Error: Consumer group 'g' does not exist.` (stdout, no table); Empty → `Consumer group 'g'
//! has no active members.` (stderr); rebalancing → `Warning: Consumer group 'g' is
//! rebalancing.` (stderr). A group with no rows prints no table.
//!
//! Offsets rows: members with partitions, most partitions first, each member's partitions by
//! partition id; then committed partitions nobody owns, by topic and partition. LOG-END-OFFSET
//! is the partition's latest offset (ListOffsets -1); LAG = LOG-END-OFFSET - CURRENT-OFFSET.

use std::collections::BTreeSet;
use std::io::Write;

use gregor_client::group::GroupDescription;
use gregor_client::{KafkaClient, LATEST_TIMESTAMP};

use super::options::{DescribeView, GroupCommand};
use super::{print_error, selected_groups, Failure};
use crate::topics::CommandError;

/// `-`: what Kafka prints for a missing value.
const MISSING: &str = "-";

/// One row of the offsets table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetRow {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Committed offset, if any.
    pub current_offset: Option<i64>,
    /// The partition's end offset, if it could be read.
    pub log_end_offset: Option<i64>,
    /// Owning member, host and client id (`None` for a partition nobody owns).
    pub owner: Option<(String, String, String)>,
}

impl OffsetRow {
    /// Kafka's `getLag`.
    pub fn lag(&self) -> Option<i64> {
        Some(self.log_end_offset? - self.current_offset?)
    }
}

/// `--describe` for every selected group.
pub async fn describe(
    command: &GroupCommand,
    client: &KafkaClient,
    view: DescribeView,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let groups: BTreeSet<String> = selected_groups(command, client)
        .await?
        .into_iter()
        .collect();
    let mut described = Vec::new();
    for group in &groups {
        described.push(client.describe_group(group, command.timeout_ms).await?);
    }
    for description in &described {
        match view {
            DescribeView::Offsets => {
                let rows = offset_rows(client, description, command.timeout_ms).await?;
                if should_print(description, rows.len(), out, err)? {
                    let _ = out.write_all(offsets_table(&description.group_id, &rows).as_bytes());
                }
            }
            DescribeView::Members { verbose } => {
                if should_print(description, description.members.len(), out, err)? {
                    let _ = out.write_all(members_table(description, verbose).as_bytes());
                }
            }
            DescribeView::State => {
                if should_print(description, 1, out, err)? {
                    let _ = out.write_all(state_table(description).as_bytes());
                }
            }
        }
    }
    Ok(())
}

/// Kafka's `shouldPrintMemberState`: the state note, and whether a table follows.
fn should_print(
    description: &GroupDescription,
    rows: usize,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, Failure> {
    let group = &description.group_id;
    match description.state.as_str() {
        "Dead" => print_error(out, &format!("Consumer group '{group}' does not exist.")),
        "Empty" => {
            let _ = writeln!(err, "\nConsumer group '{group}' has no active members.");
        }
        "PreparingRebalance" | "CompletingRebalance" => {
            let _ = writeln!(err, "\nWarning: Consumer group '{group}' is rebalancing.");
        }
        "Stable" => {}
        other => {
            return Err(Failure::Command(CommandError {
                class: "org.apache.kafka.common.KafkaException",
                message: format!("Expected a valid consumer group state, but found '{other}'."),
            }))
        }
    }
    Ok(description.state != "Dead" && rows > 0)
}

/// The rows of one group: committed offsets from OffsetFetch, end offsets from ListOffsets.
pub async fn offset_rows(
    client: &KafkaClient,
    description: &GroupDescription,
    timeout_ms: u64,
) -> Result<Vec<OffsetRow>, Failure> {
    let committed = client
        .fetch_committed_offsets(&description.group_id, None, timeout_ms)
        .await?;
    let mut members: Vec<_> = description
        .members
        .iter()
        .filter(|member| member.assignment.partition_count() > 0)
        .collect();
    // Stable: members with equal counts keep the coordinator's order.
    members.sort_by(|a, b| {
        b.assignment
            .partition_count()
            .cmp(&a.assignment.partition_count())
    });
    let mut rows = Vec::new();
    let mut owned = BTreeSet::new();
    for member in members {
        let mut partitions: Vec<(&String, i32)> = member
            .assignment
            .partitions
            .iter()
            .flat_map(|(topic, ids)| ids.iter().map(move |id| (topic, *id)))
            .collect();
        partitions.sort_by_key(|(_, partition)| *partition);
        for (topic, partition) in partitions {
            let key = (topic.clone(), partition);
            rows.push(OffsetRow {
                topic: topic.clone(),
                partition,
                current_offset: committed.get(&key).copied(),
                log_end_offset: log_end_offset(client, topic, partition).await,
                owner: Some((
                    member.member_id.clone(),
                    member.client_host.clone(),
                    member.client_id.clone(),
                )),
            });
            owned.insert(key);
        }
    }
    for ((topic, partition), offset) in &committed {
        if owned.contains(&(topic.clone(), *partition)) {
            continue;
        }
        rows.push(OffsetRow {
            topic: topic.clone(),
            partition: *partition,
            current_offset: Some(*offset),
            log_end_offset: log_end_offset(client, topic, *partition).await,
            owner: None,
        });
    }
    Ok(rows)
}

/// The partition's latest offset, `None` if it cannot be read (printed as `-`).
async fn log_end_offset(client: &KafkaClient, topic: &str, partition: i32) -> Option<i64> {
    match client
        .list_offsets(topic, partition, LATEST_TIMESTAMP)
        .await
    {
        Ok(result) => Some(result.offset),
        Err(error) => {
            log::debug!("no end offset for {topic}-{partition}: {error}");
            None
        }
    }
}

fn text(value: Option<i64>) -> String {
    value.map_or_else(|| MISSING.to_string(), |v| v.to_string())
}

/// Java's `%-Ns`.
fn pad(value: &str, width: usize) -> String {
    format!("{value:<width$}")
}

/// The offsets table of one group, with its leading blank line.
pub fn offsets_table(group: &str, rows: &[OffsetRow]) -> String {
    let owner = |row: &OffsetRow| {
        row.owner.clone().unwrap_or_else(|| {
            (
                MISSING.to_string(),
                MISSING.to_string(),
                MISSING.to_string(),
            )
        })
    };
    let group_width = group.len().max(15);
    let topic_width = rows
        .iter()
        .map(|r| r.topic.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let consumer_width = rows
        .iter()
        .map(|r| owner(r).0.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let host_width = rows
        .iter()
        .map(|r| owner(r).1.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let line = |cells: [&str; 9]| {
        format!(
            "{} {} {} {} {} {} {} {} {}\n",
            pad(cells[0], group_width),
            pad(cells[1], topic_width),
            pad(cells[2], 10),
            pad(cells[3], 15),
            pad(cells[4], 15),
            pad(cells[5], 15),
            pad(cells[6], consumer_width),
            pad(cells[7], host_width),
            cells[8]
        )
    };
    let mut table = String::from("\n");
    table.push_str(&line([
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    ]));
    for row in rows {
        let (consumer, host, client) = owner(row);
        table.push_str(&line([
            group,
            &row.topic,
            &row.partition.to_string(),
            &text(row.current_offset),
            &text(row.log_end_offset),
            &text(row.lag()),
            &consumer,
            &host,
            &client,
        ]));
    }
    table
}

/// The `--members` table of one group; `--verbose` adds the assignment column, printed as
/// `topic(0,1), other(2)` (topics sorted) or `-`.
pub fn members_table(description: &GroupDescription, verbose: bool) -> String {
    let members = &description.members;
    let width = |f: &dyn Fn(usize) -> usize| (0..members.len()).map(f).max().unwrap_or(0).max(15);
    let group_width = description.group_id.len().max(15);
    let consumer_width = width(&|i| members[i].member_id.len());
    let host_width = width(&|i| members[i].client_host.len());
    let client_width = width(&|i| members[i].client_id.len());
    let instance = |i: usize| members[i].group_instance_id.clone().unwrap_or_default();
    let instance_width = (0..members.len())
        .map(|i| instance(i).len())
        .max()
        .unwrap_or(0)
        .max(17);
    let with_instance = (0..members.len()).any(|i| !instance(i).is_empty());
    let line = |cells: [&str; 6]| {
        let mut text = format!(
            "{} {} ",
            pad(cells[0], group_width),
            pad(cells[1], consumer_width)
        );
        if with_instance {
            text.push_str(&format!("{} ", pad(cells[2], instance_width)));
        }
        text.push_str(&format!(
            "{} {} {} ",
            pad(cells[3], host_width),
            pad(cells[4], client_width),
            pad(cells[5], 15)
        ));
        text
    };
    let mut table = String::from("\n");
    table.push_str(&line([
        "GROUP",
        "CONSUMER-ID",
        "GROUP-INSTANCE-ID",
        "HOST",
        "CLIENT-ID",
        "#PARTITIONS",
    ]));
    if verbose {
        table.push_str("ASSIGNMENT");
    }
    table.push('\n');
    for (i, member) in members.iter().enumerate() {
        let count = member.assignment.partition_count().to_string();
        table.push_str(&line([
            &description.group_id,
            &member.member_id,
            &instance(i),
            &member.client_host,
            &member.client_id,
            &count,
        ]));
        if verbose {
            table.push_str(&assignment_text(member.assignment.partitions.iter()));
        }
        table.push('\n');
    }
    table
}

/// `topic(0,1), other(2)` with topics and partitions sorted; `-` when empty.
fn assignment_text<'a>(partitions: impl Iterator<Item = (&'a String, &'a Vec<i32>)>) -> String {
    let mut topics: Vec<String> = partitions
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(topic, ids)| {
            let mut ids = ids.clone();
            ids.sort_unstable();
            let ids: Vec<String> = ids.iter().map(i32::to_string).collect();
            format!("{topic}({})", ids.join(","))
        })
        .collect();
    if topics.is_empty() {
        return MISSING.to_string();
    }
    topics.sort();
    topics.join(", ")
}

/// The `--state` table. Kafka sizes the GROUP column by the coordinator text's width (at least
/// 25) and gives COORDINATOR (ID) a fixed 25; reproduced as is.
pub fn state_table(description: &GroupDescription) -> String {
    let coordinator = &description.coordinator;
    let coordinator = format!(
        "{}:{} ({})",
        coordinator.host, coordinator.port, coordinator.node_id
    );
    let width = coordinator.len().max(25);
    let line = |cells: [&str; 5]| {
        format!(
            "\n{} {} {} {} {}",
            pad(cells[0], width),
            pad(cells[1], 25),
            pad(cells[2], 20),
            pad(cells[3], 15),
            cells[4]
        )
    };
    let mut table = line([
        "GROUP",
        "COORDINATOR (ID)",
        "ASSIGNMENT-STRATEGY",
        "STATE",
        "#MEMBERS",
    ]);
    table.push_str(&line([
        &description.group_id,
        &coordinator,
        &description.protocol,
        &description.state,
        &description.members.len().to_string(),
    ]));
    table.push('\n');
    table
}

#[cfg(test)]
#[path = "describe_tests.rs"]
mod tests;
