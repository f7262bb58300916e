//! Validation of topic names and replica assignments (Kafka's `Topic.validate`,
//! `Topic.hasCollision`, and the checks of `AdminZkClient.validateTopicCreate` /
//! `validateReplicaAssignment`), each refusal with Kafka 2.4's message.

use std::collections::BTreeSet;

use super::AdminError;
use crate::znode::topic::ReplicaAssignment;

/// Kafka's `Topic.MAX_NAME_LENGTH`: a partition directory `<topic>-<p>` must fit in 255 bytes.
pub const MAX_TOPIC_NAME_LENGTH: usize = 249;

/// Kafka's internal topics (`Topic.isInternal`): refused by deletion, partition changes, and
/// hidden by `--exclude-internal`.
pub const INTERNAL_TOPICS: [&str; 2] = ["__consumer_offsets", "__transaction_state"];

/// True for `__consumer_offsets` and `__transaction_state`.
pub fn is_internal(topic: &str) -> bool {
    INTERNAL_TOPICS.contains(&topic)
}

/// Kafka's `Topic.validate`: non-empty, not `.`/`..`, at most 249 chars of `[a-zA-Z0-9._-]`.
pub fn validate_topic_name(topic: &str) -> Result<(), AdminError> {
    let message = if topic.is_empty() {
        "Topic name is illegal, it can't be empty".to_string()
    } else if topic == "." || topic == ".." {
        "Topic name cannot be \".\" or \"..\"".to_string()
    } else if topic.len() > MAX_TOPIC_NAME_LENGTH {
        format!("Topic name is illegal, it can't be longer than {MAX_TOPIC_NAME_LENGTH} characters, topic name: {topic}")
    } else if !topic
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    {
        format!("Topic name \"{topic}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'")
    } else {
        return Ok(());
    };
    Err(AdminError::InvalidTopic(message))
}

/// True when the name has a `.` or `_`, which metric names cannot tell apart.
pub fn has_collision_chars(topic: &str) -> bool {
    topic.contains('.') || topic.contains('_')
}

/// True when two names are equal once every `.` is read as `_` (Kafka's `Topic.hasCollision`).
pub fn has_collision(topic_a: &str, topic_b: &str) -> bool {
    topic_a.replace('.', "_") == topic_b.replace('.', "_")
}

/// The checks `validateTopicCreate` makes on an assignment for a new topic: every partition
/// has the same number of replicas, no replica list repeats a broker, and the partitions are
/// numbered 0..n-1.
pub fn validate_new_topic_assignment(assignment: &ReplicaAssignment) -> Result<(), AdminError> {
    let sizes: BTreeSet<usize> = assignment.values().map(Vec::len).collect();
    if sizes.len() != 1 {
        return Err(AdminError::InvalidReplicaAssignment(
            "All partitions should have the same number of replicas".to_string(),
        ));
    }
    if assignment
        .values()
        .any(|replicas| replicas.iter().collect::<BTreeSet<_>>().len() != replicas.len())
    {
        return Err(AdminError::InvalidReplicaAssignment(format!(
            "Duplicate replica assignment found: {}",
            scala_map_string(assignment)
        )));
    }
    if assignment
        .keys()
        .zip(0..)
        .any(|(partition, expected)| *partition != expected)
    {
        return Err(AdminError::InvalidReplicaAssignment(
            "partitions should be a consecutive 0-based integer sequence".to_string(),
        ));
    }
    Ok(())
}

/// Kafka's `validateReplicaAssignment` for explicit assignments of added partitions (and of
/// CreateTopics): no empty or duplicate lists, only registered brokers, and every partition
/// with `expected_replication_factor` replicas.
pub fn validate_replica_assignment(
    assignment: &ReplicaAssignment,
    expected_replication_factor: usize,
    available_brokers: &BTreeSet<i32>,
) -> Result<(), AdminError> {
    for (partition, replicas) in assignment {
        if replicas.is_empty() {
            return Err(AdminError::InvalidReplicaAssignment(format!(
                "Cannot have replication factor of 0 for partition id {partition}."
            )));
        }
        if replicas.iter().collect::<BTreeSet<_>>().len() != replicas.len() {
            return Err(AdminError::InvalidReplicaAssignment(format!(
                "Duplicate brokers not allowed in replica assignment: {} for partition id {partition}.",
                join(replicas, ", ")
            )));
        }
        if !replicas
            .iter()
            .all(|broker| available_brokers.contains(broker))
        {
            let available: Vec<i32> = available_brokers.iter().copied().collect();
            return Err(AdminError::BrokerNotAvailable(format!(
                "Some brokers specified for partition id {partition} are not available. Specified brokers: {}, available brokers: {}.",
                join(replicas, ", "),
                join(&available, ", ")
            )));
        }
    }
    let bad: Vec<(i32, usize)> = assignment
        .iter()
        .filter(|(_, replicas)| replicas.len() != expected_replication_factor)
        .map(|(partition, replicas)| (*partition, replicas.len()))
        .collect();
    if !bad.is_empty() {
        let partitions: Vec<i32> = bad.iter().map(|(partition, _)| *partition).collect();
        let factors: Vec<usize> = bad.iter().map(|(_, factor)| *factor).collect();
        return Err(AdminError::InvalidReplicaAssignment(format!(
            "Inconsistent replication factor between partitions, partition 0 has {expected_replication_factor} while partitions [{}] have replication factors [{}], respectively.",
            join(&partitions, ", "),
            join(&factors, ", ")
        )));
    }
    Ok(())
}

