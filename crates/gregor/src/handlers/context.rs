//! What every handler works with: the broker's identity, its configuration, the replica
//! manager, the metadata cache and the current ZooKeeper session (replaced after expiry).

use std::sync::Arc;

use gregor_controller::ControllerHandle;
use gregor_coordinator::{GroupConfig, GroupCoordinator};
use gregor_zk::KafkaZkClient;
use parking_lot::RwLock;

use crate::cluster::MetadataCache;
use crate::config::KafkaConfig;
use crate::replica::offsets_log::ReplicaOffsetsLog;
use crate::replica::ReplicaManager;

/// Shared state of the request handlers.
pub struct BrokerContext {
    /// This broker's id.
    pub broker_id: i32,
    /// `/cluster/id`, returned by Metadata v2+.
    pub cluster_id: String,
    /// The validated `server.properties`.
    pub config: Arc<KafkaConfig>,
    /// Partitions, appends and reads.
    pub replica_manager: Arc<ReplicaManager>,
    /// The controller's view of the cluster.
    pub metadata_cache: Arc<MetadataCache>,
    /// Consumer groups and committed offsets of the `__consumer_offsets` partitions led here.
    pub group_coordinator: GroupCoordinator,
    /// The ZooKeeper session; the broker swaps in a new one after session expiry and takes it
    /// out at shutdown (the session closes when its last handle is dropped).
    zk: RwLock<Option<KafkaZkClient>>,
    /// This broker's controller module (every broker runs one; the elected one is active).
    controller: RwLock<Option<Arc<ControllerHandle>>>,
}

impl std::fmt::Debug for BrokerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerContext")
            .field("broker_id", &self.broker_id)
            .field("cluster_id", &self.cluster_id)
            .finish_non_exhaustive()
    }
}

impl BrokerContext {
    /// A context over a connected ZooKeeper session. Starts the group coordinator, so it must
    /// be called inside the tokio runtime.
    pub fn new(
        broker_id: i32,
        cluster_id: String,
        config: Arc<KafkaConfig>,
        replica_manager: Arc<ReplicaManager>,
        zk: KafkaZkClient,
    ) -> BrokerContext {
        let offsets_log = ReplicaOffsetsLog {
            replica_manager: Arc::clone(&replica_manager),
            commit_timeout_ms: config.offset_commit_timeout_ms,
        };
        let group_coordinator =
            GroupCoordinator::start(group_config(broker_id, &config), Arc::new(offsets_log));
        BrokerContext {
            broker_id,
            cluster_id,
            config,
            group_coordinator,
            metadata_cache: Arc::clone(replica_manager.metadata_cache()),
            replica_manager,
            zk: RwLock::new(Some(zk)),
            controller: RwLock::new(None),
        }
    }

    /// The current ZooKeeper session (a cheap clone of the handle); `None` after shutdown.
    pub fn zk(&self) -> Option<KafkaZkClient> {
        self.zk.read().clone()
    }

    /// Installs a new session after the old one expired.
    pub fn replace_zk(&self, zk: KafkaZkClient) {
        *self.zk.write() = Some(zk);
    }

    /// The controller module, once started.
    pub fn controller(&self) -> Option<Arc<ControllerHandle>> {
        self.controller.read().clone()
    }

    /// Installs the started controller module.
    pub fn set_controller(&self, controller: ControllerHandle) {
        *self.controller.write() = Some(Arc::new(controller));
    }

    /// Takes the controller module out, for shutting it down.
    pub fn take_controller(&self) -> Option<Arc<ControllerHandle>> {
        self.controller.write().take()
    }

    /// Takes the session out, for closing it at shutdown.
    pub fn take_zk(&self) -> Option<KafkaZkClient> {
        self.zk.write().take()
    }
}

/// The coordinator's settings from `server.properties`.
fn group_config(broker_id: i32, config: &KafkaConfig) -> GroupConfig {
    GroupConfig {
        broker_id,
        offsets_topic_partitions: config.offsets_topic_partitions,
        min_session_timeout_ms: config.group_min_session_timeout_ms,
        max_session_timeout_ms: config.group_max_session_timeout_ms,
        initial_rebalance_delay_ms: config.group_initial_rebalance_delay_ms,
        max_group_size: config.group_max_size,
        offset_metadata_max_bytes: config.offset_metadata_max_size,
        offsets_retention_ms: i64::from(config.offsets_retention_minutes) * 60_000,
        offsets_retention_check_interval_ms: config.offsets_retention_check_interval_ms,
        load_buffer_size: usize::try_from(config.offsets_load_buffer_size).unwrap_or(5 << 20),
        ..GroupConfig::default()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
