//! The watch behaviour the controller relies on (kafka-2.4.md §2.2), checked on
//! `zookeeper-client` against the real ZooKeeper: a one-shot child watch on `/brokers/ids`
//! fires on a broker joining and leaving (BrokerChange), and a persistent watch keeps firing
//! without being re-armed.

use std::time::Duration;

use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{BrokerInfo, EndPoint, KafkaZkClient};

/// Guards waits on ZooKeeper events so a broken server fails the test instead of hanging it.
const EVENT_GUARD: Duration = Duration::from_secs(60);

async fn connect(connect: &str) -> KafkaZkClient {
    KafkaZkClient::connect(connect, 6_000, 30_000)
        .await
        .unwrap()
}

fn broker(broker_id: i32) -> BrokerInfo {
    BrokerInfo {
        broker_id,
        endpoints: vec![EndPoint::plaintext("localhost", 9092)],
        rack: None,
        jmx_port: -1,
        timestamp_ms: 0,
    }
}

#[tokio::test]
async fn child_watch_on_broker_ids_sees_brokers_join_and_leave() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let controller = connect(&server.connect_string()).await;
    controller.create_top_level_paths().await.unwrap();

    let (children, watcher) = controller
        .raw()
        .list_and_watch_children("/brokers/ids")
        .await
        .unwrap();
    assert!(children.is_empty());
    let broker_session = connect(&server.connect_string()).await;
    broker_session.register_broker(&broker(3)).await.unwrap();
    let event = tokio::time::timeout(EVENT_GUARD, watcher.changed())
        .await
        .unwrap();
    assert_eq!(event.event_type, zk::EventType::NodeChildrenChanged);
    assert_eq!(event.path, "/brokers/ids");

    // One-shot: re-arm, as Kafka's ZooKeeperClient does after each event.
    let (children, watcher) = controller
        .raw()
        .list_and_watch_children("/brokers/ids")
        .await
        .unwrap();
    assert_eq!(children, ["3"]);
    broker_session.close().await;
    let event = tokio::time::timeout(EVENT_GUARD, watcher.changed())
        .await
        .unwrap();
    assert_eq!(event.event_type, zk::EventType::NodeChildrenChanged);
    assert!(controller
        .get_sorted_broker_list()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn persistent_watch_reports_every_change_under_a_chroot() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let client = connect(&format!("{}/kafka", server.connect_string())).await;
    client.create_top_level_paths().await.unwrap();

    let mut watcher = client
        .raw()
        .watch("/brokers/ids", zk::AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let registrant = connect(&format!("{}/kafka", server.connect_string())).await;
    registrant.register_broker(&broker(1)).await.unwrap();
    registrant.register_broker(&broker(2)).await.unwrap();

    // The multi-op registration is one create and one set-data per broker; paths are reported
    // relative to the chroot.
    let mut events = Vec::new();
    while events.len() < 4 {
        let event = tokio::time::timeout(EVENT_GUARD, watcher.changed())
            .await
            .unwrap();
        events.push((event.event_type, event.path));
    }
    assert_eq!(
        events,
        [
            (zk::EventType::NodeCreated, "/brokers/ids/1".to_string()),
            (zk::EventType::NodeDataChanged, "/brokers/ids/1".to_string()),
            (zk::EventType::NodeCreated, "/brokers/ids/2".to_string()),
            (zk::EventType::NodeDataChanged, "/brokers/ids/2".to_string()),
        ]
    );
}
