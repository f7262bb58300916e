//! Errors of the ZooKeeper layer: [`ZnodeError`] for znode data that does not parse, [`ZkError`]
//! for operations against the ensemble. Callers map them to Kafka behaviour (fatal start-up
//! error, controller resignation, ...); this module only names what went wrong.

use zookeeper_client as zk;

/// Znode data that is not what Kafka 2.4 writes.
#[derive(Debug, thiserror::Error)]
pub enum ZnodeError {
    /// The bytes are not JSON of the expected shape (missing field, wrong type, not UTF-8).
    #[error("invalid JSON in znode {path}: {source}")]
    InvalidJson {
        /// The znode whose data failed to parse.
        path: String,
        /// What serde_json reported.
        source: serde_json::Error,
    },
    /// The JSON carries a `version` this reader does not understand.
    #[error("unsupported version {version} in znode {path}")]
    UnsupportedVersion {
        /// The znode whose data carries the version.
        path: String,
        /// The version found.
        version: i64,
    },
    /// A field parsed as JSON but its value is not valid (e.g. an endpoint without a port).
    #[error("invalid value for {field} in znode {path}: {reason}")]
    InvalidField {
        /// The znode whose data carries the field.
        path: String,
        /// The JSON key.
        field: &'static str,
        /// Why the value is refused.
        reason: String,
    },
}

/// A failed operation of [`crate::KafkaZkClient`].
#[derive(Debug, thiserror::Error)]
pub enum ZkError {
    /// `zookeeper.connect` is not `host:port[,host:port...][/chroot]`.
    #[error("invalid zookeeper.connect '{connect_string}': {reason}")]
    InvalidConnectString {
        /// The string as configured.
        connect_string: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No session could be established within `zookeeper.connection.timeout.ms`; Kafka's text.
    #[error("Timed out waiting for connection while in state: CONNECTING (zookeeper.connect={connect_string}, {timeout_ms} ms)")]
    ConnectionTimeout {
        /// The hosts tried.
        connect_string: String,
        /// The configured connection timeout.
        timeout_ms: u64,
    },
    /// A ZooKeeper request failed; `op` and `path` say which.
    #[error("ZooKeeper {op} {path} failed: {source}")]
    Request {
        /// The operation (`create`, `get_data`, `multi`, ...).
        op: &'static str,
        /// The znode the operation addressed.
        path: String,
        /// What the client or server reported.
        source: zk::Error,
    },
    /// `/brokers/ids/<id>` exists and belongs to another live session (Kafka's NODEEXISTS at
    /// broker registration).
    #[error("Error while creating ephemeral at /brokers/ids/{broker_id}, node already exists and owner '{owner_session_id:#x}' does not match current session '{session_id:#x}': another broker with same id {broker_id} is registered (KeeperErrorCode = NodeExists)")]
    BrokerIdAlreadyRegistered {
        /// The contested broker id.
        broker_id: i32,
        /// The session that owns the existing registration.
        owner_session_id: i64,
        /// Our session.
        session_id: i64,
    },
    /// Another broker became controller while we tried (Kafka's `ControllerMovedException`).
    #[error("Controller moved to another broker. Aborting controller startup procedure")]
    ControllerMoved,
    /// A znode's data did not parse.
    #[error(transparent)]
    Znode(#[from] ZnodeError),
}

impl ZkError {
    /// Wraps a client error with the operation and path, for messages that say where it failed.
    pub fn request(
        op: &'static str,
        path: impl Into<String>,
        source: impl Into<zk::Error>,
    ) -> Self {
        ZkError::Request {
            op,
            path: path.into(),
            source: source.into(),
        }
    }

    /// The ZooKeeper error code behind this error, if it came from a request.
    pub fn zookeeper_error(&self) -> Option<&zk::Error> {
        match self {
            ZkError::Request { source, .. } => Some(source),
            _ => None,
        }
    }
}
