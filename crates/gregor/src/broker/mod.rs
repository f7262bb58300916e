//! Broker start-up and shutdown in Kafka's order (Kafka's `KafkaServer`).
//!
//! Start-up: connect ZooKeeper (retried for `zookeeper.connection.timeout.ms`), create the
//! top-level paths, read or create `/cluster/id`, check `meta.properties` in every log dir
//! (a different cluster id stops start-up with Kafka's message), resolve or generate the
//! broker id, load the logs, start the network server and the replica manager, register
//! `/brokers/ids/<id>`, write `meta.properties`, and log `[KafkaServer id=N] started`.
//! Then the controller module starts (every broker runs one; the elected one sends
//! LeaderAndIsr/UpdateMetadata to all brokers, itself included, over TCP), then the watcher of
//! `/config/changes` (Kafka's `DynamicConfigManager`, `config_changes`). Shutdown reverses it
//! after a controlled shutdown.

mod config_changes;
mod controlled_shutdown;
mod error;
mod isr;
mod registration;
mod run;
mod startup;

use std::sync::Arc;

use gregor_log::manager::{BackgroundTasks, LogManager};
use gregor_network::ServerHandle;
use tokio::task::JoinHandle;

pub use error::BrokerError;
pub use run::run;
pub use startup::startup;

use crate::handlers::context::now_ms;
use crate::handlers::BrokerContext;

/// Logger name of Kafka's `KafkaServer`.
pub const SERVER_LOGGER: &str = "kafka.server.KafkaServer";

/// A started broker.
pub struct KafkaServer {
    /// The broker id in use (configured, stored or generated).
    pub broker_id: i32,
    /// Bound listeners (name, address), e.g. to learn the port when 0 was configured.
    pub bound_listeners: Vec<(String, std::net::SocketAddr)>,
    /// Handlers' shared state.
    context: Arc<BrokerContext>,
    /// The log manager (closed last before ZooKeeper).
    log_manager: Arc<LogManager>,
    /// Retention/flush/checkpoint thread of the log manager.
    log_tasks: Option<BackgroundTasks>,
    /// Stops the network server.
    network: ServerHandle,
    /// The network server's task.
    network_task: JoinHandle<()>,
    /// Periodic tasks of the broker (HW checkpoint, session watcher, config-change watcher),
    /// aborted on shutdown.
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for KafkaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaServer")
            .field("broker_id", &self.broker_id)
            .field("bound_listeners", &self.bound_listeners)
            .finish_non_exhaustive()
    }
}

impl KafkaServer {
    /// The handlers' shared state.
    pub fn context(&self) -> &Arc<BrokerContext> {
        &self.context
    }

    /// Kafka's `KafkaServer.shutdown`, in reverse start-up order: network (graceful), replica
    /// manager (high-watermark checkpoint), log manager (flush, `.kafka_cleanshutdown`),
    /// ZooKeeper (the ephemeral registration goes away).
    pub async fn shutdown(mut self) {
        let id = self.broker_id;
        log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] shutting down");
        if self.context.config.controlled_shutdown_enable {
            controlled_shutdown::controlled_shutdown(&self.context).await;
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.network.shutdown();
        if let Err(e) = (&mut self.network_task).await {
            log::warn!(target: SERVER_LOGGER, "Network server task ended abnormally: {e}");
        }
        self.context.group_coordinator.shutdown();
        self.context.replica_manager.shutdown();
        if let Some(tasks) = self.log_tasks.take() {
            tasks.stop();
        }
        let log_manager = Arc::clone(&self.log_manager);
        let closed = tokio::task::spawn_blocking(move || log_manager.shutdown(now_ms())).await;
        match closed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                log::error!(target: SERVER_LOGGER, "Error shutting down the log manager: {e}")
            }
            Err(e) => log::error!(target: SERVER_LOGGER, "Log manager shutdown panicked: {e}"),
        }
        if let Some(controller) = self.context.take_controller() {
            match Arc::try_unwrap(controller) {
                Ok(controller) => controller.shutdown().await,
                // A handler still holds it: dropping our reference is enough, the last one
                // aborts the loop.
                Err(shared) => drop(shared),
            }
        }
        if let Some(zk) = self.context.take_zk() {
            zk.close().await;
        }
        log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] shut down completed");
    }
}
