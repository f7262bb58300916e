//! Kafka 2.4's znode paths (Kafka's `ZkData` object paths), in one place so that no other module
//! spells a path by hand. Topic names are used verbatim: Kafka's topic-name rules (legal
//! characters `[a-zA-Z0-9._-]`, at most 249 chars) keep them valid ZooKeeper path components.

/// Legacy (old Scala consumer) root; still created at every broker start.
pub const CONSUMERS_PATH: &str = "/consumers";
/// Parent of the ephemeral broker registrations.
pub const BROKER_IDS_PATH: &str = "/brokers/ids";
/// Parent of the topic assignment znodes.
pub const BROKER_TOPICS_PATH: &str = "/brokers/topics";
/// Broker-id generator: its data version is the sequence.
pub const BROKER_SEQUENCE_ID_PATH: &str = "/brokers/seqid";
/// Config-change notification queue (`config_change_<seq>` children).
pub const CONFIG_CHANGES_PATH: &str = "/config/changes";
/// Topic-deletion requests (one child per topic).
pub const DELETE_TOPICS_PATH: &str = "/admin/delete_topics";
/// ISR-change notification queue (`isr_change_<seq>` children).
pub const ISR_CHANGE_NOTIFICATION_PATH: &str = "/isr_change_notification";
/// Producer-id block allocator.
pub const PRODUCER_ID_BLOCK_PATH: &str = "/latest_producer_id_block";
/// Log-dir failure notification queue (`log_dir_event_<seq>` children).
pub const LOG_DIR_EVENT_NOTIFICATION_PATH: &str = "/log_dir_event_notification";
/// The cluster id.
pub const CLUSTER_ID_PATH: &str = "/cluster/id";
/// The ephemeral znode of the active controller.
pub const CONTROLLER_PATH: &str = "/controller";
/// The controller epoch (plain decimal).
pub const CONTROLLER_EPOCH_PATH: &str = "/controller_epoch";
/// Prefix of a config-change notification; ZooKeeper appends a 10-digit sequence.
pub const CONFIG_CHANGE_PREFIX: &str = "/config/changes/config_change_";
/// Prefix of an ISR-change notification; ZooKeeper appends a 10-digit sequence.
pub const ISR_CHANGE_PREFIX: &str = "/isr_change_notification/isr_change_";

/// Config entity types (Kafka's `ConfigType.all`), each with a root under `/config`.
pub const CONFIG_ENTITY_TYPES: [&str; 4] = ["topics", "clients", "users", "brokers"];

/// Every persistent path a broker makes sure exists at start-up, in Kafka's order
/// (`ZkData.PersistentZkPaths`: fixed paths, then one root per config entity type).
pub const PERSISTENT_ZK_PATHS: [&str; 13] = [
    CONSUMERS_PATH,
    BROKER_IDS_PATH,
    BROKER_TOPICS_PATH,
    CONFIG_CHANGES_PATH,
    DELETE_TOPICS_PATH,
    BROKER_SEQUENCE_ID_PATH,
    ISR_CHANGE_NOTIFICATION_PATH,
    PRODUCER_ID_BLOCK_PATH,
    LOG_DIR_EVENT_NOTIFICATION_PATH,
    "/config/topics",
    "/config/clients",
    "/config/users",
    "/config/brokers",
];

/// `/brokers/ids/<id>`: a broker's registration.
pub fn broker_id_path(broker_id: i32) -> String {
    format!("{BROKER_IDS_PATH}/{broker_id}")
}

/// `/brokers/topics/<topic>`: a topic's replica assignment.
pub fn topic_path(topic: &str) -> String {
    format!("{BROKER_TOPICS_PATH}/{topic}")
}

/// `/brokers/topics/<topic>/partitions`.
pub fn topic_partitions_path(topic: &str) -> String {
    format!("{BROKER_TOPICS_PATH}/{topic}/partitions")
}

/// `/brokers/topics/<topic>/partitions/<partition>`.
pub fn topic_partition_path(topic: &str, partition: i32) -> String {
    format!("{BROKER_TOPICS_PATH}/{topic}/partitions/{partition}")
}

/// `/brokers/topics/<topic>/partitions/<partition>/state`: leader, ISR and epochs.
pub fn topic_partition_state_path(topic: &str, partition: i32) -> String {
    format!("{BROKER_TOPICS_PATH}/{topic}/partitions/{partition}/state")
}

/// `/config/<entity_type>/<entity_name>`: dynamic config overrides of one entity.
pub fn config_entity_path(entity_type: &str, entity_name: &str) -> String {
    format!("/config/{entity_type}/{entity_name}")
}

/// `/config/topics/<topic>`: a topic's config overrides.
pub fn topic_config_path(topic: &str) -> String {
    config_entity_path("topics", topic)
}

/// `/admin/delete_topics/<topic>`: a request to delete the topic.
pub fn delete_topic_path(topic: &str) -> String {
    format!("{DELETE_TOPICS_PATH}/{topic}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_state_path_matches_kafka_layout() {
        assert_eq!(
            topic_partition_state_path("first", 2),
            "/brokers/topics/first/partitions/2/state"
        );
        assert_eq!(broker_id_path(1001), "/brokers/ids/1001");
        assert_eq!(topic_config_path("t"), "/config/topics/t");
        assert_eq!(delete_topic_path("t"), "/admin/delete_topics/t");
    }
}
