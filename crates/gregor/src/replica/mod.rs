//! The replica manager (Kafka's `ReplicaManager`): the partitions this broker hosts, their
//! roles from LeaderAndIsr, appends for Produce ([`append`]), reads for Fetch ([`read`]), the
//! purgatory that delays acks=-1 produces and long-poll fetches ([`purgatory`]), fetch sessions
//! ([`fetch_session`]), follower fetching from leaders ([`fetcher`]) and the high-watermark
//! checkpoint.
//!
//! It owns no listening socket (followers fetch through gregor-client) and no ZooKeeper
//! session: topic configs come in from the caller, and the log goes through `gregor_log`'s
//! `LogManager`.

pub mod append;
pub mod error;
pub mod fetch_session;
pub mod fetcher;
pub mod offsets_log;
pub mod purgatory;
pub mod read;
mod state_change;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;

use gregor_log::dir::{OffsetMap, TopicPartition};
use gregor_log::manager::LogManager;
use gregor_log::LogConfig;
use parking_lot::{Mutex, RwLock};

pub use error::ReplicaError;
pub use fetch_session::FetchSessionCache;
pub use purgatory::Purgatory;
pub use state_change::{PartitionStateChange, StateChangeOutcome};

use crate::cluster::{IsrChange, MetadataCache, Partition};

/// Topic name → its `/config/topics/<t>` overrides (raw strings, as Kafka stores them).
pub type TopicOverrides = HashMap<String, BTreeMap<String, String>>;

/// Kafka's `ReplicaManager`.
#[derive(Debug)]
pub struct ReplicaManager {
    /// This broker's id.
    broker_id: i32,
    /// Czxid of our `/brokers/ids/<id>` znode: requests from a controller that saw an older
    /// registration are refused with STALE_BROKER_EPOCH.
    broker_epoch: AtomicI64,
    /// Highest controller epoch seen; older controllers get STALE_CONTROLLER_EPOCH.
    controller_epoch: AtomicI32,
    /// All logs of the broker.
    log_manager: Arc<LogManager>,
    /// The cluster view, to tell NOT_LEADER from UNKNOWN_TOPIC_OR_PARTITION.
    metadata_cache: Arc<MetadataCache>,
    /// Hosted partitions.
    partitions: RwLock<HashMap<TopicPartition, Arc<Partition>>>,
    /// Wakes delayed produces and fetches.
    purgatory: Purgatory,
    /// Fetch sessions of Fetch v7+.
    fetch_sessions: Mutex<FetchSessionCache>,
    /// ISR changes proposed by partitions, written to ZooKeeper by the broker's ISR task.
    /// Unbounded but small: each partition has at most one change in flight.
    isr_changes: tokio::sync::mpsc::UnboundedSender<IsrChange>,
    /// The receiving end, until the broker takes it.
    isr_change_receiver: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<IsrChange>>>,
    /// Running follower fetchers by partition (aborted on role change, stop and shutdown).
    fetchers: Mutex<HashMap<TopicPartition, tokio::task::AbortHandle>>,
    /// High watermarks read from `replication-offset-checkpoint` at start-up: where a
    /// partition's high watermark starts when LeaderAndIsr first makes it hosted here.
    checkpointed_high_watermarks: Mutex<OffsetMap>,
}

impl ReplicaManager {
    /// A replica manager with no partitions yet; high watermarks come from the checkpoint
    /// files the log manager read at start-up.
    pub fn new(
        broker_id: i32,
        log_manager: Arc<LogManager>,
        metadata_cache: Arc<MetadataCache>,
        fetch_session_cache_slots: usize,
    ) -> ReplicaManager {
        let checkpointed = log_manager.high_watermarks();
        let (isr_changes, isr_change_receiver) = tokio::sync::mpsc::unbounded_channel();
        ReplicaManager {
            broker_id,
            broker_epoch: AtomicI64::new(-1),
            controller_epoch: AtomicI32::new(0),
            log_manager,
            metadata_cache,
            partitions: RwLock::new(HashMap::new()),
            purgatory: Purgatory::new(),
            fetch_sessions: Mutex::new(FetchSessionCache::new(fetch_session_cache_slots)),
            fetchers: Mutex::new(HashMap::new()),
            isr_changes,
            isr_change_receiver: Mutex::new(Some(isr_change_receiver)),
            checkpointed_high_watermarks: Mutex::new(checkpointed),
        }
    }

    /// This broker's id.
    pub fn broker_id(&self) -> i32 {
        self.broker_id
    }

    /// Sets the broker epoch after (re-)registration in ZooKeeper.
    pub fn set_broker_epoch(&self, epoch: i64) {
        self.broker_epoch.store(epoch, Ordering::Release);
    }

    /// The broker epoch (czxid of the registration).
    pub fn broker_epoch(&self) -> i64 {
        self.broker_epoch.load(Ordering::Acquire)
    }

