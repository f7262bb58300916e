//! Kafka's topic administration on ZooKeeper (Kafka's `AdminZkClient` and `AdminUtils`): replica
//! assignment, validation of topic names, assignments and topic configs, and the znode writes
//! that create, grow, reconfigure and mark topics for deletion.
//!
//! Everything here is what the *admin side* does (kafka-topics `--zookeeper`, the CreateTopics /
//! CreatePartitions / DeleteTopics handlers, auto-creation); the controller reacts to these
//! znodes and is not part of this module. Errors carry Kafka's exact messages, because tools
//! print them verbatim (`Error while executing topic command : <message>`).

pub mod assignment;
pub mod describe;
pub mod topic_config;
pub mod validation;
pub mod zk_client;

pub use assignment::{
    assign_replicas_to_brokers, rack_alternated_broker_list, BrokerMetadata, IndexRng,
    RackAwareMode, SeededRng,
};
pub use describe::{PartitionDescription, TopicDescription};
pub use topic_config::{validate_topic_config, validate_topic_config_names, TOPIC_CONFIG_NAMES};
pub use validation::{
    has_collision, has_collision_chars, is_internal, validate_new_topic_assignment,
    validate_replica_assignment, validate_topic_name, INTERNAL_TOPICS, MAX_TOPIC_NAME_LENGTH,
};
pub use zk_client::AdminZkClient;

use crate::error::ZkError;

/// Why an admin operation was refused or failed; each message is Kafka 2.4's text.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Illegal topic name or a name colliding with an existing one (Kafka's
    /// `InvalidTopicException`, error code 17).
    #[error("{0}")]
    InvalidTopic(String),
    /// The topic znode already exists (`TopicExistsException`, 36).
    #[error("{0}")]
    TopicExists(String),
    /// A partition count that is not positive or not an increase (`InvalidPartitionsException`, 37).
    #[error("{0}")]
    InvalidPartitions(String),
    /// A replication factor that is not positive or exceeds the brokers
    /// (`InvalidReplicationFactorException`, 38).
    #[error("{0}")]
    InvalidReplicationFactor(String),
    /// An explicit assignment that is inconsistent (`InvalidReplicaAssignmentException`, 39).
    #[error("{0}")]
    InvalidReplicaAssignment(String),
    /// An unknown topic config name or an invalid value (`InvalidConfigurationException` /
    /// `ConfigException`, 40).
    #[error("{0}")]
    InvalidConfig(String),
    /// The topic does not exist (`UnknownTopicOrPartitionException`, 3).
    #[error("{0}")]
    UnknownTopicOrPartition(String),
    /// `/admin/delete_topics/<t>` already exists (`TopicAlreadyMarkedForDeletionException`).
    #[error("{0}")]
    TopicAlreadyMarkedForDeletion(String),
    /// An explicit assignment names brokers that are not registered (`BrokerNotAvailableException`, 8).
    #[error("{0}")]
    BrokerNotAvailable(String),
    /// Any other refusal (`AdminOperationException`): internal topics, missing rack info, ...
    #[error("{0}")]
    AdminOperation(String),
    /// ZooKeeper failed or held data that does not parse.
    #[error(transparent)]
    Zk(#[from] ZkError),
}

impl AdminError {
    /// The Kafka protocol error code a request handler answers with for this error.
    pub fn kafka_error_code(&self) -> i16 {
        match self {
            AdminError::InvalidTopic(_) => 17,
            AdminError::TopicExists(_) => 36,
            AdminError::InvalidPartitions(_) => 37,
            AdminError::InvalidReplicationFactor(_) => 38,
            AdminError::InvalidReplicaAssignment(_) => 39,
            AdminError::InvalidConfig(_) => 40,
            AdminError::UnknownTopicOrPartition(_) => 3,
            AdminError::BrokerNotAvailable(_) => 8,
            // Kafka maps these through `Errors.forException`, which knows none of them.
            AdminError::TopicAlreadyMarkedForDeletion(_)
            | AdminError::AdminOperation(_)
            | AdminError::Zk(_) => -1,
        }
    }
}
