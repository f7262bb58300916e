//! `KafkaZkClient`: Kafka's ZooKeeper operations (Kafka's `KafkaZkClient`) over one
//! `zookeeper-client` session. It owns the session and the request patterns Kafka uses
//! (create-if-absent, checked ephemeral create, version arithmetic on `/brokers/seqid`); the
//! znode JSON lives in `crate::znode`, the paths in `crate::paths`. The controller election is in
//! `crate::controller_election`; the fenced writes come with the controller.

use std::future::Future;
use std::time::Duration;

use log::{debug, info};
use zookeeper_client as zk;

use crate::connect_string::ConnectString;
use crate::error::ZkError;
use crate::paths::{
    self, BROKER_IDS_PATH, BROKER_SEQUENCE_ID_PATH, CLUSTER_ID_PATH, PERSISTENT_ZK_PATHS,
};
use crate::znode::broker::BrokerInfo;
use crate::znode::cluster_id::ClusterId;

/// Kafka creates every znode with the open ACL unless `zookeeper.set.acl` is on (not supported).
pub(crate) const PERSISTENT: zk::CreateOptions<'static> =
    zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
pub(crate) const EPHEMERAL: zk::CreateOptions<'static> =
    zk::CreateMode::Ephemeral.with_acls(zk::Acls::anyone_all());

/// Pause between connection attempts while ZooKeeper is unreachable at start-up.
const CONNECT_RETRY_BACKOFF_MS: u64 = 200;

/// Kafka's ZooKeeper operations on one session.
#[derive(Debug, Clone)]
pub struct KafkaZkClient {
    /// The session; clones share it, and it closes when the last clone is dropped.
    pub(crate) client: zk::Client,
    /// `zookeeper.connect` as configured, for messages.
    connect_string: String,
}

impl KafkaZkClient {
    /// Connects to `connect` (`host:port[,host:port...][/chroot]`), retrying until a session is
    /// established or `connection_timeout_ms` has passed (Kafka's
    /// `zookeeper.connection.timeout.ms`). With a chroot, first creates the chroot path
    /// (persistent, recursively), as Kafka does before using it.
    pub async fn connect(
        connect: &str,
        session_timeout_ms: u64,
        connection_timeout_ms: u64,
    ) -> Result<KafkaZkClient, ZkError> {
        let parsed = ConnectString::parse(connect)?;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(connection_timeout_ms);
        let timeout_error = || ZkError::ConnectionTimeout {
            connect_string: connect.to_string(),
            timeout_ms: connection_timeout_ms,
        };
        let mut attempts = 0u32;
        let client = loop {
            let attempt = zk::Client::connector()
                .with_session_timeout(Duration::from_millis(session_timeout_ms))
                .with_connection_timeout(Duration::from_millis(
                    connection_timeout_ms.min(session_timeout_ms),
                ))
                .with_fail_eagerly()
                .connect(&parsed.hosts);
            match tokio::time::timeout_at(deadline, attempt).await {
                Ok(Ok(client)) => break client,
                // Kafka logs "Waiting until connected." once; the retries are debug detail.
                Ok(Err(error)) if attempts == 0 => info!(
                    "Waiting until connected to ZooKeeper {} ({error}).",
                    parsed.hosts
                ),
                Ok(Err(error)) => debug!("ZooKeeper {} still not reachable: {error}", parsed.hosts),
                Err(_) => return Err(timeout_error()),
            }
            attempts += 1;
            if tokio::time::Instant::now() + Duration::from_millis(CONNECT_RETRY_BACKOFF_MS)
                >= deadline
            {
                return Err(timeout_error());
            }
            tokio::time::sleep(Duration::from_millis(CONNECT_RETRY_BACKOFF_MS)).await;
        };
        info!(
            "Connected to ZooKeeper {} with session {}",
            parsed.hosts,
            client.session_id()
        );
        let client = match &parsed.chroot {
            None => client,
            Some(chroot) => {
                client
                    .mkdir(chroot, &PERSISTENT)
                    .await
                    .map_err(|error| ZkError::request("create", chroot.as_str(), error))?;
                info!("Created zookeeper path {chroot}");
                client
                    .chroot(chroot.as_str())
                    .map_err(|_| ZkError::InvalidConnectString {
                        connect_string: connect.to_string(),
                        reason: "invalid chroot path",
                    })?
            }
        };
        Ok(KafkaZkClient {
            client,
            connect_string: connect.to_string(),
        })
    }

    /// The underlying `zookeeper-client` session, for operations not wrapped here (watches,
    /// multi-ops of the controller).
    pub fn raw(&self) -> &zk::Client {
        &self.client
    }

    /// `zookeeper.connect` as given to [`KafkaZkClient::connect`].
    pub fn connect_string(&self) -> &str {
        &self.connect_string
    }

    /// The ZooKeeper session id (the `ephemeralOwner` of our ephemeral znodes).
    pub fn session_id(&self) -> i64 {
        self.client.session_id().0
    }

