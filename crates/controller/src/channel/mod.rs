//! The controller → broker channel (Kafka's `ControllerChannelManager`): one task and one queue
//! per live broker, including the controller's own broker, which it reaches over TCP like any
//! other. Each task connects to the broker's inter-broker endpoint, sends queued requests one
//! at a time at the highest version both sides support, and on any failure reconnects and
//! resends the same request until it is answered or the broker is removed.

pub mod connection;
pub mod versions;

use std::collections::BTreeMap;
use std::time::Duration;

use gregor_protocol::{RequestBody, ResponseBody};
use gregor_zk::TopicPartition;
use log::{debug, info, warn};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::ControllerEvent;
use connection::ControllerConnection;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.RequestSendThread";

/// Pause before reconnecting or resending after a failure (Kafka's 100 ms backoff).
const RETRY_BACKOFF_MS: u64 = 100;

/// What to do with a request's response.
#[derive(Debug, Clone)]
pub enum ResponseRoute {
    /// Nothing: UpdateMetadata and StopReplica(delete=false) responses are only logged.
    Ignore,
    /// LeaderAndIsr: report to the event loop (offline replicas).
    LeaderAndIsr,
    /// StopReplica(delete=true) of a topic deletion: report to the event loop.
    TopicDeletion(Vec<TopicPartition>),
}

/// A request waiting in a broker's queue.
#[derive(Debug)]
struct QueuedRequest {
    body: RequestBody,
    route: ResponseRoute,
}

/// The sending task of one broker.
struct BrokerSender {
    /// Requests for this broker. Unbounded like Kafka's queue: the event loop must never wait
    /// for a slow broker, and each controller action enqueues at most three requests per broker.
    queue: mpsc::UnboundedSender<QueuedRequest>,
    /// The task, aborted when the broker goes away or the controller resigns.
    task: JoinHandle<()>,
}

/// Queues and tasks for every live broker.
pub struct ChannelManager {
    /// Our broker id, for client ids.
    controller_id: i32,
    /// `controller.socket.timeout.ms`.
    timeout_ms: u64,
    /// Where deletion responses go.
    events: mpsc::Sender<ControllerEvent>,
    /// Senders by broker id.
    senders: BTreeMap<i32, BrokerSender>,
}

impl ChannelManager {
    /// An empty channel; brokers are added as they are learned.
    pub fn new(
        controller_id: i32,
        timeout_ms: u64,
        events: mpsc::Sender<ControllerEvent>,
    ) -> ChannelManager {
        ChannelManager {
            controller_id,
            timeout_ms,
            events,
            senders: BTreeMap::new(),
        }
    }

    /// Starts the queue and task for a broker at `host:port` (its inter-broker endpoint).
    pub fn add_broker(&mut self, broker_id: i32, host: String, port: i32) {
        if self.senders.contains_key(&broker_id) {
            return;
        }
        let (queue, receiver) = mpsc::unbounded_channel();
        let target = Target {
            broker_id,
            host,
            port,
            client_id: format!("controller-{}-to-broker-{broker_id}", self.controller_id),
            timeout_ms: self.timeout_ms,
        };
        let task = tokio::spawn(target.run(receiver, self.events.clone()));
        self.senders.insert(broker_id, BrokerSender { queue, task });
    }

    /// Stops a broker's task, dropping what is queued for it.
    pub fn remove_broker(&mut self, broker_id: i32) {
        if let Some(sender) = self.senders.remove(&broker_id) {
            sender.task.abort();
        }
    }

    /// Queues a request; requests for brokers without a channel are dropped, as in Kafka.
    pub fn send(&self, broker_id: i32, body: RequestBody, route: ResponseRoute) {
        match self.senders.get(&broker_id) {
            Some(sender) => {
                if sender.queue.send(QueuedRequest { body, route }).is_err() {
                    warn!(target: LOG_TARGET, "Not sending request to broker {broker_id}: its send task has ended");
                }
            }
            None => warn!(target: LOG_TARGET,
                "Not sending request {:?} to broker {broker_id}, since it is offline.",
                body.api_key()
            ),
        }
    }

    /// Stops every task (controller resignation).
    pub fn shutdown(&mut self) {
        for (_, sender) in std::mem::take(&mut self.senders) {
            sender.task.abort();
        }
    }
}

impl Drop for ChannelManager {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The broker one send task serves.
struct Target {
    broker_id: i32,
    host: String,
    port: i32,
    client_id: String,
    timeout_ms: u64,
}

impl Target {
    async fn run(
        self,
        mut queue: mpsc::UnboundedReceiver<QueuedRequest>,
        events: mpsc::Sender<ControllerEvent>,
    ) {
        info!(target: LOG_TARGET,
            "[RequestSendThread controllerId={}] Starting for broker {} at {}:{}",
            self.client_id, self.broker_id, self.host, self.port
        );
        let mut connection: Option<ControllerConnection> = None;
        while let Some(request) = queue.recv().await {
            let response = self
                .send_until_answered(&mut connection, request.body)
                .await;
            let event = match (request.route, response) {
                (ResponseRoute::TopicDeletion(partitions), response) => {
                    let response = match response {
                        ResponseBody::StopReplica(response) => Some(response),
                        _ => None,
                    };
                    ControllerEvent::TopicDeletionStopReplicaResponse {
                        broker_id: self.broker_id,
                        response,
                        partitions,
                    }
                }
                (ResponseRoute::LeaderAndIsr, ResponseBody::LeaderAndIsr(response)) => {
                    ControllerEvent::LeaderAndIsrResponse {
                        broker_id: self.broker_id,
                        response,
                    }
                }
                _ => continue,
            };
            if events.send(event).await.is_err() {
                return;
            }
        }
    }

    /// Sends until a response arrives; the task is aborted if the broker goes away.
    async fn send_until_answered(
        &self,
        connection: &mut Option<ControllerConnection>,
        body: RequestBody,
    ) -> ResponseBody {
        loop {
            let open = match connection.take() {
                Some(open) if !open.is_closed() => Ok(open),
                _ => {
                    ControllerConnection::open(
                        &self.host,
                        self.port,
                        self.client_id.clone(),
                        self.timeout_ms,
                    )
                    .await
                }
            };
            match open {
                Ok(mut open) => match open.send(body.clone()).await {
                    Ok(response) => {
                        debug!(target: LOG_TARGET,
                            "Controller received {:?} response from broker {}",
                            response.api_key(),
                            self.broker_id
                        );
                        *connection = Some(open);
                        return response;
                    }
                    Err(error) => warn!(target: LOG_TARGET,
                        "Controller failed to send {:?} to broker {}: {error}. Reconnecting.",
                        body.api_key(),
                        self.broker_id
                    ),
                },
                Err(error) => warn!(target: LOG_TARGET,
                    "Controller's connection to broker {}:{} (id: {}) was unsuccessful: {error}",
                    self.host, self.port, self.broker_id
                ),
            }
            tokio::time::sleep(Duration::from_millis(RETRY_BACKOFF_MS)).await;
        }
    }
}
