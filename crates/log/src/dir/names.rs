//! Names of partition directories inside a log dir (kafka-2.4.md §4.1).
//!
//! `<topic>-<partition>` is a live log; `<topic>-<partition>.<uuid32hex>-delete` is a log whose
//! deletion was started (Kafka 2.4's `Log.logDeleteDirName`); `...-future` is the target of an
//! intra-broker move (not supported yet: such dirs are reported and left alone). The partition
//! is the text after the **last** `-`, so topics may contain dashes.

use std::fmt;

/// A partition of a topic, named as Kafka does (`first-0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic name (never contains whitespace, so it is safe in checkpoint lines).
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// Builds a `TopicPartition` from borrowed parts.
    pub fn new(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition {
            topic: topic.to_string(),
            partition,
        }
    }
}

/// `topic-partition`, which is also the partition directory's name.
impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Suffix of a partition dir scheduled for deletion.
pub const DELETE_DIR_SUFFIX: &str = "-delete";
/// Suffix of a partition dir being moved in from another log dir.
pub const FUTURE_DIR_SUFFIX: &str = "-future";

/// What a directory entry of a log dir is, judged by its name alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionDirName {
    /// `<topic>-<partition>`: a live log.
    Live(TopicPartition),
    /// `<topic>-<partition>.<id>-delete`: remove after `file.delete.delay.ms`.
    Delete(TopicPartition),
    /// `<topic>-<partition>.<id>-future`: an unfinished intra-broker move.
    Future(TopicPartition),
}

/// Parses a partition dir name as Kafka's `Log.parseTopicPartitionName`; `None` if the name is
/// not of any of the three forms.
pub fn parse_partition_dir_name(name: &str) -> Option<PartitionDirName> {
    if let Some(stem) = name.strip_suffix(DELETE_DIR_SUFFIX) {
        return parse_suffixed(stem).map(PartitionDirName::Delete);
    }
    if let Some(stem) = name.strip_suffix(FUTURE_DIR_SUFFIX) {
        return parse_suffixed(stem).map(PartitionDirName::Future);
    }
    parse_topic_partition(name).map(PartitionDirName::Live)
}

/// `<topic>-<partition>.<id>` with a non-empty, whitespace-free id.
fn parse_suffixed(stem: &str) -> Option<TopicPartition> {
    let dot = stem.rfind('.')?;
    let id = &stem[dot + 1..];
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return None;
    }
    parse_topic_partition(&stem[..dot])
}

fn parse_topic_partition(name: &str) -> Option<TopicPartition> {
    let dash = name.rfind('-')?;
    let topic = &name[..dash];
    let partition = &name[dash + 1..];
    if topic.is_empty() || topic.chars().any(char::is_whitespace) {
        return None;
    }
    // Java's `Integer.parseInt` accepts an optional sign and nothing else around the digits.
    if partition.is_empty() || partition.starts_with('+') {
        return None;
    }
    let partition = partition.parse::<i32>().ok()?;
    Some(TopicPartition::new(topic, partition))
}

/// `topic-partition.<uuid without dashes>-delete`, Kafka 2.4's `Log.logDeleteDirName`.
pub fn delete_dir_name(tp: &TopicPartition) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{tp}.{id}{DELETE_DIR_SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_delete_and_future_names_parse_at_the_last_dash() {
        assert_eq!(
            parse_partition_dir_name("first-0"),
            Some(PartitionDirName::Live(TopicPartition::new("first", 0)))
        );
        assert_eq!(
            parse_partition_dir_name("__consumer_offsets-17"),
            Some(PartitionDirName::Live(TopicPartition::new(
                "__consumer_offsets",
                17
            )))
        );
        assert_eq!(
            parse_partition_dir_name("my-topic-3"),
            Some(PartitionDirName::Live(TopicPartition::new("my-topic", 3)))
        );
        assert_eq!(
            parse_partition_dir_name("my.topic-3.0123456789abcdef0123456789abcdef-delete"),
            Some(PartitionDirName::Delete(TopicPartition::new("my.topic", 3)))
        );
        assert_eq!(
            parse_partition_dir_name("t-1.abc-future"),
            Some(PartitionDirName::Future(TopicPartition::new("t", 1)))
        );
    }

    #[test]
    fn foreign_names_are_rejected() {
        for name in [
            "lost+found",
            "-1",
            "topic-",
            "topic-x",
            "topic-+1",
            "t-1-delete",
            "a b-1",
        ] {
            assert_eq!(parse_partition_dir_name(name), None, "{name}");
        }
    }

    #[test]
    fn delete_name_is_kafkas_scheme_and_parses_back() {
        let tp = TopicPartition::new("first", 2);
        let name = delete_dir_name(&tp);
        let id = name
            .strip_prefix("first-2.")
            .and_then(|rest| rest.strip_suffix("-delete"))
            .unwrap();
        assert_eq!(id.len(), 32);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(
            parse_partition_dir_name(&name),
            Some(PartitionDirName::Delete(tp))
        );
    }
}
