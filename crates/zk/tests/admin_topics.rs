//! Kafka's admin znode writes (AdminZkClient) checked against the real ZooKeeper: the exact
//! JSON and the order of the znodes a topic creation, partition addition, config change and
//! deletion request leave behind.

use std::collections::BTreeMap;

use gregor_zk::admin::{AdminZkClient, RackAwareMode, SeededRng};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::{AdminError, BrokerInfo, EndPoint, KafkaZkClient, LeaderIsrAndControllerEpoch};

async fn connect(server: &TestZooKeeper) -> KafkaZkClient {
    KafkaZkClient::connect(&server.connect_string(), 6_000, 30_000)
        .await
        .unwrap()
}

/// Registers brokers 1001..=1003 as a starting broker would.
async fn register_brokers(zk: &KafkaZkClient) {
    zk.create_top_level_paths().await.unwrap();
    for (index, broker_id) in [1001, 1002, 1003].into_iter().enumerate() {
        let info = BrokerInfo {
            broker_id,
            endpoints: vec![EndPoint::plaintext("localhost", 9092 + index as i32)],
            rack: None,
            jmx_port: -1,
            timestamp_ms: 1_580_000_000_000,
        };
        zk.register_broker(&info).await.unwrap();
    }
}

async fn data(zk: &KafkaZkClient, path: &str) -> String {
    let (bytes, _) = zk.get_data(path).await.unwrap().expect(path);
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn topic_creation_writes_config_then_topic_znode_like_kafka() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let zk = connect(&server).await;
    register_brokers(&zk).await;
    let admin = AdminZkClient::new(zk.clone());

    let assignment = BTreeMap::from([(0, vec![1001, 1002, 1003])]);
    admin
        .create_topic_with_assignment("first", &BTreeMap::new(), &assignment)
        .await
        .unwrap();
    assert_eq!(
        data(&zk, "/config/topics/first").await,
        r#"{"version":1,"config":{}}"#
    );
    assert_eq!(
        data(&zk, "/brokers/topics/first").await,
        r#"{"version":2,"partitions":{"0":[1001,1002,1003]},"adding_replicas":{},"removing_replicas":{}}"#
    );
    // The config is written first: the topic znode is the commit point.
    let (_, config_stat) = zk.get_data("/config/topics/first").await.unwrap().unwrap();
    let (_, topic_stat) = zk.get_data("/brokers/topics/first").await.unwrap().unwrap();
    assert!(config_stat.czxid < topic_stat.czxid);
    // No change notification for a creation.
    assert!(zk.get_children("/config/changes").await.unwrap().is_empty());

    let error = admin
        .create_topic_with_assignment("first", &BTreeMap::new(), &assignment)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "Topic 'first' already exists.");
    assert_eq!(error.kafka_error_code(), 36);

    let configs = BTreeMap::from([("cleanup.policy".to_string(), "compact".to_string())]);
    let mut rng = SeededRng::new(7);
    let written = admin
        .create_topic("a.b", 2, 2, &configs, RackAwareMode::Enforced, &mut rng)
        .await
        .unwrap();
    assert_eq!(
        data(&zk, "/config/topics/a.b").await,
        r#"{"version":1,"config":{"cleanup.policy":"compact"}}"#
    );
    let stored = admin.get_topic_assignment("a.b").await.unwrap().unwrap();
    assert_eq!(stored.partitions, written);
    assert_eq!(written.len(), 2);

    let error = admin
        .create_topic(
            "a_b",
            1,
            1,
            &BTreeMap::new(),
            RackAwareMode::Enforced,
            &mut rng,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Topic 'a_b' collides with existing topics: a.b"
    );
    let error = admin
        .create_topic(
            "big",
            1,
            4,
            &BTreeMap::new(),
            RackAwareMode::Enforced,
            &mut rng,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Replication factor: 4 larger than available brokers: 3."
    );
    let unknown = BTreeMap::from([("x".to_string(), "1".to_string())]);
    let error = admin
        .create_topic_with_assignment("cfg", &unknown, &assignment)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "Unknown topic config name: x");
    assert!(!admin.topic_exists("cfg").await.unwrap());
    assert_eq!(admin.get_all_topics().await.unwrap(), vec!["a.b", "first"]);
}

