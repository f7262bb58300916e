//! ZooKeeper watches that feed the event loop. ZooKeeper watches fire once; each watch here is
//! a small task that re-arms its watch *before* enqueueing the event, so a change that happens
//! while the event waits in the queue fires the re-armed watch and is never missed. Handlers
//! re-read ZooKeeper themselves; events carry no data.

use std::collections::HashMap;
use std::time::Duration;

use gregor_zk::zookeeper_client as zk;
use gregor_zk::KafkaZkClient;
use log::{debug, warn};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::ControllerEvent;

/// Kafka's logger name for these lines (the broker routes `kafka.controller` to
/// `controller.log`).
const LOG_TARGET: &str = "kafka.controller.KafkaController";

/// Pause before re-arming a watch after a connection loss.
const REARM_BACKOFF_MS: u64 = 200;

/// What a watch observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// Children of the znode (and its deletion); creation if it does not exist yet.
    Children,
    /// Creation, deletion and data changes of the znode (Kafka's exists watch).
    Exists,
}

/// Maps a fired watch to the event to enqueue (`None`: ignore this kind of change).
pub type EventFor = fn(&str, zk::EventType) -> Option<ControllerEvent>;

/// Arms one watch; `Ok(None)` when the session is over.
async fn arm(
    zk: &KafkaZkClient,
    path: &str,
    kind: WatchKind,
) -> Result<Option<zk::OneshotWatcher>, zk::Error> {
    let client = zk.raw();
    let armed = match kind {
        WatchKind::Children => match client.list_and_watch_children(path).await {
            Ok((_, watcher)) => Ok(watcher),
            Err(zk::Error::NoNode) => client.check_and_watch_stat(path).await.map(|(_, w)| w),
            Err(error) => Err(error),
        },
        WatchKind::Exists => client.check_and_watch_stat(path).await.map(|(_, w)| w),
    };
    match armed {
        Ok(watcher) => Ok(Some(watcher)),
        Err(zk::Error::SessionExpired | zk::Error::ClientClosed | zk::Error::AuthFailed) => {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// Arms, retrying on connection loss until the session ends.
async fn arm_until_ready(
    zk: &KafkaZkClient,
    path: &str,
    kind: WatchKind,
) -> Option<zk::OneshotWatcher> {
    loop {
        match arm(zk, path, kind).await {
            Ok(armed) => return armed,
            Err(error) => {
                warn!(target: LOG_TARGET, "Could not register watch on {path}: {error}; retrying");
                tokio::time::sleep(Duration::from_millis(REARM_BACKOFF_MS)).await;
            }
        }
    }
}

/// Arms a watch on `path` now (so no change after this call is missed), then starts a task
/// that enqueues `event_for(path, type)` at every change, for as long as the session lives or
/// until the task is aborted. `None` when the session is already over.
pub async fn spawn_watch(
    zk: KafkaZkClient,
    path: String,
    kind: WatchKind,
    events: mpsc::Sender<ControllerEvent>,
    event_for: EventFor,
) -> Option<JoinHandle<()>> {
    let mut watcher = arm_until_ready(&zk, &path, kind).await?;
    Some(tokio::spawn(async move {
        loop {
            let fired = watcher.changed().await;
            if fired.event_type == zk::EventType::Session {
                debug!(target: LOG_TARGET,
                    "Watch on {path} ended with session state {:?}",
                    fired.session_state
                );
                return;
            }
            let Some(next) = arm_until_ready(&zk, &path, kind).await else {
                return;
            };
            watcher = next;
            if let Some(event) = event_for(&path, fired.event_type) {
                if events.send(event).await.is_err() {
                    return;
                }
            }
        }
    }))
}

/// Starts a task that enqueues [`ControllerEvent::SessionExpired`] when the session expires.
pub fn spawn_session_watch(
    zk: &KafkaZkClient,
    events: mpsc::Sender<ControllerEvent>,
) -> JoinHandle<()> {
    let mut states = zk.state_watcher();
    tokio::spawn(async move {
        loop {
            match states.changed().await {
                zk::SessionState::Expired | zk::SessionState::AuthFailed => {
                    let _ = events.send(ControllerEvent::SessionExpired).await;
                    return;
                }
                zk::SessionState::Closed => return,
                _ => {}
            }
        }
    })
}

/// The active controller's watch tasks by path, stopped at resignation.
#[derive(Default)]
pub struct Watches {
    /// Tasks by watched path.
    tasks: HashMap<String, JoinHandle<()>>,
}

impl Watches {
    /// Watches `path` unless already watched; the watch is armed when this returns.
    pub async fn watch(
        &mut self,
        zk: &KafkaZkClient,
        path: String,
        kind: WatchKind,
        events: &mpsc::Sender<ControllerEvent>,
        event_for: EventFor,
    ) {
        if self.tasks.contains_key(&path) {
            return;
        }
        let task = spawn_watch(zk.clone(), path.clone(), kind, events.clone(), event_for).await;
        if let Some(task) = task {
            self.tasks.insert(path, task);
        }
    }

    /// Stops watching `path`.
    pub fn unwatch(&mut self, path: &str) {
        if let Some(task) = self.tasks.remove(path) {
            task.abort();
        }
    }

    /// Stops every watch.
    pub fn clear(&mut self) {
        for (_, task) in self.tasks.drain() {
            task.abort();
        }
    }
}

impl Drop for Watches {
    fn drop(&mut self) {
        self.clear();
    }
}