    /// Session state changes: `Disconnected`, `SyncConnected`, and the terminal `Expired` or
    /// `Closed`, after which this client is useless and the broker must connect again.
    pub fn state_watcher(&self) -> zk::StateWatcher {
        self.client.state_watcher()
    }

    /// Closes the session (if this is its last handle) and waits until ZooKeeper confirmed it,
    /// so our ephemeral znodes are gone when this returns, bounded by the session timeout.
    pub async fn close(self) {
        let mut watcher = self.client.state_watcher();
        let timeout = self.client.session_timeout();
        drop(self);
        let closed = async {
            while !watcher.peek_state().is_terminated() {
                watcher.changed().await;
            }
        };
        let _ = tokio::time::timeout(timeout, closed).await;
    }

    /// Creates `path` and its missing parents, persistent with no data; existing is fine
    /// (Kafka's `makeSurePersistentPathExists`).
    pub async fn make_sure_persistent_path_exists(&self, path: &str) -> Result<(), ZkError> {
        retry_until_connected(&self.client, || self.client.mkdir(path, &PERSISTENT))
            .await
            .map_err(|error| ZkError::request("create", path, error))
    }

    /// Makes sure every path of kafka-2.4.md §1.1 exists (Kafka's `createTopLevelPaths`).
    pub async fn create_top_level_paths(&self) -> Result<(), ZkError> {
        for path in PERSISTENT_ZK_PATHS {
            self.make_sure_persistent_path_exists(path).await?;
        }
        Ok(())
    }

    /// The data and stat of `path`, `None` if it does not exist.
    pub async fn get_data(&self, path: &str) -> Result<Option<(Vec<u8>, zk::Stat)>, ZkError> {
        match retry_until_connected(&self.client, || self.client.get_data(path)).await {
            Ok(found) => Ok(Some(found)),
            Err(zk::Error::NoNode) => Ok(None),
            Err(error) => Err(ZkError::request("get_data", path, error)),
        }
    }

    /// The children of `path`, sorted; empty if it does not exist.
    pub async fn get_children(&self, path: &str) -> Result<Vec<String>, ZkError> {
        match retry_until_connected(&self.client, || self.client.list_children(path)).await {
            Ok(mut children) => {
                children.sort();
                Ok(children)
            }
            Err(zk::Error::NoNode) => Ok(Vec::new()),
            Err(error) => Err(ZkError::request("get_children", path, error)),
        }
    }

    /// The cluster id in `/cluster/id`, if any.
    pub async fn get_cluster_id(&self) -> Result<Option<ClusterId>, ZkError> {
        match self.get_data(CLUSTER_ID_PATH).await? {
            Some((data, _)) => Ok(Some(ClusterId::decode(&data)?)),
            None => Ok(None),
        }
    }

    /// Reads `/cluster/id`, or creates it with a fresh id; when another broker wins the race to
    /// create it, reads theirs (Kafka's `getClusterId.getOrElse(createOrGetClusterId(...))`).
    pub async fn get_or_create_cluster_id(&self) -> Result<ClusterId, ZkError> {
        if let Some(id) = self.get_cluster_id().await? {
            return Ok(id);
        }
        let proposed = ClusterId::generate();
        self.make_sure_persistent_path_exists("/cluster").await?;
        let data = proposed.encode();
        match retry_until_connected(&self.client, || {
            self.client.create(CLUSTER_ID_PATH, &data, &PERSISTENT)
        })
        .await
        {
            Ok(_) => Ok(proposed),
            Err(zk::Error::NodeExists) => match self.get_cluster_id().await? {
                Some(id) => Ok(id),
                None => Err(ZkError::request(
                    "get_data",
                    CLUSTER_ID_PATH,
                    zk::Error::NoNode,
                )),
            },
            Err(error) => Err(ZkError::request("create", CLUSTER_ID_PATH, error)),
        }
    }

