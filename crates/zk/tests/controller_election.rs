//! Kafka's controller election znodes against the real ZooKeeper (kafka-2.4.md §2.1).

use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::{ControllerEpoch, ControllerInfo, KafkaZkClient, ZkError};

async fn connect(connect: &str) -> KafkaZkClient {
    KafkaZkClient::connect(connect, 6_000, 30_000)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_broker_wins_each_epoch_and_the_root_matches_designs_listing() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let first = connect(&server.connect_string()).await;
    let second = connect(&server.connect_string()).await;
    first.create_top_level_paths().await.unwrap();
    first.get_or_create_cluster_id().await.unwrap();

    // First elected controller: /controller_epoch created with 0, moved to 1 (data version 1).
    assert_eq!(
        first
            .register_controller_and_increment_controller_epoch(0)
            .await
            .unwrap(),
        (ControllerEpoch(1), 1)
    );
    let error = second
        .register_controller_and_increment_controller_epoch(1)
        .await
        .unwrap_err();
    assert!(matches!(error, ZkError::ControllerMoved), "{error:?}");
    assert_eq!(
        error.to_string(),
        "Controller moved to another broker. Aborting controller startup procedure"
    );
    assert_eq!(second.get_controller_id().await.unwrap(), Some(0));
    assert_eq!(
        second.get_controller_epoch().await.unwrap(),
        Some((ControllerEpoch(1), 1))
    );

    let (data, stat) = second.get_data("/controller").await.unwrap().unwrap();
    assert_eq!(ControllerInfo::decode(&data).unwrap().broker_id, 0);
    assert_eq!(stat.ephemeral_owner, first.session_id());
    let (data, _) = second.get_data("/controller_epoch").await.unwrap().unwrap();
    assert_eq!(data, b"1");

    // DESIGN.md: `ls /` of a running cluster.
    assert_eq!(
        second.get_children("/").await.unwrap(),
        [
            "admin",
            "brokers",
            "cluster",
            "config",
            "consumers",
            "controller",
            "controller_epoch",
            "isr_change_notification",
            "latest_producer_id_block",
            "log_dir_event_notification",
            "zookeeper"
        ]
    );

    // The controller's session ends: /controller goes with it and the next election gets epoch 2.
    first.close().await;
    assert_eq!(second.get_controller_id().await.unwrap(), None);
    assert_eq!(
        second
            .register_controller_and_increment_controller_epoch(1)
            .await
            .unwrap(),
        (ControllerEpoch(2), 2)
    );
}