/// `a, b, c`-style joining of numbers.
pub(crate) fn join<T: ToString>(items: &[T], separator: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// How Scala prints a `Map[Int, Seq[Int]]`, for messages that embed one.
fn scala_map_string(assignment: &ReplicaAssignment) -> String {
    let entries: Vec<String> = assignment
        .iter()
        .map(|(partition, replicas)| format!("{partition} -> List({})", join(replicas, ", ")))
        .collect();
    format!("Map({})", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn topic_names_follow_kafkas_rules() {
        assert!(validate_topic_name("first").is_ok());
        assert!(validate_topic_name("a.b_c-D9").is_ok());
        assert!(validate_topic_name(&"x".repeat(249)).is_ok());
        let message = |name: &str| validate_topic_name(name).unwrap_err().to_string();
        assert_eq!(message(""), "Topic name is illegal, it can't be empty");
        assert_eq!(message(".."), "Topic name cannot be \".\" or \"..\"");
        assert_eq!(
            message(&"x".repeat(250)),
            format!(
                "Topic name is illegal, it can't be longer than 249 characters, topic name: {}",
                "x".repeat(250)
            )
        );
        assert_eq!(
            message("a b"),
            "Topic name \"a b\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        );
        assert_eq!(validate_topic_name("é").unwrap_err().kafka_error_code(), 17);
    }

    #[test]
    fn collisions_map_dots_to_underscores() {
        assert!(has_collision("a.b", "a_b"));
        assert!(has_collision("a_b", "a_b"));
        assert!(!has_collision("a.b", "ab"));
        assert!(
            has_collision_chars("a.b") && has_collision_chars("a_b") && !has_collision_chars("ab")
        );
        assert!(is_internal("__consumer_offsets") && !is_internal("first"));
    }

    #[test]
    fn new_topic_assignment_checks() {
        let ok = BTreeMap::from([(0, vec![1, 2]), (1, vec![2, 1])]);
        assert!(validate_new_topic_assignment(&ok).is_ok());
        let uneven = BTreeMap::from([(0, vec![1, 2]), (1, vec![2])]);
        assert_eq!(
            validate_new_topic_assignment(&uneven)
                .unwrap_err()
                .to_string(),
            "All partitions should have the same number of replicas"
        );
        let duplicate = BTreeMap::from([(0, vec![1, 1])]);
        assert_eq!(
            validate_new_topic_assignment(&duplicate)
                .unwrap_err()
                .to_string(),
            "Duplicate replica assignment found: Map(0 -> List(1, 1))"
        );
        let gap = BTreeMap::from([(0, vec![1]), (2, vec![2])]);
        assert_eq!(
            validate_new_topic_assignment(&gap).unwrap_err().to_string(),
            "partitions should be a consecutive 0-based integer sequence"
        );
    }

    #[test]
    fn explicit_assignment_checks() {
        let brokers = BTreeSet::from([1, 2, 3]);
        let ok = BTreeMap::from([(2, vec![1, 2])]);
        assert!(validate_replica_assignment(&ok, 2, &brokers).is_ok());
        let unknown = BTreeMap::from([(2, vec![1, 9])]);
        assert_eq!(
            validate_replica_assignment(&unknown, 2, &brokers).unwrap_err().to_string(),
            "Some brokers specified for partition id 2 are not available. Specified brokers: 1, 9, available brokers: 1, 2, 3."
        );
        let short = BTreeMap::from([(2, vec![1]), (3, vec![2])]);
        assert_eq!(
            validate_replica_assignment(&short, 2, &brokers).unwrap_err().to_string(),
            "Inconsistent replication factor between partitions, partition 0 has 2 while partitions [2, 3] have replication factors [1, 1], respectively."
        );
        let duplicate = BTreeMap::from([(2, vec![3, 3])]);
        assert_eq!(
            validate_replica_assignment(&duplicate, 2, &brokers)
                .unwrap_err()
                .to_string(),
            "Duplicate brokers not allowed in replica assignment: 3, 3 for partition id 2."
        );
    }
}
