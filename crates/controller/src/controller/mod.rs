//! The controller's event loop (Kafka's `KafkaController`): one task owns all controller
//! state and processes [`ControllerEvent`]s one at a time. This file holds the loop, the
//! election, failover and resignation; the handlers live in the sibling modules.

mod admin;
mod brokers;
mod deletion;
mod failover;
mod leadership;
mod partitions;
mod replicas;
mod topics;

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use gregor_zk::paths::CONTROLLER_PATH;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{KafkaZkClient, ZkError};
use log::{debug, error, info, warn};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::batch::RequestBatch;
use crate::channel::ChannelManager;
use crate::config::ControllerConfig;
use crate::context::ControllerContext;
use crate::error::ControllerError;
use crate::event::ControllerEvent;
use crate::fenced::FencedZk;
use crate::watches::{spawn_session_watch, spawn_watch, WatchKind, Watches};

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

/// What the handle reads without going through the loop.
#[derive(Debug)]
pub struct Shared {
    /// We are the active controller.
    pub active: AtomicBool,
    /// Broker id in `/controller` as last read, -1 for none.
    pub controller_id: AtomicI32,
    /// Our controller epoch while active (0 before the first election).
    pub epoch: AtomicI32,
}

/// The event loop's state.
pub struct KafkaController {
    /// Broker settings.
    config: ControllerConfig,
    /// The current ZooKeeper session.
    zk: KafkaZkClient,
    /// Our own queue, for watches, the channel and timers.
    events: mpsc::Sender<ControllerEvent>,
    /// Read by the handle.
    shared: Arc<Shared>,
    /// Everything the active controller knows; reset at resignation.
    ctx: ControllerContext,
    /// Fenced writes; `Some` only while active.
    fenced: Option<FencedZk>,
    /// Queues to brokers; empty while not active.
    channel: ChannelManager,
    /// Requests of the action in progress.
    batch: RequestBatch,
    /// Watches of the active controller.
    watches: Watches,
    /// The `/controller` watch every broker keeps.
    controller_watch: Option<JoinHandle<()>>,
    /// Session expiry detection.
    session_watch: Option<JoinHandle<()>>,
    /// The periodic leader-imbalance check.
    rebalance_timer: Option<JoinHandle<()>>,
}

type Outcome = Result<(), ControllerError>;

impl KafkaController {
    /// A controller that has not run the election yet.
    pub fn new(
        config: ControllerConfig,
        zk: KafkaZkClient,
        events: mpsc::Sender<ControllerEvent>,
        shared: Arc<Shared>,
    ) -> KafkaController {
        let channel = ChannelManager::new(
            config.broker_id,
            config.controller_socket_timeout_ms,
            events.clone(),
        );
        KafkaController {
            config,
            zk,
            events,
            shared,
            ctx: ControllerContext::default(),
            fenced: None,
            channel,
            batch: RequestBatch::default(),
            watches: Watches::default(),
            controller_watch: None,
            session_watch: None,
            rebalance_timer: None,
        }
    }

    /// Processes events until [`ControllerEvent::Shutdown`] or every sender is gone.
    pub async fn run(mut self, mut queue: mpsc::Receiver<ControllerEvent>) {
        while let Some(event) = queue.recv().await {
            if matches!(event, ControllerEvent::Shutdown) {
                break;
            }
            self.process(event).await;
        }
        self.resign_if_active();
        self.stop_session_tasks();
        info!(target: LOG_TARGET, "[Controller id={}] Stopped", self.config.broker_id);
    }