#[tokio::test]
async fn partitions_configs_and_deletion_requests_are_kafkas_znodes() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let zk = connect(&server).await;
    register_brokers(&zk).await;
    let admin = AdminZkClient::new(zk.clone());
    let assignment = BTreeMap::from([(0, vec![1002, 1003])]);
    admin
        .create_topic_with_assignment("first", &BTreeMap::new(), &assignment)
        .await
        .unwrap();

    // Describe before any controller wrote partition state: no leader, empty ISR.
    let description = admin.describe_topic("first").await.unwrap().unwrap();
    assert_eq!(description.partitions[0].leader, None);
    assert!(description.partitions[0].isr.is_empty());
    let state = LeaderIsrAndControllerEpoch {
        leader: 1002,
        leader_epoch: 0,
        isr: vec![1002, 1003],
        controller_epoch: 1,
    };
    zk.raw()
        .mkdir(
            "/brokers/topics/first/partitions/0",
            &gregor_zk::zookeeper_client::CreateMode::Persistent
                .with_acls(gregor_zk::zookeeper_client::Acls::anyone_all()),
        )
        .await
        .unwrap();
    zk.raw()
        .create(
            "/brokers/topics/first/partitions/0/state",
            &state.encode(),
            &gregor_zk::zookeeper_client::CreateMode::Persistent
                .with_acls(gregor_zk::zookeeper_client::Acls::anyone_all()),
        )
        .await
        .unwrap();
    let description = admin.describe_topic("first").await.unwrap().unwrap();
    assert_eq!(description.partitions[0].leader, Some(1002));
    assert_eq!(description.partitions[0].isr, vec![1002, 1003]);

    // Adding partitions starts at the broker of partition 0's leader: deterministic.
    let brokers = admin
        .get_broker_metadatas(RackAwareMode::Enforced)
        .await
        .unwrap();
    let mut rng = SeededRng::new(0);
    let combined = admin
        .add_partitions("first", &assignment, &brokers, 3, None, false, &mut rng)
        .await
        .unwrap();
    assert_eq!(
        data(&zk, "/brokers/topics/first").await,
        r#"{"version":2,"partitions":{"2":[1001,1003],"1":[1003,1002],"0":[1002,1003]},"adding_replicas":{},"removing_replicas":{}}"#
    );
    assert_eq!(combined.len(), 3);
    let error = admin
        .add_partitions("first", &combined, &brokers, 2, None, false, &mut rng)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "The number of partitions for a topic can only be increased. Topic first currently has 3 partitions, 2 would not be an increase.");

    let configs = BTreeMap::from([("retention.ms".to_string(), "1000".to_string())]);
    admin.change_topic_config("first", &configs).await.unwrap();
    assert_eq!(
        data(&zk, "/config/topics/first").await,
        r#"{"version":1,"config":{"retention.ms":"1000"}}"#
    );
    assert_eq!(
        zk.get_children("/config/changes").await.unwrap(),
        vec!["config_change_0000000000"]
    );
    assert_eq!(
        data(&zk, "/config/changes/config_change_0000000000").await,
        r#"{"version":2,"entity_path":"topics/first"}"#
    );
    assert_eq!(admin.fetch_topic_config("first").await.unwrap(), configs);
    let error = admin
        .change_topic_config("nope", &configs)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "Topic 'nope' does not exist.");

    admin.delete_topic("first").await.unwrap();
    assert_eq!(data(&zk, "/admin/delete_topics/first").await, "");
    assert!(admin.is_topic_marked_for_deletion("first").await.unwrap());
    assert!(matches!(
        admin.delete_topic("first").await,
        Err(AdminError::TopicAlreadyMarkedForDeletion(_))
    ));
    assert_eq!(
        admin.delete_topic("__consumer_offsets").await.unwrap_err().to_string(),
        "Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion."
    );
    assert_eq!(
        admin.delete_topic("ghost").await.unwrap_err().to_string(),
        "Topic `ghost` to delete does not exist"
    );
    assert_eq!(
        admin.get_topics_marked_for_deletion().await.unwrap(),
        vec!["first"]
    );
}
