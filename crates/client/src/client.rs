//! [`KafkaClient`]: a cluster-aware client. It learns brokers, the controller and partition
//! leaders from Metadata, opens one connection per broker lazily and reuses it, and retries
//! retriable failures after refreshing metadata (`retries`, `retry.backoff.ms`), as the Java
//! producer and admin client do. The typed helpers live in `operations` and `admin`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use gregor_protocol::{ApiKey, MetadataRequest, MetadataRequestTopic, MetadataResponse};

use crate::connection::{BrokerConnection, ConnectionConfig};
use crate::error::ClientError;
use crate::metadata::ClusterMetadata;
use crate::operations::Coordinator;
use crate::request::KafkaRequest;

/// Settings of a [`KafkaClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `bootstrap.servers`: where to ask for metadata before any broker is known.
    pub bootstrap_servers: Vec<String>,
    /// Settings of every connection.
    pub connection: ConnectionConfig,
    /// How many times a retriable failure is retried. With the 100 ms backoff the default 10
    /// spans the second or so a new topic's leaders take to reach every broker's metadata.
    pub retries: u32,
    /// `retry.backoff.ms`: pause before each retry.
    pub retry_backoff_ms: u64,
}

impl ClientConfig {
    /// A config from Kafka's `host:port,host:port` list, with default settings.
    pub fn new(bootstrap_servers: &str) -> Result<Self, ClientError> {
        let servers: Vec<String> = bootstrap_servers
            .split(',')
            .map(str::trim)
            .filter(|server| !server.is_empty())
            .map(str::to_string)
            .collect();
        for server in &servers {
            let port = server.rsplit_once(':').map(|(_, port)| port.parse::<u16>());
            if !matches!(port, Some(Ok(_))) {
                return Err(ClientError::Config(format!(
                    "Invalid url in bootstrap.servers: {server}"
                )));
            }
        }
        if servers.is_empty() {
            return Err(ClientError::Config(
                "No resolvable bootstrap urls given in bootstrap.servers".to_string(),
            ));
        }
        Ok(Self {
            bootstrap_servers: servers,
            connection: ConnectionConfig::default(),
            retries: 10,
            retry_backoff_ms: 100,
        })
    }
}

