//! `/brokers/topics/<topic>/partitions/<p>/state`: a partition's leader and ISR (Kafka's
//! `TopicPartitionStateZNode`, value `LeaderIsrAndControllerEpoch`).
//!
//! * Path: `/brokers/topics/<topic>/partitions/<p>/state`, persistent (parents carry no data).
//! * JSON (version 1, Kafka's key order):
//!   `{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0,1,2]}`;
//!   `leader` is -1 when the partition has no leader.
//! * The znode's data version is the partition's "zkVersion": every writer updates it with a
//!   conditional set on that version (optimistic concurrency between controller and leader).
//! * Written by: the controller (creates it at the first leader election, rewrites it at every
//!   election, fenced by `/controller_epoch`) and the partition leader (ISR shrink/expand).
//! * After a crash: the znode is the truth about leadership. A new controller reads it at
//!   failover; a write lost in a crash is redone by the next election.

use serde::{Deserialize, Serialize};

use super::{check_version, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::topic_partition_state_path;

/// Leader, ISR and the epochs that ordered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderIsrAndControllerEpoch {
    /// Leader broker id, -1 for none.
    pub leader: i32,
    /// Bumped at every leader election.
    pub leader_epoch: i32,
    /// In-sync replicas; never written empty.
    pub isr: Vec<i32>,
    /// Epoch of the controller that made the last leadership decision.
    pub controller_epoch: i32,
}

#[derive(Serialize, Deserialize)]
struct PartitionStateJson {
    controller_epoch: i32,
    leader: i32,
    version: i64,
    leader_epoch: i32,
    isr: Vec<i32>,
}

impl LeaderIsrAndControllerEpoch {
    /// Version-1 JSON in Kafka's key order.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&PartitionStateJson {
            controller_epoch: self.controller_epoch,
            leader: self.leader,
            version: 1,
            leader_epoch: self.leader_epoch,
            isr: self.isr.clone(),
        })
    }

    /// Parses the state of `topic`-`partition`.
    pub fn decode(
        topic: &str,
        partition: i32,
        bytes: &[u8],
    ) -> Result<LeaderIsrAndControllerEpoch, ZnodeError> {
        let path = topic_partition_state_path(topic, partition);
        let json: PartitionStateJson = parse_json(&path, bytes)?;
        check_version(&path, json.version, 1..=1)?;
        Ok(LeaderIsrAndControllerEpoch {
            leader: json.leader,
            leader_epoch: json.leader_epoch,
            isr: json.isr,
            controller_epoch: json.controller_epoch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_examples_and_writes_the_same_bytes() {
        let kafka =
            br#"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0,1,2]}"#;
        let state = LeaderIsrAndControllerEpoch::decode("t", 0, kafka).unwrap();
        assert_eq!(
            state,
            LeaderIsrAndControllerEpoch {
                leader: 0,
                leader_epoch: 0,
                isr: vec![0, 1, 2],
                controller_epoch: 1
            }
        );
        assert_eq!(state.encode(), kafka.to_vec());

        let leaderless =
            br#"{"controller_epoch":2,"leader":-1,"version":1,"leader_epoch":5,"isr":[2]}"#;
        let state = LeaderIsrAndControllerEpoch::decode("t", 0, leaderless).unwrap();
        assert_eq!(
            (state.leader, state.leader_epoch, state.isr),
            (-1, 5, vec![2])
        );
    }

    #[test]
    fn accepts_any_key_order_and_rejects_other_versions() {
        let shuffled =
            br#"{"isr":[1],"leader_epoch":3,"version":1,"leader":1,"controller_epoch":4}"#;
        assert_eq!(
            LeaderIsrAndControllerEpoch::decode("t", 1, shuffled)
                .unwrap()
                .controller_epoch,
            4
        );
        let v2 = br#"{"controller_epoch":1,"leader":0,"version":2,"leader_epoch":0,"isr":[0]}"#;
        assert!(LeaderIsrAndControllerEpoch::decode("t", 1, v2).is_err());
    }
}
