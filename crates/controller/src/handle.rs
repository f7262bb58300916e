//! Starting the controller and the handle the broker keeps: [`Controller::start`] spawns the
//! event loop; [`ControllerHandle`] reads its state without waiting and passes the broker's
//! requests (controlled shutdown, a new ZooKeeper session, shutdown) into the loop.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use gregor_zk::{KafkaZkClient, TopicPartition};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::ControllerConfig;
use crate::controller::{KafkaController, Shared};
use crate::error::ControllerError;
use crate::event::{ControllerEvent, EVENT_QUEUE_CAPACITY};

/// Entry point of the controller module.
pub struct Controller;

impl Controller {
    /// Spawns the event loop on the current tokio runtime and enqueues the start-up event
    /// (arm the `/controller` watch, run the election). Every broker runs this; only the
    /// elected one becomes active.
    pub fn start(zk: KafkaZkClient, config: ControllerConfig) -> ControllerHandle {
        let (events, queue) = mpsc::channel(EVENT_QUEUE_CAPACITY);
        let shared = Arc::new(Shared {
            active: AtomicBool::new(false),
            controller_id: AtomicI32::new(-1),
            epoch: AtomicI32::new(0),
        });
        let controller = KafkaController::new(config, zk, events.clone(), shared.clone());
        // Cannot fail: the queue is empty and its receiver is alive.
        let _ = events.try_send(ControllerEvent::Startup);
        let task = tokio::spawn(controller.run(queue));
        ControllerHandle {
            inner: Arc::new(Inner {
                events,
                shared,
                task: Mutex::new(Some(task)),
            }),
        }
    }
}

/// The broker's handle on its controller module; clones share one event loop (API handlers
/// hold clones for ControlledShutdown). The loop is aborted when the last clone is dropped
/// without [`ControllerHandle::shutdown`].
#[derive(Clone)]
pub struct ControllerHandle {
    /// Shared by the clones.
    inner: Arc<Inner>,
}

struct Inner {
    /// The event queue.
    events: mpsc::Sender<ControllerEvent>,
    /// State published by the loop.
    shared: Arc<Shared>,
    /// The loop, awaited at shutdown.
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let task = self
            .task
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = task {
            task.abort();
        }
    }
}

impl ControllerHandle {
    /// Whether this broker is the active controller.
    pub fn is_active(&self) -> bool {
        self.inner.shared.active.load(Ordering::SeqCst)
    }

    /// The broker id in `/controller` as last seen, if any.
    pub fn controller_id(&self) -> Option<i32> {
        let id = self.inner.shared.controller_id.load(Ordering::SeqCst);
        (id >= 0).then_some(id)
    }

    /// Our controller epoch while active, 0 otherwise.
    pub fn epoch(&self) -> i32 {
        self.inner.shared.epoch.load(Ordering::SeqCst)
    }

    /// Handles a ControlledShutdown request: moves leadership away from `broker_id` and returns
    /// the replicated partitions it still leads (empty = safe to stop). Answers when done, like
    /// Kafka. Errors map to the response's error code with [`ControllerError::error_code`].
    pub async fn controlled_shutdown(
        &self,
        broker_id: i32,
        broker_epoch: i64,
    ) -> Result<Vec<TopicPartition>, ControllerError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .events
            .send(ControllerEvent::ControlledShutdown {
                broker_id,
                broker_epoch,
                reply,
            })
            .await
            .map_err(|_| ControllerError::Stopped)?;
        answer.await.map_err(|_| ControllerError::Stopped)?
    }

    /// Hands over a new ZooKeeper session after the old one expired (the broker re-registered
    /// itself first); the controller re-runs the election with it.
    pub async fn new_session(&self, zk: KafkaZkClient) -> Result<(), ControllerError> {
        self.inner
            .events
            .send(ControllerEvent::NewSession(zk))
            .await
            .map_err(|_| ControllerError::Stopped)
    }

    /// Resigns (if active), stops channels and watches, and waits for the loop to end.
    /// `/controller` disappears when the broker closes its ZooKeeper session.
    pub async fn shutdown(&self) {
        let _ = self.inner.events.send(ControllerEvent::Shutdown).await;
        let task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}
