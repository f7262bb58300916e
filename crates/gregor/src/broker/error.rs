//! Why the broker could not start; each message is what Kafka 2.4 logs before exiting.

use gregor_log::dir::DirError;
use gregor_log::manager::{ConfigError as LogManagerConfigError, ManagerError};
use gregor_network::NetworkError;
use gregor_zk::ZkError;

/// A fatal start-up failure.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// ZooKeeper unreachable, a request failed, or the broker id is taken.
    #[error(transparent)]
    ZooKeeper(#[from] ZkError),
    /// `meta.properties` disagrees with the configuration or with ZooKeeper, or a log dir's
    /// own files failed.
    #[error(transparent)]
    LogDir(#[from] DirError),
    /// Loading the logs failed.
    #[error(transparent)]
    LogManager(#[from] ManagerError),
    /// A `log.*` key the log layer rejected.
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    LogConfig {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A listener could not be bound.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A thread or task could not be started.
    #[error("cannot start {what}: {source}")]
    Io {
        /// What was being started.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

impl From<LogManagerConfigError> for BrokerError {
    fn from(e: LogManagerConfigError) -> Self {
        BrokerError::LogConfig {
            key: e.key,
            value: e.value,
            reason: e.reason,
        }
    }
}

impl BrokerError {
    /// The Java exception class Kafka names in its fatal log line.
    pub fn java_class(&self) -> &'static str {
        match self {
            BrokerError::ZooKeeper(ZkError::ConnectionTimeout { .. }) => {
                "kafka.zookeeper.ZooKeeperClientTimeoutException"
            }
            BrokerError::ZooKeeper(ZkError::BrokerIdAlreadyRegistered { .. }) => {
                "org.apache.zookeeper.KeeperException$NodeExistsException"
            }
            BrokerError::ZooKeeper(_) => "org.apache.zookeeper.KeeperException",
            BrokerError::LogDir(DirError::InconsistentClusterId { .. }) => {
                "kafka.common.InconsistentClusterIdException"
            }
            BrokerError::LogDir(DirError::InconsistentBrokerId { .. }) => {
                "kafka.common.InconsistentBrokerIdException"
            }
            BrokerError::LogDir(_) | BrokerError::LogManager(_) => "kafka.common.KafkaException",
            BrokerError::LogConfig { .. } => "org.apache.kafka.common.config.ConfigException",
            BrokerError::Network(_) => "org.apache.kafka.common.KafkaException",
            BrokerError::Io { .. } => "java.io.IOException",
        }
    }
}