    async fn process(&mut self, event: ControllerEvent) {
        let name = event_name(&event);
        let result = match event {
            ControllerEvent::Startup => self.startup().await,
            ControllerEvent::ControllerChange => self.maybe_resign().await,
            ControllerEvent::Reelect => self.reelect().await,
            ControllerEvent::SessionExpired => {
                info!(target: LOG_TARGET,
                    "[Controller id={}] ZooKeeper session expired; resigning",
                    self.config.broker_id
                );
                self.shared.controller_id.store(-1, Ordering::SeqCst);
                self.resign_if_active();
                self.stop_session_tasks();
                Ok(())
            }
            ControllerEvent::NewSession(zk) => {
                // The broker may notice the expiry before our session watch does.
                self.resign_if_active();
                self.zk = zk;
                self.startup().await
            }
            ControllerEvent::ControlledShutdown {
                broker_id,
                broker_epoch,
                reply,
            } => {
                let result = self.controlled_shutdown(broker_id, broker_epoch).await;
                let moved = matches!(&result, Err(error) if error.is_controller_moved());
                let _ = reply.send(result);
                if moved {
                    self.maybe_resign().await
                } else {
                    Ok(())
                }
            }
            other if !self.is_active() => {
                debug!(target: LOG_TARGET,
                    "Ignoring {} since this broker is not the controller",
                    event_name(&other)
                );
                Ok(())
            }
            ControllerEvent::BrokerChange => self.process_broker_change().await,
            ControllerEvent::BrokerModification(id) => self.process_broker_modification(id).await,
            ControllerEvent::TopicChange => self.process_topic_change().await,
            ControllerEvent::PartitionModifications(topic) => {
                self.process_partition_modifications(&topic).await
            }
            ControllerEvent::TopicDeletion => self.process_topic_deletion().await,
            ControllerEvent::IsrChangeNotification => self.process_isr_change_notification().await,
            ControllerEvent::LogDirEventNotification => {
                self.process_log_dir_event_notification().await
            }
            ControllerEvent::PreferredReplicaElection => {
                self.process_preferred_replica_election().await
            }
            ControllerEvent::TopicDeletionStopReplicaResponse {
                broker_id,
                response,
                partitions,
            } => {
                self.process_deletion_response(broker_id, response, partitions)
                    .await
            }
            ControllerEvent::AutoPreferredReplicaLeaderElection => {
                self.check_and_trigger_auto_leader_rebalance().await
            }
            ControllerEvent::LeaderAndIsrResponse {
                broker_id,
                response,
            } => {
                self.process_leader_and_isr_response(broker_id, response)
                    .await
            }
            ControllerEvent::Shutdown => Ok(()),
        };
        if let Err(error) = result {
            if error.is_controller_moved() {
                info!(target: LOG_TARGET, "[Controller id={}] Controller moved to another broker when processing {name}; resigning", self.config.broker_id);
                self.resign_if_active();
            } else {
                error!(target: LOG_TARGET,
                    "[Controller id={}] Error processing event {name}: {error}",
                    self.config.broker_id
                );
            }
        }
    }

    /// Whether we are the active controller.
    fn is_active(&self) -> bool {
        self.fenced.is_some()
    }

    fn fenced(&self) -> Result<&FencedZk, ControllerError> {
        self.fenced.as_ref().ok_or(ControllerError::ControllerMoved)
    }

    /// Arms the `/controller` watch and the session watch, then runs the election.
    async fn startup(&mut self) -> Outcome {
        self.stop_session_tasks();
        self.controller_watch = spawn_watch(
            self.zk.clone(),
            CONTROLLER_PATH.to_string(),
            WatchKind::Exists,
            self.events.clone(),
            |_, kind| match kind {
                zk::EventType::NodeDeleted => Some(ControllerEvent::Reelect),
                _ => Some(ControllerEvent::ControllerChange),
            },
        )
        .await;
        self.session_watch = Some(spawn_session_watch(&self.zk, self.events.clone()));
        self.elect().await
    }

