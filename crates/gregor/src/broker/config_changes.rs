//! Dynamic config changes (Kafka's `DynamicConfigManager` over its
//! `ZkNodeChangeNotificationListener`, and the `TopicConfigHandler`).
//!
//! Whoever changes an entity's config writes `/config/<type>/<name>` and then a sequential
//! notification `/config/changes/config_change_<seq>` naming the entity (kafka-2.4.md §1.2).
//! Every broker keeps a one-shot child watch on `/config/changes` (re-armed at every event and
//! after a reconnect), processes each notification whose sequence number is above the last one
//! it executed (`lastExecutedChange`, in memory: a restarted broker re-processes them all, which
//! is harmless because configs are re-read, never taken from the notification), and purges
//! notifications older than 15 minutes. Topics: the overrides are merged over the broker's
//! default log config and applied to the live logs of the topic (logs created later read
//! `/config/topics/<t>` themselves). Broker, client and user configs (dynamic broker configs,
//! quotas) are not supported: the change is logged as seen and not applied.
//!
//! After ZooKeeper expired the session the broker swaps in a new `KafkaZkClient`
//! (`BrokerContext::replace_zk`); this task then picks the new client up and re-processes every
//! notification, as Kafka does from `handleNewSession`. It owns no znode besides deleting
//! expired notifications.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gregor_zk::paths::CONFIG_CHANGES_PATH;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{ConfigChangeNotification, EntityConfig, KafkaZkClient, ZkError};
use tokio::task::JoinHandle;

use crate::handlers::context::now_ms;
use crate::handlers::BrokerContext;
use crate::replica::ReplicaManager;

/// Kafka's logger of the config manager (`Processing override for entityPath: ...`).
pub const DYNAMIC_CONFIG_LOGGER: &str = "kafka.server.DynamicConfigManager";
/// Kafka's logger of the notification listener (`Processing notification(s) to ...`).
const LISTENER_LOGGER: &str = "kafka.common.ZkNodeChangeNotificationListener";
/// Kafka's `changeExpirationMs`: notifications older than this are deleted.
pub const CHANGE_EXPIRATION_MS: i64 = 15 * 60 * 1000;
/// The sequence-number prefix of a notification's name.
const CHANGE_NAME_PREFIX: &str = "config_change_";
/// Entity types with a config handler in Kafka 2.4 (`DynamicConfigManager.configHandlers`).
const ENTITY_TYPES: [&str; 4] = ["topics", "clients", "users", "brokers"];
/// Kafka's `ConfigEntityName.Default`: the cluster-wide default entity.
const DEFAULT_ENTITY: &str = "<default>";
/// Pause before retrying after a ZooKeeper error, and between looks for a new session.
const RETRY_BACKOFF_MS: u64 = 250;

/// Starts the config-change watcher of this broker; it runs until aborted (at shutdown) or
/// until the broker gives up its ZooKeeper client.
pub fn spawn(context: Arc<BrokerContext>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = ChangeListener {
            replica_manager: Arc::clone(&context.replica_manager),
            broker_id: context.broker_id,
            last_executed_change: -1,
        };
        let mut watched_session = None;
        loop {
            let Some(zk) = context.zk() else { return };
            if watched_session == Some(zk.session_id()) {
                // Still the expired session: the broker is connecting a new one.
                tokio::time::sleep(Duration::from_millis(RETRY_BACKOFF_MS)).await;
                continue;
            }
            watched_session = Some(zk.session_id());
            listener.watch(&zk).await;
        }
    })
}

/// Kafka's `ZkNodeChangeNotificationListener` with the config handlers.
struct ChangeListener {
    /// Holds the log manager whose logs get new configs.
    replica_manager: Arc<ReplicaManager>,
    /// To tell this broker's `/config/brokers/<id>` from other brokers'.
    broker_id: i32,
    /// The highest sequence number processed; -1 before the first.
    last_executed_change: i64,
}

/// How waiting on the child watch ended.
enum Wake {
    /// The children changed, or the session reconnected (events may be lost then,
    /// ZOOKEEPER-4698): list again.
    Relist,
    /// The session is over (expired or closed).
    SessionEnded,
}