/// A client for a whole cluster. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct KafkaClient {
    /// Settings.
    config: ClientConfig,
    /// The latest metadata; never locked across an `.await`.
    cluster: RwLock<ClusterMetadata>,
    /// Open connections by broker id.
    connections: Mutex<HashMap<i32, Arc<BrokerConnection>>>,
    /// A connection to a bootstrap server, used until broker ids are known.
    bootstrap: Mutex<Option<Arc<BrokerConnection>>>,
    /// Group coordinators found so far, by group id; forgotten when a coordinator moves.
    coordinators: Mutex<HashMap<String, Coordinator>>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; maps of connections stay usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl KafkaClient {
    /// A client that connects lazily, on the first request.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            cluster: RwLock::new(ClusterMetadata::default()),
            connections: Mutex::new(HashMap::new()),
            bootstrap: Mutex::new(None),
            coordinators: Mutex::new(HashMap::new()),
        }
    }

    /// A client that has already fetched the cluster's brokers (fails if none answers).
    pub async fn connect(config: ClientConfig) -> Result<Self, ClientError> {
        let client = Self::new(config);
        client.metadata(Some(&[]), false).await?;
        Ok(client)
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// A snapshot of the cached metadata.
    pub fn cluster(&self) -> ClusterMetadata {
        self.cluster
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Sends Metadata for `topics` (`None` = all topics) to any broker, updates the cache and
    /// returns the response for the caller to print. Retries lost connections.
    pub async fn metadata(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> Result<MetadataResponse, ClientError> {
        self.with_retries(None, || self.metadata_once(topics, allow_auto_create))
            .await
    }

    /// One Metadata round trip to any broker; updates the cache.
    async fn metadata_once(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> Result<MetadataResponse, ClientError> {
        let connection = self.any_connection().await?;
        let topics = match topics {
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| MetadataRequestTopic {
                        name: name.clone(),
                        ..Default::default()
                    })
                    .collect(),
            ),
            // v0 has no null: an empty list means all topics there.
            None if connection.version_for(ApiKey::Metadata)? == 0 => Some(Vec::new()),
            None => None,
        };
        let request = MetadataRequest {
            topics,
            allow_auto_topic_creation: allow_auto_create,
            ..Default::default()
        };
        let response = connection.send(request).await?;
        self.cluster
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .update(&response);
        Ok(response)
    }

    /// Refreshes metadata of `topics` (brokers and controller come with any answer).
    pub async fn refresh_metadata(&self, topics: &[String]) -> Result<(), ClientError> {
        self.metadata_once(Some(topics), false).await.map(|_| ())
    }

    /// The leader of a partition, refreshing metadata once if the cache does not know it.
    pub async fn leader_for(&self, topic: &str, partition: i32) -> Result<i32, ClientError> {
        if let Ok(leader) = self.cluster().leader_for(topic, partition) {
            return Ok(leader);
        }
        self.refresh_metadata(&[topic.to_string()]).await?;
        self.cluster().leader_for(topic, partition)
    }

    /// Groups partitions by their leader, for requests that cover many partitions (one per
    /// broker, as the Java producer and consumer batch them). Refreshes metadata once if some
    /// leader is unknown; a partition still without a leader fails the whole call.
    pub async fn group_by_leader(
        &self,
        partitions: &[(String, i32)],
    ) -> Result<BTreeMap<i32, Vec<(String, i32)>>, ClientError> {
        let cluster = self.cluster();
        let all_known = partitions
            .iter()
            .all(|(topic, partition)| cluster.leader_for(topic, *partition).is_ok());
        if !all_known {
            let mut topics: Vec<String> = partitions.iter().map(|(t, _)| t.clone()).collect();
            topics.sort();
            topics.dedup();
            self.refresh_metadata(&topics).await?;
        }
        let cluster = self.cluster();
        let mut groups: BTreeMap<i32, Vec<(String, i32)>> = BTreeMap::new();
        for (topic, partition) in partitions {
            let leader = cluster.leader_for(topic, *partition)?;
            groups
                .entry(leader)
                .or_default()
                .push((topic.clone(), *partition));
        }
        Ok(groups)
    }

    /// The active controller, refreshing metadata if it is unknown. Before Metadata v1 there is
    /// no controller id; any broker is returned then (as the 0.10 admin tools did).
    pub async fn controller_id(&self) -> Result<i32, ClientError> {
        let known = self.cluster().controller_id;
        if known >= 0 {
            return Ok(known);
        }
        self.refresh_metadata(&[]).await?;
        let cluster = self.cluster();
        if cluster.controller_id >= 0 {
            return Ok(cluster.controller_id);
        }
        cluster
            .brokers
            .keys()
            .next()
            .copied()
            .ok_or_else(|| ClientError::Config("no brokers in metadata".to_string()))
    }

    /// The connection to broker `broker_id`, opened on first use and reopened if it died.
    pub async fn connection(&self, broker_id: i32) -> Result<Arc<BrokerConnection>, ClientError> {
        if let Some(existing) = lock(&self.connections).get(&broker_id) {
            if !existing.is_closed() {
                return Ok(Arc::clone(existing));
            }
        }
        let addr = self
            .cluster()
            .broker(broker_id)
            .map(|broker| broker.addr())
            .ok_or(ClientError::UnknownBroker(broker_id))?;
        let opened =
            Arc::new(BrokerConnection::connect(&addr, self.config.connection.clone()).await?);
        let mut connections = lock(&self.connections);
        // Another task may have connected meanwhile; keep the first live connection.
        match connections.get(&broker_id) {
            Some(existing) if !existing.is_closed() => Ok(Arc::clone(existing)),
            _ => {
                connections.insert(broker_id, Arc::clone(&opened));
                Ok(opened)
            }
        }
    }

    /// Some live connection: an open broker connection, else a known broker, else the
    /// bootstrap servers in order.
    pub async fn any_connection(&self) -> Result<Arc<BrokerConnection>, ClientError> {
        let open = lock(&self.connections)
            .values()
            .find(|connection| !connection.is_closed())
            .cloned();
        if let Some(connection) = open {
            return Ok(connection);
        }
        if let Some(connection) = lock(&self.bootstrap).as_ref() {
            if !connection.is_closed() {
                return Ok(Arc::clone(connection));
            }
        }
        let known: Vec<i32> = self.cluster().brokers.keys().copied().collect();
        let mut last_error = None;
        for broker_id in known {
            match self.connection(broker_id).await {
                Ok(connection) => return Ok(connection),
                Err(error) => last_error = Some(error),
            }
        }
        for addr in &self.config.bootstrap_servers {
            match BrokerConnection::connect(addr, self.config.connection.clone()).await {
                Ok(connection) => {
                    let connection = Arc::new(connection);
                    *lock(&self.bootstrap) = Some(Arc::clone(&connection));
                    return Ok(connection);
                }
                Err(error) => {
                    log::warn!("[Client] bootstrap broker {addr} unreachable: {error}");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| ClientError::Config("no bootstrap servers".to_string())))
    }

    /// Sends `request` to broker `broker_id` (no retries).
    pub async fn send_to<R: KafkaRequest>(
        &self,
        broker_id: i32,
        request: R,
    ) -> Result<R::Response, ClientError> {
        self.connection(broker_id).await?.send(request).await
    }

    /// Sends `request` to any broker (no retries).
    pub async fn send_to_any<R: KafkaRequest>(
        &self,
        request: R,
    ) -> Result<R::Response, ClientError> {
        self.any_connection().await?.send(request).await
    }

    /// Runs `attempt` until it succeeds, fails for good, or `retries` are used up. Before each
    /// retry it waits `retry_backoff_ms` and, if `refresh` names topics, refreshes their
    /// metadata (a failed refresh is left for the next attempt to report).
    pub async fn with_retries<T, F, Fut>(
        &self,
        refresh: Option<&[String]>,
        mut attempt: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut retries_left = self.config.retries;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retriable() && retries_left > 0 => {
                    retries_left -= 1;
                    log::debug!("[Client] retrying after: {error}");
                    tokio::time::sleep(Duration::from_millis(self.config.retry_backoff_ms)).await;
                    if let Some(topics) = refresh {
                        if let Err(error) = self.refresh_metadata(topics).await {
                            log::debug!("[Client] metadata refresh failed: {error}");
                        }
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The cached coordinator of `group`, if one was found and not forgotten since.
    pub(crate) fn cached_coordinator(&self, group: &str) -> Option<Coordinator> {
        lock(&self.coordinators).get(group).cloned()
    }

    /// Remembers the coordinator of `group`.
    pub(crate) fn cache_coordinator(&self, group: &str, coordinator: Coordinator) {
        lock(&self.coordinators).insert(group.to_string(), coordinator);
    }

    /// Forgets the coordinator of `group` (it moved or is unreachable); the next group request
    /// looks it up again, as the Java client's `markCoordinatorUnknown` does.
    pub fn forget_group_coordinator(&self, group: &str) {
        lock(&self.coordinators).remove(group);
    }

    /// Closes every connection.
    pub fn close(&self) {
        for connection in lock(&self.connections).drain().map(|(_, c)| c) {
            connection.close();
        }
        if let Some(connection) = lock(&self.bootstrap).take() {
            connection.close();
        }
    }
}