    fn stop_session_tasks(&mut self) {
        for task in [self.controller_watch.take(), self.session_watch.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }

    /// Kafka's `elect`: if nobody is controller, try to become it.
    async fn elect(&mut self) -> Outcome {
        let broker_id = self.config.broker_id;
        if let Some(active) = self.zk.get_controller_id().await? {
            self.shared.controller_id.store(active, Ordering::SeqCst);
            info!(target: LOG_TARGET, "[Controller id={broker_id}] Broker {active} has been elected as the controller, so stopping the election process.");
            return Ok(());
        }
        match self
            .zk
            .register_controller_and_increment_controller_epoch(broker_id)
            .await
        {
            Ok((epoch, epoch_zk_version)) => {
                info!(target: LOG_TARGET, "[Controller id={broker_id}] {broker_id} successfully elected as the controller. Epoch incremented to {} and epoch zk version is now {epoch_zk_version}", epoch.0);
                self.shared.controller_id.store(broker_id, Ordering::SeqCst);
                self.ctx = ControllerContext {
                    epoch: epoch.0,
                    epoch_zk_version,
                    ..Default::default()
                };
                self.fenced = Some(FencedZk {
                    zk: self.zk.clone(),
                    epoch_zk_version,
                });
                if let Err(error) = self.on_controller_failover().await {
                    error!(target: LOG_TARGET, "[Controller id={broker_id}] Error while electing or becoming controller on broker {broker_id}: {error}");
                    self.trigger_controller_move().await;
                }
                Ok(())
            }
            Err(ZkError::ControllerMoved) => {
                let active = self.zk.get_controller_id().await?.unwrap_or(-1);
                self.shared.controller_id.store(active, Ordering::SeqCst);
                warn!(target: LOG_TARGET, "[Controller id={broker_id}] A controller has been elected but just resigned, this will result in another round of election");
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn reelect(&mut self) -> Outcome {
        self.maybe_resign().await?;
        self.elect().await
    }

    /// Re-reads `/controller`; resigns if we were active and no longer are.
    async fn maybe_resign(&mut self) -> Outcome {
        let was_active = self.is_active();
        let active = self.zk.get_controller_id().await?.unwrap_or(-1);
        self.shared.controller_id.store(active, Ordering::SeqCst);
        if was_active && active != self.config.broker_id {
            self.resign_if_active();
        }
        Ok(())
    }

    /// Resigns and deletes `/controller` (fenced) so another election runs.
    async fn trigger_controller_move(&mut self) {
        let fenced = self.fenced.clone();
        self.resign_if_active();
        if let Some(fenced) = fenced {
            if let Err(error) = fenced.delete(CONTROLLER_PATH).await {
                warn!(target: LOG_TARGET, "Could not delete {CONTROLLER_PATH} when moving the controller: {error}");
            }
        }
        self.shared.controller_id.store(-1, Ordering::SeqCst);
    }

    /// Kafka's `onControllerResignation`: stop watches, timers and channels, forget state.
    fn resign_if_active(&mut self) {
        if self.fenced.take().is_none() {
            return;
        }
        info!(target: LOG_TARGET, "[Controller id={}] Resigning", self.config.broker_id);
        self.watches.clear();
        if let Some(timer) = self.rebalance_timer.take() {
            timer.abort();
        }
        self.channel.shutdown();
        self.batch = RequestBatch::default();
        self.ctx = ControllerContext::default();
        self.shared.active.store(false, Ordering::SeqCst);
        self.shared.epoch.store(0, Ordering::SeqCst);
    }

    /// Sends the collected batch.
    fn send_batch(&mut self) {
        self.batch.send(
            &self.ctx,
            self.config.broker_id,
            &self.config.inter_broker_listener_name,
            &self.channel,
        );
    }
}

fn event_name(event: &ControllerEvent) -> &'static str {
    match event {
        ControllerEvent::Startup => "Startup",
        ControllerEvent::ControllerChange => "ControllerChange",
        ControllerEvent::Reelect => "Reelect",
        ControllerEvent::BrokerChange => "BrokerChange",
        ControllerEvent::BrokerModification(_) => "BrokerModifications",
        ControllerEvent::TopicChange => "TopicChange",
        ControllerEvent::PartitionModifications(_) => "PartitionModifications",
        ControllerEvent::TopicDeletion => "TopicDeletion",
        ControllerEvent::IsrChangeNotification => "IsrChangeNotification",
        ControllerEvent::LogDirEventNotification => "LogDirEventNotification",
        ControllerEvent::PreferredReplicaElection => "ReplicaLeaderElection",
        ControllerEvent::LeaderAndIsrResponse { .. } => "LeaderAndIsrResponseReceived",
        ControllerEvent::TopicDeletionStopReplicaResponse { .. } => {
            "TopicDeletionStopReplicaResponseReceived"
        }
        ControllerEvent::ControlledShutdown { .. } => "ControlledShutdown",
        ControllerEvent::AutoPreferredReplicaLeaderElection => "AutoPreferredReplicaLeaderElection",
        ControllerEvent::SessionExpired => "Expire",
        ControllerEvent::NewSession(_) => "RegisterBrokerAndReelect",
        ControllerEvent::Shutdown => "Shutdown",
    }
}
