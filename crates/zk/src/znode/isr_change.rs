//! `/isr_change_notification/isr_change_<seq>` (Kafka's `IsrChangeNotificationSequenceZNode`).
//!
//! * persistent-sequential; JSON version 1:
//!   `{"version":1,"partitions":[{"topic":"foo","partition":0}]}`.
//! * Written by: partition leaders after they changed ISRs in ZooKeeper, batched (at most every
//!   2.5 s, or after 5 s without change, or 60 s since the last write).
//! * Read by: the controller's child watch; it refreshes the named partitions' state, sends
//!   UpdateMetadata, then deletes the processed children (fenced by the controller epoch).
//! * After a crash: unprocessed children stay; a new controller deletes all of them at failover
//!   (it reads every partition state then anyway).

use serde::{Deserialize, Serialize};

use super::{check_version, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::ISR_CHANGE_PREFIX;

/// A topic partition named in a notification.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

/// The partitions whose ISR changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsrChangeNotification {
    /// Partitions in the order the leader recorded them.
    pub partitions: Vec<TopicPartition>,
}

#[derive(Serialize, Deserialize)]
struct IsrChangeJson {
    version: i64,
    partitions: Vec<TopicPartition>,
}

impl IsrChangeNotification {
    /// The prefix ZooKeeper appends the sequence number to.
    pub const PATH_PREFIX: &'static str = ISR_CHANGE_PREFIX;

    /// Version-1 JSON (`topic` before `partition` in each item, as Kafka writes).
    pub fn encode(&self) -> Vec<u8> {
        to_json(&IsrChangeJson {
            version: 1,
            partitions: self.partitions.clone(),
        })
    }

    /// Parses the data of notification `path`.
    pub fn decode(path: &str, bytes: &[u8]) -> Result<IsrChangeNotification, ZnodeError> {
        let json: IsrChangeJson = parse_json(path, bytes)?;
        check_version(path, json.version, 1..=1)?;
        Ok(IsrChangeNotification {
            partitions: json.partitions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kafka_json() {
        let kafka = br#"{"version":1,"partitions":[{"topic":"foo","partition":0},{"topic":"bar","partition":3}]}"#;
        let notification =
            IsrChangeNotification::decode("/isr_change_notification/isr_change_0000000007", kafka)
                .unwrap();
        assert_eq!(
            notification.partitions[1],
            TopicPartition {
                topic: "bar".into(),
                partition: 3
            }
        );
        assert_eq!(notification.encode(), kafka.to_vec());
        let shuffled = br#"{"partitions":[{"partition":1,"topic":"x"}],"version":1}"#;
        assert_eq!(
            IsrChangeNotification::decode("p", shuffled)
                .unwrap()
                .partitions[0]
                .partition,
            1
        );
    }
}
