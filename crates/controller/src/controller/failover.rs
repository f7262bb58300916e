//! Taking over as controller (Kafka's `onControllerFailover`, kafka-2.4.md §2.1): watches,
//! context loading, the first UpdateMetadata, state machine start-up, pending deletions and
//! preferred elections, and the leader-imbalance timer.

use std::sync::atomic::Ordering;
use std::time::Duration;

use gregor_zk::paths::{
    BROKER_IDS_PATH, BROKER_TOPICS_PATH, DELETE_TOPICS_PATH, ISR_CHANGE_NOTIFICATION_PATH,
    LOG_DIR_EVENT_NOTIFICATION_PATH,
};
use gregor_zk::zookeeper_client as zk;
use gregor_zk::ZkError;
use log::info;

use super::admin::PREFERRED_REPLICA_ELECTION_PATH;
use super::{KafkaController, Outcome};
use crate::event::ControllerEvent;
use crate::watches::{EventFor, WatchKind};

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

impl KafkaController {
    /// Kafka's `onControllerFailover` (kafka-2.4.md §2.1).
    pub(super) async fn on_controller_failover(&mut self) -> Outcome {
        info!(target: LOG_TARGET,
            "[Controller id={}] Registering handlers",
            self.config.broker_id
        );
        let children: [(&str, EventFor); 5] = [
            (BROKER_IDS_PATH, |_, _| Some(ControllerEvent::BrokerChange)),
            (BROKER_TOPICS_PATH, |_, _| {
                Some(ControllerEvent::TopicChange)
            }),
            (DELETE_TOPICS_PATH, |_, _| {
                Some(ControllerEvent::TopicDeletion)
            }),
            (ISR_CHANGE_NOTIFICATION_PATH, |_, kind| {
                (kind == zk::EventType::NodeChildrenChanged)
                    .then_some(ControllerEvent::IsrChangeNotification)
            }),
            (LOG_DIR_EVENT_NOTIFICATION_PATH, |_, kind| {
                (kind == zk::EventType::NodeChildrenChanged)
                    .then_some(ControllerEvent::LogDirEventNotification)
            }),
        ];
        for (path, event_for) in children {
            self.watches
                .watch(
                    &self.zk,
                    path.to_string(),
                    WatchKind::Children,
                    &self.events,
                    event_for,
                )
                .await;
        }
        self.watches
            .watch(
                &self.zk,
                PREFERRED_REPLICA_ELECTION_PATH.to_string(),
                WatchKind::Exists,
                &self.events,
                |_, kind| {
                    (kind == zk::EventType::NodeCreated)
                        .then_some(ControllerEvent::PreferredReplicaElection)
                },
            )
            .await;
        info!(target: LOG_TARGET,
            "[Controller id={}] Deleting log dir event notifications",
            self.config.broker_id
        );
        self.delete_children(LOG_DIR_EVENT_NOTIFICATION_PATH)
            .await?;
        info!(target: LOG_TARGET,
            "[Controller id={}] Deleting isr change notifications",
            self.config.broker_id
        );
        self.delete_children(ISR_CHANGE_NOTIFICATION_PATH).await?;
        info!(target: LOG_TARGET,
            "[Controller id={}] Initializing controller context",
            self.config.broker_id
        );
        self.initialize_controller_context().await?;
        let (to_delete, ineligible) = self.fetch_topic_deletions().await?;
        self.ctx.topics_to_delete = to_delete;
        self.ctx.topics_ineligible_for_deletion = ineligible;
        self.shared.epoch.store(self.ctx.epoch, Ordering::SeqCst);
        self.shared.active.store(true, Ordering::SeqCst);
        info!(target: LOG_TARGET,
            "[Controller id={}] Sending update metadata request",
            self.config.broker_id
        );
        let everyone = self.ctx.live_or_shutting_down_ids();
        self.batch.add_update_metadata(&self.ctx, &everyone, &[]);
        self.send_batch();
        self.replica_state_machine_startup().await?;
        self.partition_state_machine_startup().await?;
        info!(target: LOG_TARGET,
            "[Controller id={}] Ready to serve as the new controller with epoch {}",
            self.config.broker_id, self.ctx.epoch
        );
        self.try_topic_deletion().await?;
        self.process_preferred_replica_election().await?;
        if self.config.auto_leader_rebalance_enable {
            self.schedule_auto_leader_rebalance();
        }
        Ok(())
    }

    fn schedule_auto_leader_rebalance(&mut self) {
        let events = self.events.clone();
        let interval =
            Duration::from_secs(self.config.leader_imbalance_check_interval_seconds.max(1));
        self.rebalance_timer = Some(tokio::spawn(async move {
            // Kafka's first check comes 5 seconds after failover, then every interval.
            tokio::time::sleep(Duration::from_secs(5)).await;
            loop {
                if events
                    .send(ControllerEvent::AutoPreferredReplicaLeaderElection)
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(interval).await;
            }
        }));
    }

    /// Deletes every child of `path`, fenced (processed notifications).
    pub(super) async fn delete_children(&self, path: &str) -> Outcome {
        for child in self.zk.get_children(path).await? {
            self.fenced()?
                .delete(&format!("{path}/{child}"))
                .await
                .map_err(ZkError::from)?;
        }
        Ok(())
    }
}
