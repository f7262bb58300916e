//! `/brokers/topics/<topic>`: a topic's replica assignment (Kafka's `TopicZNode`).
//!
//! * Path: `/brokers/topics/<topic>`, persistent; children `partitions/<p>/state` are written by
//!   the controller (see `partition_state`).
//! * JSON (version 2):
//!   `{"version":2,"partitions":{"1":[1,2],"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}`;
//!   partition numbers as string keys, ordered replica lists (first = preferred leader).
//!   `adding_replicas`/`removing_replicas` list only partitions under reassignment (KIP-455).
//!   Version 1 had only `partitions`; absent maps read as empty.
//! * Written by: whoever creates the topic (kafka-topics `--zookeeper`, CreateTopics,
//!   auto-creation) and CreatePartitions; the controller rewrites it during reassignment.
//! * After a crash: creating it is the commit point of topic creation (`/config/topics/<t>` is
//!   written first); a topic znode without partition states is completed by the controller's
//!   TopicChange handling when it next runs.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::{check_version, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::topic_path;

/// Partition number → ordered replica list.
pub type ReplicaAssignment = BTreeMap<i32, Vec<i32>>;

/// The replica assignment of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicAssignment {
    /// Every partition's replicas, first = preferred leader.
    pub partitions: ReplicaAssignment,
    /// Replicas being added by an ongoing reassignment, per partition.
    pub adding_replicas: ReplicaAssignment,
    /// Replicas being removed by an ongoing reassignment, per partition.
    pub removing_replicas: ReplicaAssignment,
}

/// Writes a partition map with string keys, highest partition first: what Kafka's hash map
/// produces for up to three partitions (larger maps are hash-ordered in Kafka; order carries no
/// meaning).
struct PartitionMapOut<'a>(&'a ReplicaAssignment);

impl Serialize for PartitionMapOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (partition, replicas) in self.0.iter().rev() {
            map.serialize_entry(&partition.to_string(), replicas)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct TopicJsonOut<'a> {
    version: i32,
    partitions: PartitionMapOut<'a>,
    adding_replicas: PartitionMapOut<'a>,
    removing_replicas: PartitionMapOut<'a>,
}

#[derive(Deserialize)]
struct TopicJsonIn {
    version: i64,
    partitions: BTreeMap<String, Vec<i32>>,
    #[serde(default)]
    adding_replicas: BTreeMap<String, Vec<i32>>,
    #[serde(default)]
    removing_replicas: BTreeMap<String, Vec<i32>>,
}

impl TopicAssignment {
    /// An assignment with no reassignment in progress.
    pub fn new(partitions: ReplicaAssignment) -> TopicAssignment {
        TopicAssignment {
            partitions,
            ..TopicAssignment::default()
        }
    }

    /// Version-2 JSON in Kafka's key order.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&TopicJsonOut {
            version: 2,
            partitions: PartitionMapOut(&self.partitions),
            adding_replicas: PartitionMapOut(&self.adding_replicas),
            removing_replicas: PartitionMapOut(&self.removing_replicas),
        })
    }

    /// Parses version 1 or 2 data of `/brokers/topics/<topic>`.
    pub fn decode(topic: &str, bytes: &[u8]) -> Result<TopicAssignment, ZnodeError> {
        let path = topic_path(topic);
        let json: TopicJsonIn = parse_json(&path, bytes)?;
        check_version(&path, json.version, 1..=2)?;
        Ok(TopicAssignment {
            partitions: partition_keys(&path, "partitions", json.partitions)?,
            adding_replicas: partition_keys(&path, "adding_replicas", json.adding_replicas)?,
            removing_replicas: partition_keys(&path, "removing_replicas", json.removing_replicas)?,
        })
    }
}

/// Turns `"0"`-style keys into partition numbers, refusing anything but a non-negative integer.
fn partition_keys(
    path: &str,
    field: &'static str,
    map: BTreeMap<String, Vec<i32>>,
) -> Result<ReplicaAssignment, ZnodeError> {
    map.into_iter()
        .map(|(key, replicas)| match key.parse::<i32>() {
            Ok(partition) if partition >= 0 => Ok((partition, replicas)),
            _ => Err(ZnodeError::InvalidField {
                path: path.to_string(),
                field,
                reason: format!("partition key '{key}' is not a partition number"),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_example() {
        let kafka = br#"{"version":2,"partitions":{"0":[1,2,3]},"adding_replicas":{},"removing_replicas":{}}"#;
        let topic = TopicAssignment::decode("first", kafka).unwrap();
        assert_eq!(topic.partitions, BTreeMap::from([(0, vec![1, 2, 3])]));
        assert!(topic.adding_replicas.is_empty() && topic.removing_replicas.is_empty());
        assert_eq!(topic.encode(), kafka.to_vec());
    }

    #[test]
    fn writes_partitions_highest_first_like_kafka_for_small_topics() {
        let topic =
            TopicAssignment::new(BTreeMap::from([(0, vec![1]), (1, vec![2]), (2, vec![0])]));
        assert_eq!(
            String::from_utf8(topic.encode()).unwrap(),
            r#"{"version":2,"partitions":{"2":[0],"1":[2],"0":[1]},"adding_replicas":{},"removing_replicas":{}}"#
        );
    }

    #[test]
    fn reads_version_1_and_reassignment_maps_in_any_order() {
        let v1 = TopicAssignment::decode("t", br#"{"partitions":{"1":[0],"0":[1]},"version":1}"#)
            .unwrap();
        assert_eq!(v1.partitions.len(), 2);
        let moving = br#"{"removing_replicas":{"0":[3]},"adding_replicas":{"0":[4]},"partitions":{"0":[4,3]},"version":2}"#;
        let moving = TopicAssignment::decode("t", moving).unwrap();
        assert_eq!(moving.adding_replicas[&0], vec![4]);
        assert_eq!(moving.removing_replicas[&0], vec![3]);
    }

    #[test]
    fn rejects_bad_partition_keys_and_versions() {
        assert!(TopicAssignment::decode("t", br#"{"version":2,"partitions":{"x":[1]}}"#).is_err());
        assert!(TopicAssignment::decode("t", br#"{"version":2,"partitions":{"-1":[1]}}"#).is_err());
        assert!(TopicAssignment::decode("t", br#"{"version":3,"partitions":{}}"#).is_err());
    }
}