impl ChangeListener {
    /// Watches `/config/changes` on one session until that session ends.
    async fn watch(&mut self, zk: &KafkaZkClient) {
        let mut states = zk.state_watcher();
        if states.peek_state().is_terminated() {
            return;
        }
        loop {
            let armed = zk.raw().list_and_watch_children(CONFIG_CHANGES_PATH).await;
            let watcher = match armed {
                Ok((children, watcher)) => {
                    if let Err(e) = self.process_notifications(zk, children).await {
                        log::error!(target: LISTENER_LOGGER, "Error while processing notification change for path = {CONFIG_CHANGES_PATH}: {e}");
                    }
                    watcher
                }
                Err(
                    zk::Error::SessionExpired | zk::Error::ClientClosed | zk::Error::AuthFailed,
                ) => return,
                Err(zk::Error::NoNode) => {
                    if let Err(e) = zk
                        .make_sure_persistent_path_exists(CONFIG_CHANGES_PATH)
                        .await
                    {
                        log::warn!(target: LISTENER_LOGGER, "Cannot create {CONFIG_CHANGES_PATH}: {e}");
                        tokio::time::sleep(Duration::from_millis(RETRY_BACKOFF_MS)).await;
                    }
                    continue;
                }
                Err(e) => {
                    log::warn!(target: LISTENER_LOGGER, "Cannot watch {CONFIG_CHANGES_PATH}: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(RETRY_BACKOFF_MS)).await;
                    continue;
                }
            };
            let wake = tokio::select! {
                event = watcher.changed() => match event.event_type {
                    zk::EventType::Session => Wake::SessionEnded,
                    _ => Wake::Relist,
                },
                wake = reconnected(&mut states) => wake,
            };
            if let Wake::SessionEnded = wake {
                log::info!(target: LISTENER_LOGGER, "ZooKeeper session ended; watching {CONFIG_CHANGES_PATH} again on the next one");
                return;
            }
        }
    }

    /// Processes the notifications above `last_executed_change`, then purges expired ones.
    async fn process_notifications(
        &mut self,
        zk: &KafkaZkClient,
        children: Vec<String>,
    ) -> Result<(), ZkError> {
        let mut changes: Vec<(i64, String)> = children
            .into_iter()
            .filter_map(|name| change_number(&name).map(|id| (id, name)))
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        changes.sort();
        log::info!(target: LISTENER_LOGGER, "Processing notification(s) to {CONFIG_CHANGES_PATH}");
        let now = now_ms();
        for (change_id, name) in &changes {
            if *change_id > self.last_executed_change {
                self.process_notification(zk, name).await?;
                self.last_executed_change = *change_id;
            }
        }
        purge_obsolete_notifications(zk, now, &changes).await
    }

    /// Reads one notification and re-reads and applies the config of the entity it names.
    /// Malformed data is logged and skipped, as Kafka's listener does; ZooKeeper errors stop
    /// the round (retried at the next event).
    async fn process_notification(&self, zk: &KafkaZkClient, name: &str) -> Result<(), ZkError> {
        let path = format!("{CONFIG_CHANGES_PATH}/{name}");
        let Some((data, _)) = zk.get_data(&path).await? else {
            log::warn!(target: LISTENER_LOGGER, "read null data from {path}");
            return Ok(());
        };
        let entity_path = match ConfigChangeNotification::decode(&path, &data) {
            Ok(notification) => notification.entity_path,
            Err(e) => {
                log::error!(target: LISTENER_LOGGER, "error processing change notification {} from {path}: {e}", String::from_utf8_lossy(&data));
                return Ok(());
            }
        };
        let Some((entity_type, entity_name)) = split_entity_path(&entity_path) else {
            let types: Vec<String> = ENTITY_TYPES.iter().map(|t| format!("'{t}'/")).collect();
            log::error!(target: LISTENER_LOGGER, "error processing change notification {} from {path}: Version 2 config change notification must have 'entity_path' starting with one of {}. Received: {}",
                String::from_utf8_lossy(&data), types.join(", "), String::from_utf8_lossy(&data));
            return Ok(());
        };
        let config_path = gregor_zk::paths::config_entity_path(entity_type, entity_name);
        let overrides = match zk.get_data(&config_path).await? {
            None => BTreeMap::new(),
            Some((bytes, _)) => match EntityConfig::decode(&config_path, &bytes) {
                Ok(config) => config.config,
                Err(e) => {
                    log::error!(target: LISTENER_LOGGER, "error processing change notification {} from {path}: {e}", String::from_utf8_lossy(&data));
                    return Ok(());
                }
            },
        };
        log::info!(target: DYNAMIC_CONFIG_LOGGER, "Processing override for entityPath: {entity_path} with config: {}", scala_map(&overrides));
        match entity_type {
            "topics" => self.apply_topic_config(entity_name, overrides).await,
            "brokers"
                if entity_name == DEFAULT_ENTITY || entity_name == self.broker_id.to_string() =>
            {
                log::info!(target: DYNAMIC_CONFIG_LOGGER, "Dynamic broker config change for {entity_path} seen and not applied: Gregor does not support dynamic broker configs; they take effect at the next start only if also set in server.properties");
            }
            "brokers" => {
                log::debug!(target: DYNAMIC_CONFIG_LOGGER, "Broker config change for {entity_path} concerns another broker");
            }
            _ => {
                log::info!(target: DYNAMIC_CONFIG_LOGGER, "Quota config change for {entity_path} seen and not applied: Gregor does not support quotas");
            }
        }
        Ok(())
    }

    /// Kafka's `TopicConfigHandler.updateLogConfig`: the broker's default log config with the
    /// topic's overrides, set on every live log of the topic. Invalid overrides leave the logs
    /// as they are (Kafka's handler throws and the listener logs it).
    async fn apply_topic_config(&self, topic: &str, overrides: BTreeMap<String, String>) {
        let log_manager = Arc::clone(self.replica_manager.log_manager());
        let config = match log_manager
            .config()
            .default_log_config
            .with_overrides(overrides.iter())
        {
            Ok(config) => config,
            Err(e) => {
                log::error!(target: LISTENER_LOGGER, "Error processing config change of topic {topic}: {e}");
                return;
            }
        };
        let topic = topic.to_string();
        // Each log's mutex may be held by an append doing file I/O.
        let applied =
            tokio::task::spawn_blocking(move || log_manager.update_topic_config(&topic, &config))
                .await;
        if let Err(e) = applied {
            log::error!(target: LISTENER_LOGGER, "Applying a topic config failed: {e}");
        }
    }
}

/// Waits for the session to reconnect after a disconnection (`Relist`) or to end.
async fn reconnected(states: &mut zk::StateWatcher) -> Wake {
    loop {
        let state = states.changed().await;
        if state.is_terminated() {
            return Wake::SessionEnded;
        }
        if matches!(
            state,
            zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly
        ) {
            return Wake::Relist;
        }
    }
}

/// Kafka's `purgeObsoleteNotifications`: deletes notifications created more than
/// [`CHANGE_EXPIRATION_MS`] before `now_ms`. Another broker deleting one first is fine.
async fn purge_obsolete_notifications(
    zk: &KafkaZkClient,
    now_ms: i64,
    changes: &[(i64, String)],
) -> Result<(), ZkError> {
    for (_, name) in changes {
        let path = format!("{CONFIG_CHANGES_PATH}/{name}");
        let Some((_, stat)) = zk.get_data(&path).await? else {
            continue;
        };
        if is_expired(stat.ctime, now_ms) {
            log::debug!(target: LISTENER_LOGGER, "Purging change notification {path}");
            match zk.raw().delete(&path, None).await {
                Ok(()) | Err(zk::Error::NoNode) => {}
                Err(e) => return Err(ZkError::request("delete", path.as_str(), e)),
            }
        }
    }
    Ok(())
}

/// Whether a notification created at `created_ms` is past Kafka's expiration.
fn is_expired(created_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(created_ms) > CHANGE_EXPIRATION_MS
}

/// The sequence number of `config_change_0000000042`; `None` for a foreign child.
fn change_number(name: &str) -> Option<i64> {
    name.strip_prefix(CHANGE_NAME_PREFIX)?.parse().ok()
}

/// `topics/foo` → (`topics`, `foo`); `users/alice/clients/app` → (`users`, `alice/clients/app`).
/// `None` unless the root is an entity type Kafka 2.4 handles.
fn split_entity_path(entity_path: &str) -> Option<(&str, &str)> {
    let (entity_type, name) = entity_path.split_once('/')?;
    ENTITY_TYPES
        .contains(&entity_type)
        .then_some((entity_type, name))
}

/// A config as Kafka logs a Scala map: `Map(retention.ms -> 1000)`, SCRAM credentials hidden.
fn scala_map(config: &BTreeMap<String, String>) -> String {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| {
            let shown = if k.starts_with("SCRAM-SHA-") {
                "[hidden]"
            } else {
                v.as_str()
            };
            format!("{k} -> {shown}")
        })
        .collect();
    format!("Map({})", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_numbers_come_from_the_sequential_suffix() {
        assert_eq!(change_number("config_change_0000000042"), Some(42));
        assert_eq!(change_number("config_change_0000000000"), Some(0));
        assert_eq!(change_number("isr_change_0000000001"), None);
        assert_eq!(change_number("config_change_x"), None);
    }

    #[test]
    fn entity_paths_split_at_the_first_slash_and_need_a_known_type() {
        assert_eq!(split_entity_path("topics/foo"), Some(("topics", "foo")));
        assert_eq!(
            split_entity_path("brokers/<default>"),
            Some(("brokers", "<default>"))
        );
        assert_eq!(
            split_entity_path("users/alice/clients/app"),
            Some(("users", "alice/clients/app"))
        );
        assert_eq!(split_entity_path("topics"), None);
        assert_eq!(split_entity_path("groups/g"), None);
    }

    #[test]
    fn configs_are_logged_like_a_scala_map() {
        let mut config = BTreeMap::new();
        assert_eq!(scala_map(&config), "Map()");
        config.insert("retention.ms".to_string(), "1000".to_string());
        config.insert("max.message.bytes".to_string(), "512".to_string());
        config.insert("SCRAM-SHA-256".to_string(), "secret".to_string());
        assert_eq!(
            scala_map(&config),
            "Map(SCRAM-SHA-256 -> [hidden], max.message.bytes -> 512, retention.ms -> 1000)"
        );
    }

    #[test]
    fn notifications_expire_after_fifteen_minutes() {
        assert!(!is_expired(1_000, 1_000 + CHANGE_EXPIRATION_MS));
        assert!(is_expired(1_000, 1_001 + CHANGE_EXPIRATION_MS));
        assert!(!is_expired(5_000, 1_000));
    }
}
