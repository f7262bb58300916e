//! Topic auto-creation from Metadata (and FindCoordinator for `__consumer_offsets`), as
//! Kafka's `KafkaApis.createTopic` does it: `AdminZkClient.createTopic` with
//! `RackAwareMode.Safe` over the brokers registered in ZooKeeper — the same validation,
//! replica assignment and znodes as kafka-topics and CreateTopics. The controller then creates
//! the partitions; until their leaders are known Metadata answers LEADER_NOT_AVAILABLE.

use std::collections::BTreeMap;

use gregor_protocol::ErrorCode;
use gregor_zk::admin::{assign_replicas_to_brokers, SeededRng};
use gregor_zk::{AdminError, AdminZkClient, KafkaZkClient, RackAwareMode};

use crate::config::KafkaConfig;

/// The topic config of `__consumer_offsets` (Kafka's `GroupMetadataManager.offsetsTopicConfigs`).
pub fn offsets_topic_config(config: &KafkaConfig) -> BTreeMap<String, String> {
    [
        ("cleanup.policy", "compact".to_string()),
        (
            "segment.bytes",
            config.offsets_topic_segment_bytes.to_string(),
        ),
        ("compression.type", "producer".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Creates a topic's znodes. Returns the error code Metadata reports for the topic:
/// LEADER_NOT_AVAILABLE once created (or when another broker created it first), else the
/// code of the failure (INVALID_TOPIC_EXCEPTION, INVALID_REPLICATION_FACTOR, ...).
pub async fn create_topic(
    zk: &KafkaZkClient,
    topic: &str,
    partitions: i32,
    replication_factor: i32,
    configs: &BTreeMap<String, String>,
) -> ErrorCode {
    let admin = AdminZkClient::new(zk.clone());
    match try_create(&admin, topic, partitions, replication_factor, configs).await {
        Ok(()) => {
            log::info!(target: "kafka.server.KafkaApis", "Auto creation of topic {topic} with {partitions} partitions and replication factor {replication_factor} is successful");
            ErrorCode::LeaderNotAvailable
        }
        Err(AdminError::TopicExists(_)) => ErrorCode::LeaderNotAvailable,
        Err(e) => {
            log::info!(target: "kafka.server.KafkaApis", "Error while auto-creating topic {topic}: {e}");
            ErrorCode::from_i16(e.kafka_error_code())
        }
    }
}

async fn try_create(
    admin: &AdminZkClient,
    topic: &str,
    partitions: i32,
    replication_factor: i32,
    configs: &BTreeMap<String, String>,
) -> Result<(), AdminError> {
    let brokers = admin.get_broker_metadatas(RackAwareMode::Safe).await?;
    // The generator lives only in this block: it is not `Send` and must not cross an await.
    let assignment = {
        let mut rng = SeededRng::from_entropy();
        assign_replicas_to_brokers(
            &brokers,
            partitions,
            replication_factor,
            None,
            None,
            &mut rng,
        )?
    };
    admin
        .create_topic_with_assignment(topic, configs, &assignment)
        .await
}