    /// Kafka's `isBrokerEpochStale`: -1 (old controllers) is never stale.
    pub fn is_broker_epoch_stale(&self, request_epoch: i64) -> bool {
        request_epoch != -1 && request_epoch < self.broker_epoch()
    }

    /// The log manager.
    pub fn log_manager(&self) -> &Arc<LogManager> {
        &self.log_manager
    }

    /// The metadata cache.
    pub fn metadata_cache(&self) -> &Arc<MetadataCache> {
        &self.metadata_cache
    }

    /// The purgatory (appends and HW moves wake it).
    pub fn purgatory(&self) -> &Purgatory {
        &self.purgatory
    }

    /// The fetch session cache.
    pub fn fetch_sessions(&self) -> &Mutex<FetchSessionCache> {
        &self.fetch_sessions
    }

    /// A hosted partition.
    pub fn partition(&self, tp: &TopicPartition) -> Option<Arc<Partition>> {
        self.partitions.read().get(tp).cloned()
    }

    /// Every hosted partition.
    pub fn all_partitions(&self) -> Vec<Arc<Partition>> {
        self.partitions.read().values().cloned().collect()
    }

    /// Kafka's `getPartitionOrException(expectLeader = true)`: the partition if this broker
    /// leads it, else NOT_LEADER (the cluster knows it) or UNKNOWN_TOPIC_OR_PARTITION.
    pub fn leader_partition(&self, tp: &TopicPartition) -> Result<Arc<Partition>, ReplicaError> {
        match self.partition(tp) {
            Some(partition) if partition.is_leader() => Ok(partition),
            Some(_) => Err(ReplicaError::NotLeaderForPartition(tp.to_string())),
            None if self
                .metadata_cache
                .contains_partition(&tp.topic, tp.partition) =>
            {
                Err(ReplicaError::NotLeaderForPartition(tp.to_string()))
            }
            None => Err(ReplicaError::UnknownTopicOrPartition(tp.to_string())),
        }
    }

    /// The effective log config of a topic: broker defaults with the topic's overrides.
    pub fn topic_log_config(&self, overrides: Option<&BTreeMap<String, String>>) -> LogConfig {
        let defaults = &self.log_manager.config().default_log_config;
        match overrides {
            Some(map) if !map.is_empty() => match defaults.with_overrides(map.iter()) {
                Ok(config) => config,
                Err(e) => {
                    log::warn!("Ignoring invalid topic config override {map:?}: {e}");
                    defaults.clone()
                }
            },
            _ => defaults.clone(),
        }
    }

    /// Kafka's `ReplicaManager.shutdown`: a last high-watermark checkpoint, then the
    /// partitions are dropped so that the log manager can close their logs.
    pub fn shutdown(&self) {
        for (_, fetcher) in self.fetchers.lock().drain() {
            fetcher.abort();
        }
        self.checkpoint_high_watermarks();
        self.partitions.write().clear();
        self.purgatory.wake_all();
    }

    /// The stream of proposed ISR changes, for the broker's ZooKeeper writer (once).
    pub fn take_isr_change_receiver(
        &self,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<IsrChange>> {
        self.isr_change_receiver.lock().take()
    }

    /// Queues an ISR change for writing; if nobody writes them any more it is forgotten.
    fn propose_isr_change(&self, change: IsrChange) {
        if let Err(unsent) = self.isr_changes.send(change) {
            self.complete_isr_change(&unsent.0, None);
        }
    }

    /// Kafka's periodic `maybeShrinkIsr` over every partition this broker leads.
    pub fn maybe_shrink_isrs(&self, now_ms: i64, lag_time_max_ms: i64) {
        for partition in self.all_partitions() {
            if let Some(change) = partition.maybe_shrink_isr(now_ms, lag_time_max_ms) {
                self.propose_isr_change(change);
            }
        }
    }

    /// Applies the outcome of writing an ISR change (`Some(new znode version)` on success).
    pub fn complete_isr_change(&self, change: &IsrChange, new_zk_version: Option<i32>) {
        if let Some(partition) = self.partition(&change.tp) {
            if partition.complete_isr_change(change, new_zk_version) {
                self.purgatory.wake_all();
            }
        }
    }

    /// Stops the follower fetcher of `tp`, if one runs.
    pub fn stop_fetcher(&self, tp: &TopicPartition) {
        if let Some(fetcher) = self.fetchers.lock().remove(tp) {
            fetcher.abort();
        }
    }

    /// Writes `replication-offset-checkpoint` in every log dir with the current high
    /// watermark of every hosted partition (Kafka's `checkpointHighWatermarks`).
    pub fn checkpoint_high_watermarks(&self) {
        let mut map = OffsetMap::new();
        for partition in self.all_partitions() {
            map.insert(
                partition.topic_partition().clone(),
                partition.high_watermark(),
            );
        }
        if let Err(e) = self.log_manager.checkpoint_high_watermarks(&map) {
            log::error!(target: "kafka.server.ReplicaManager", "Error while writing to highwatermark file: {e}");
        }
    }
}
