//! kafka-topics' argument parsing shared by both modes (Kafka's `parseTopicConfigsToBeAdded`,
//! `parseTopicConfigsToBeDeleted`, `parseReplicaAssignment` and the `--topic` regex filter),
//! with Kafka's error texts.

use std::collections::{BTreeMap, BTreeSet};

use gregor_zk::admin::{is_internal, validate_topic_config, validate_topic_config_names};
use gregor_zk::znode::topic::ReplicaAssignment;
use regex::Regex;

use super::CommandError;

/// `--config k=v` values as a config map, validated like Kafka's `LogConfig.validate`.
pub fn configs_to_add(values: &[String]) -> Result<BTreeMap<String, String>, CommandError> {
    let separator =
        Regex::new(r"\s*=\s*").map_err(|e| CommandError::illegal_argument(e.to_string()))?;
    let mut configs = BTreeMap::new();
    for value in values {
        // Java's String.split drops trailing empty pieces: `a=` is one piece, refused.
        let mut pieces: Vec<&str> = separator.split(value).collect();
        while pieces.len() > 1 && pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        let [key, config_value] = pieces[..] else {
            return Err(CommandError::illegal_argument(
                "requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".",
            ));
        };
        configs.insert(key.trim().to_string(), config_value.trim().to_string());
    }
    validate_topic_config(&configs)?;
    Ok(configs)
}

/// `--delete-config k` values, each a known topic config name.
pub fn configs_to_delete(values: &[String]) -> Result<Vec<String>, CommandError> {
    let names: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
    validate_topic_config_names(names.iter())?;
    Ok(names)
}

/// `--replica-assignment 1:2,2:3`: partitions by comma (numbered 0, 1, ...), replicas by colon.
pub fn replica_assignment(text: &str) -> Result<ReplicaAssignment, CommandError> {
    let mut assignment = ReplicaAssignment::new();
    let mut partitions: Vec<&str> = text.split(',').collect();
    // Java's split drops trailing empty strings.
    while partitions.len() > 1 && partitions.last().is_some_and(|p| p.is_empty()) {
        partitions.pop();
    }
    for (partition, list) in partitions.iter().enumerate() {
        let mut brokers = Vec::new();
        for broker in list.split(':') {
            let broker = broker.trim();
            let id: i32 = broker.parse().map_err(|_| CommandError {
                class: "java.lang.NumberFormatException",
                message: format!("For input string: \"{broker}\""),
            })?;
            brokers.push(id);
        }
        let mut seen = BTreeSet::new();
        let mut duplicates: Vec<String> = Vec::new();
        for broker in &brokers {
            if !seen.insert(*broker) && !duplicates.contains(&broker.to_string()) {
                duplicates.push(broker.to_string());
            }
        }
        if !duplicates.is_empty() {
            return Err(CommandError {
                class: "kafka.common.AdminCommandFailedException",
                message: format!(
                    "Partition replica lists may not contain duplicate entries: {}",
                    duplicates.join(",")
                ),
            });
        }
        let first_len = assignment.get(&0).map_or(brokers.len(), Vec::len);
        if brokers.len() != first_len {
            // Kafka concatenates the Scala Array itself, which prints as `[I@<hash>`.
            return Err(CommandError {
                class: "kafka.admin.AdminOperationException",
                message: format!(
                    "Partition {partition} has different replication factor: [I@{:x}",
                    array_hash(&brokers)
                ),
            });
        }
        assignment.insert(partition as i32, brokers);
    }
    Ok(assignment)
}

/// A stand-in for the JVM identity hash Kafka prints for an int array.
fn array_hash(brokers: &[i32]) -> u32 {
    brokers.iter().fold(0x1b6d_3586, |hash, broker| {
        hash.rotate_left(5) ^ (*broker as u32)
    })
}

/// Kafka's `getTopics`: the sorted `all` topics matching the `--topic` regex (whole-name match
/// after Kafka's `TopicFilter` clean-up: commas mean `|`, spaces and surrounding quotes are
/// dropped), internal ones removed when `exclude_internal`.
pub fn filter_topics(
    all: &[String],
    spec: Option<&str>,
    exclude_internal: bool,
) -> Result<Vec<String>, CommandError> {
    let mut topics: Vec<String> = all
        .iter()
        .filter(|topic| !(exclude_internal && is_internal(topic)))
        .cloned()
        .collect();
    topics.sort();
    let Some(spec) = spec else {
        return Ok(topics);
    };
    let cleaned = spec.trim().replace(',', "|").replace(' ', "");
    let cleaned = cleaned
        .trim_start_matches(['"', '\''])
        .trim_end_matches(['"', '\'']);
    let pattern = Regex::new(&format!("^(?:{cleaned})$")).map_err(|_| CommandError {
        class: "java.lang.RuntimeException",
        message: format!("{cleaned} is an invalid regex."),
    })?;
    Ok(topics
        .into_iter()
        .filter(|topic| pattern.is_match(topic))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn configs_follow_kafkas_format_and_names() {
        let configs =
            configs_to_add(&strings(&["retention.ms = 1000", "cleanup.policy=compact"])).unwrap();
        assert_eq!(configs["retention.ms"], "1000");
        assert_eq!(configs["cleanup.policy"], "compact");
        let error = configs_to_add(&strings(&["retention.ms"])).unwrap_err();
        assert_eq!(error.message, "requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".");
        assert!(configs_to_add(&strings(&["a=b=c"])).is_err());
        assert_eq!(
            configs_to_add(&strings(&["x=1"])).unwrap_err().message,
            "Unknown topic config name: x"
        );
        assert_eq!(
            configs_to_delete(&strings(&["y"])).unwrap_err().message,
            "Unknown topic config name: y"
        );
    }

    #[test]
    fn replica_assignment_parsing() {
        let parsed = replica_assignment("1001:1002, 1002:1003,").unwrap();
        assert_eq!(
            parsed,
            BTreeMap::from([(0, vec![1001, 1002]), (1, vec![1002, 1003])])
        );
        assert_eq!(
            replica_assignment("1:1:2,2:2").unwrap_err().message,
            "Partition replica lists may not contain duplicate entries: 1"
        );
        assert!(replica_assignment("1:2,3")
            .unwrap_err()
            .message
            .starts_with("Partition 1 has different replication factor: [I@"));
        assert_eq!(
            replica_assignment("1:x").unwrap_err().message,
            "For input string: \"x\""
        );
    }

    #[test]
    fn topic_filter_is_a_whole_name_regex() {
        let all = strings(&["b", "a.b", "axb", "__consumer_offsets", "first"]);
        assert_eq!(
            filter_topics(&all, Some("a.b"), false).unwrap(),
            strings(&["a.b", "axb"])
        );
        assert_eq!(
            filter_topics(&all, Some("a\\.b,first"), false).unwrap(),
            strings(&["a.b", "first"])
        );
        assert_eq!(
            filter_topics(&all, Some("fir"), false).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            filter_topics(&all, None, true).unwrap(),
            strings(&["a.b", "axb", "b", "first"])
        );
        assert_eq!(
            filter_topics(&all, Some("__.*"), true).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            filter_topics(&all, Some("(a"), false).unwrap_err().message,
            "(a is an invalid regex."
        );
    }
}
