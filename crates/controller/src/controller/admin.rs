//! Requests that arrive as znodes from admin tools and failing brokers: preferred replica
//! election (`/admin/preferred_replica_election`, written by
//! `kafka-preferred-replica-election.sh --zookeeper`) and log directory failures
//! (`/log_dir_event_notification/log_dir_event_<seq>`, written by a broker whose log dir died).

use std::collections::BTreeSet;

use gregor_zk::paths::LOG_DIR_EVENT_NOTIFICATION_PATH;
use gregor_zk::{IsrChangeNotification, TopicPartition, ZkError};
use log::{info, warn};

use super::{KafkaController, Outcome};
use crate::election::ElectionStrategy;
use crate::state::{PartitionState, ReplicaState};

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

/// Kafka's `PreferredReplicaElectionZNode`: `{"version":1,"partitions":[{"topic":..,"partition":..}]}`,
/// the same JSON shape as an ISR change notification; deleted by the controller when handled.
pub const PREFERRED_REPLICA_ELECTION_PATH: &str = "/admin/preferred_replica_election";

/// The `broker` of a log dir event (`{"version":1,"broker":<id>,"event":1}`).
fn log_dir_event_broker(data: &[u8]) -> Option<i32> {
    let json: serde_json::Value = serde_json::from_slice(data).ok()?;
    i32::try_from(json.get("broker")?.as_i64()?).ok()
}

impl KafkaController {
    /// Kafka's ZK-triggered preferred election: elect the first assigned replica for the listed
    /// partitions that exist, are not being deleted and are not already led by it; then delete
    /// the request znode.
    pub(super) async fn process_preferred_replica_election(&mut self) -> Outcome {
        let path = PREFERRED_REPLICA_ELECTION_PATH;
        let Some((data, _)) = self.zk.get_data(path).await? else {
            return Ok(());
        };
        let requested = match IsrChangeNotification::decode(path, &data) {
            Ok(request) => request.partitions,
            Err(error) => {
                warn!(target: LOG_TARGET, "Ignoring invalid preferred replica election request: {error}");
                Vec::new()
            }
        };
        let mut electable = Vec::new();
        for partition in requested.into_iter().collect::<BTreeSet<TopicPartition>>() {
            let Some(&preferred) = self.ctx.replicas(&partition).first() else {
                info!(target: LOG_TARGET, "Skipping replica leader election (PREFERRED) for partition {}-{} by ZkTriggered since it doesn't exist.", partition.topic, partition.partition);
                continue;
            };
            if self.ctx.is_topic_queued_for_deletion(&partition.topic) {
                warn!(target: LOG_TARGET, "Skipping replica leader election (PREFERRED) for partition {}-{} since its topic is being deleted", partition.topic, partition.partition);
                continue;
            }
            let leader = self.ctx.leadership.get(&partition).map(|l| l.state.leader);
            if leader != Some(preferred) {
                electable.push(partition);
            }
        }
        let result = self
            .handle_partition_state_changes(
                &electable,
                PartitionState::Online,
                ElectionStrategy::Preferred,
            )
            .await;
        self.fenced()?.delete(path).await.map_err(ZkError::from)?;
        result
    }

    /// Kafka's `processLogDirEventNotification`: the brokers named get LeaderAndIsr for all
    /// their replicas (their answers reveal offline replicas); the notifications are deleted.
    pub(super) async fn process_log_dir_event_notification(&mut self) -> Outcome {
        let children = self
            .zk
            .get_children(LOG_DIR_EVENT_NOTIFICATION_PATH)
            .await?;
        let mut brokers = BTreeSet::new();
        for child in &children {
            let path = format!("{LOG_DIR_EVENT_NOTIFICATION_PATH}/{child}");
            if let Some((data, _)) = self.zk.get_data(&path).await? {
                match log_dir_event_broker(&data) {
                    Some(broker) => {
                        brokers.insert(broker);
                    }
                    None => {
                        warn!(target: LOG_TARGET, "Ignoring invalid log dir event notification {path}")
                    }
                }
            }
        }
        let result = if brokers.is_empty() {
            Ok(())
        } else {
            info!(target: LOG_TARGET,
                "[Controller id={}] Handling log directory failure for brokers {brokers:?}",
                self.config.broker_id
            );
            let replicas = self.ctx.replicas_on_brokers(&brokers);
            self.handle_replica_state_changes(&replicas, ReplicaState::Online)
                .await
        };
        for child in &children {
            let path = format!("{LOG_DIR_EVENT_NOTIFICATION_PATH}/{child}");
            self.fenced()?.delete(&path).await.map_err(ZkError::from)?;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_dir_events_name_the_failing_broker() {
        assert_eq!(
            log_dir_event_broker(br#"{"version":1,"broker":3,"event":1}"#),
            Some(3)
        );
        assert_eq!(log_dir_event_broker(br#"{"version":1}"#), None);
        assert_eq!(log_dir_event_broker(b"not json"), None);
    }
}