    /// Registers the broker: ephemeral `/brokers/ids/<id>` with the version-4 JSON, written as
    /// one multi-op (create with no data, then set data expecting version 0). Returns the broker
    /// epoch (the znode's `czxid`). A znode of our own session (left by a retried request) counts
    /// as registered; one of another session fails with
    /// [`ZkError::BrokerIdAlreadyRegistered`].
    pub async fn register_broker(&self, broker: &BrokerInfo) -> Result<i64, ZkError> {
        let path = broker.path();
        let data = broker.encode();
        // Bounded: each round either succeeds, fails, or saw the znode vanish in between.
        for _ in 0..10 {
            let mut writer = self.client.new_multi_writer();
            writer
                .add_create(&path, &[], &EPHEMERAL)
                .map_err(|error| ZkError::request("multi", path.as_str(), error))?;
            writer
                .add_set_data(&path, &data, Some(0))
                .map_err(|error| ZkError::request("multi", path.as_str(), error))?;
            match writer.commit().await {
                Ok(results) => {
                    let czxid = results.iter().find_map(|result| match result {
                        zk::MultiWriteResult::SetData { stat } => Some(stat.czxid),
                        _ => None,
                    });
                    let czxid = czxid.ok_or_else(|| {
                        ZkError::request(
                            "multi",
                            path.as_str(),
                            zk::Error::UnexpectedError("no set_data result".into()),
                        )
                    })?;
                    info!("Registered broker {} at path {path} with addresses: {:?}, czxid (broker epoch): {czxid}", broker.broker_id, broker.endpoints);
                    return Ok(czxid);
                }
                Err(zk::MultiWriteError::OperationFailed {
                    source: zk::Error::NodeExists,
                    ..
                }) => {
                    let Some((_, stat)) = self.get_data(&path).await? else {
                        info!("The ephemeral node at {path} went away while reading it, attempting create() again");
                        continue;
                    };
                    if stat.ephemeral_owner == self.session_id() {
                        return Ok(stat.czxid);
                    }
                    return Err(ZkError::BrokerIdAlreadyRegistered {
                        broker_id: broker.broker_id,
                        owner_session_id: stat.ephemeral_owner,
                        session_id: self.session_id(),
                    });
                }
                Err(zk::MultiWriteError::RequestFailed {
                    source: zk::Error::ConnectionLoss,
                }) => {
                    wait_until_connected(&self.client)
                        .await
                        .map_err(|error| ZkError::request("multi", path.as_str(), error))?;
                }
                Err(error) => {
                    return Err(ZkError::request(
                        "multi",
                        path.as_str(),
                        zk::Error::from(error),
                    ))
                }
            }
        }
        Err(ZkError::request(
            "multi",
            path,
            zk::Error::UnexpectedError("registration kept racing with deletion".into()),
        ))
    }

    /// The registration of `broker_id` and its broker epoch (`czxid`), if registered.
    pub async fn get_broker(&self, broker_id: i32) -> Result<Option<(BrokerInfo, i64)>, ZkError> {
        match self.get_data(&paths::broker_id_path(broker_id)).await? {
            Some((data, stat)) => Ok(Some((BrokerInfo::decode(broker_id, &data)?, stat.czxid))),
            None => Ok(None),
        }
    }

    /// Ids of the registered brokers, ascending (children of `/brokers/ids` that are numbers).
    pub async fn get_sorted_broker_list(&self) -> Result<Vec<i32>, ZkError> {
        let mut ids: Vec<i32> = self
            .get_children(BROKER_IDS_PATH)
            .await?
            .iter()
            .filter_map(|child| child.parse().ok())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// A new broker id for `broker.id=-1`: an unconditional empty set-data on `/brokers/seqid`
    /// bumps its data version `v`; the id is `v + reserved_broker_max_id` (Kafka's
    /// `reserved.broker.max.id`, default 1000), so 1001, 1002, ...
    pub async fn generate_broker_id(&self, reserved_broker_max_id: i32) -> Result<i32, ZkError> {
        let set = || self.client.set_data(BROKER_SEQUENCE_ID_PATH, &[], None);
        let stat = match retry_until_connected(&self.client, set).await {
            Err(zk::Error::NoNode) => {
                self.make_sure_persistent_path_exists(BROKER_SEQUENCE_ID_PATH)
                    .await?;
                retry_until_connected(&self.client, set).await
            }
            other => other,
        }
        .map_err(|error| ZkError::request("set_data", BROKER_SEQUENCE_ID_PATH, error))?;
        Ok(stat.version + reserved_broker_max_id)
    }
}

/// Runs `operation`, and again after the session reconnects whenever it fails with
/// CONNECTIONLOSS (Kafka's `retryRequestsUntilConnected`). Only for operations that are safe to
/// repeat or whose repeat the caller handles (NODEEXISTS after a create that did land).
pub(crate) async fn retry_until_connected<T, F, Fut>(
    client: &zk::Client,
    operation: F,
) -> Result<T, zk::Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, zk::Error>>,
{
    loop {
        match operation().await {
            Err(zk::Error::ConnectionLoss) => wait_until_connected(client).await?,
            result => return result,
        }
    }
}

/// Waits for the session to be connected again; fails if it ended (expired, closed, auth failed).
async fn wait_until_connected(client: &zk::Client) -> Result<(), zk::Error> {
    let mut watcher = client.state_watcher();
    let mut state = watcher.peek_state();
    loop {
        match state {
            zk::SessionState::SyncConnected | zk::SessionState::ConnectedReadOnly => return Ok(()),
            zk::SessionState::Expired => return Err(zk::Error::SessionExpired),
            zk::SessionState::Closed => return Err(zk::Error::ClientClosed),
            zk::SessionState::AuthFailed => return Err(zk::Error::AuthFailed),
            zk::SessionState::Disconnected => state = watcher.changed().await,
        }
    }
}
