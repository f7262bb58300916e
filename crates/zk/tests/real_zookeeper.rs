//! Kafka's ZooKeeper usage checked against the real ZooKeeper server (Debian's package, started
//! by `TestZooKeeper`). Each test names the Kafka 2.4 behaviour it checks.

use std::collections::BTreeMap;
use std::time::Duration;

use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{BrokerInfo, ClusterId, EndPoint, KafkaZkClient, ZkError};

const SESSION_TIMEOUT_MS: u64 = 6_000;
const CONNECTION_TIMEOUT_MS: u64 = 30_000;
/// Guards waits on ZooKeeper events so a broken server fails the test instead of hanging it.
const EVENT_GUARD: Duration = Duration::from_secs(60);

async fn connect(connect: &str) -> KafkaZkClient {
    KafkaZkClient::connect(connect, SESSION_TIMEOUT_MS, CONNECTION_TIMEOUT_MS)
        .await
        .unwrap()
}

fn broker(broker_id: i32, port: i32) -> BrokerInfo {
    BrokerInfo {
        broker_id,
        endpoints: vec![EndPoint::plaintext("localhost", port)],
        rack: None,
        jmx_port: -1,
        timestamp_ms: 1_580_000_000_000,
    }
}

/// Waits until `path` is deleted, watching it through `observer`.
async fn wait_deleted(observer: &KafkaZkClient, path: &str) {
    let wait = async {
        loop {
            match observer.raw().check_and_watch_stat(path).await.unwrap() {
                (None, _) => return,
                (Some(_), watcher) => {
                    watcher.changed().await;
                }
            }
        }
    };
    tokio::time::timeout(EVENT_GUARD, wait)
        .await
        .expect("znode was never deleted");
}

#[tokio::test]
async fn broker_start_creates_kafkas_top_level_paths_exactly() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let client = connect(&server.connect_string()).await;
    client.create_top_level_paths().await.unwrap();
    client.get_or_create_cluster_id().await.unwrap();

    // DESIGN.md's `ls /` minus `controller` and `controller_epoch`, which the elected controller
    // creates (not part of broker start-up paths).
    assert_eq!(
        client.get_children("/").await.unwrap(),
        [
            "admin",
            "brokers",
            "cluster",
            "config",
            "consumers",
            "isr_change_notification",
            "latest_producer_id_block",
            "log_dir_event_notification",
            "zookeeper"
        ]
    );
    assert_eq!(
        client.get_children("/brokers").await.unwrap(),
        ["ids", "seqid", "topics"]
    );
    assert_eq!(
        client.get_children("/config").await.unwrap(),
        ["brokers", "changes", "clients", "topics", "users"]
    );
    assert_eq!(
        client.get_children("/admin").await.unwrap(),
        ["delete_topics"]
    );
    // Created with no data (Kafka passes null).
    let (data, _) = client
        .get_data("/latest_producer_id_block")
        .await
        .unwrap()
        .unwrap();
    assert!(data.is_empty());
    // A second broker start finds everything in place and changes nothing.
    client.create_top_level_paths().await.unwrap();
    assert_eq!(
        client.get_children("/brokers").await.unwrap(),
        ["ids", "seqid", "topics"]
    );
}

#[tokio::test]
async fn multi_host_connect_fails_over_and_creates_the_chroot_first() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    // Multi-host: the first host refuses connections, the client fails over to the second.
    let chrooted = connect(&format!(
        "127.0.0.1:1,{}/kafka/prod",
        server.connect_string()
    ))
    .await;
    chrooted.create_top_level_paths().await.unwrap();
    let cluster_id = chrooted.get_or_create_cluster_id().await.unwrap();

    let root = connect(&server.connect_string()).await;
    assert_eq!(
        root.get_children("/").await.unwrap(),
        ["kafka", "zookeeper"]
    );
    assert!(root
        .get_children("/kafka/prod")
        .await
        .unwrap()
        .contains(&"brokers".to_string()));
    let (data, _) = root
        .get_data("/kafka/prod/cluster/id")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ClusterId::decode(&data).unwrap(), cluster_id);
}

#[tokio::test]
async fn cluster_id_is_created_once_and_well_formed() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let first = connect(&server.connect_string()).await;
    let second = connect(&server.connect_string()).await;
    first.create_top_level_paths().await.unwrap();
    assert_eq!(first.get_cluster_id().await.unwrap(), None);

    let id = first.get_or_create_cluster_id().await.unwrap();
    assert!(id.is_well_formed(), "{id:?}");
    assert_eq!(first.get_or_create_cluster_id().await.unwrap(), id);
    assert_eq!(second.get_or_create_cluster_id().await.unwrap(), id);
    let (data, _) = first.get_data("/cluster/id").await.unwrap().unwrap();
    assert_eq!(
        String::from_utf8(data).unwrap(),
        format!(r#"{{"version":"1","id":"{}"}}"#, id.0)
    );
}

#[tokio::test]
async fn broker_registration_round_trips_and_is_ephemeral() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let observer = connect(&server.connect_string()).await;
    observer.create_top_level_paths().await.unwrap();
    let registrant = connect(&server.connect_string()).await;
    let info = broker(0, 9092);

    let broker_epoch = registrant.register_broker(&info).await.unwrap();

    let (data, stat) = observer.get_data("/brokers/ids/0").await.unwrap().unwrap();
    assert_eq!(data, info.encode());
    assert_eq!(
        String::from_utf8(data).unwrap(),
        r#"{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"host":"localhost","timestamp":"1580000000000","port":9092,"version":4}"#
    );
    // Multi-op create (no data) + set data at version 0 leaves data version 1, owned by the
    // registrant's session; the broker epoch is the czxid.
    assert_eq!(stat.version, 1);
    assert_eq!(stat.ephemeral_owner, registrant.session_id());
    assert_eq!(stat.czxid, broker_epoch);
    assert_eq!(
        observer.get_broker(0).await.unwrap(),
        Some((info.clone(), broker_epoch))
    );
    assert_eq!(observer.get_sorted_broker_list().await.unwrap(), [0]);
    // Registering again on the same session (a retried request) is not a conflict.
    assert_eq!(
        registrant.register_broker(&info).await.unwrap(),
        broker_epoch
    );

    drop(registrant);
    wait_deleted(&observer, "/brokers/ids/0").await;
    assert_eq!(
        observer.get_sorted_broker_list().await.unwrap(),
        Vec::<i32>::new()
    );
}

#[tokio::test]
async fn second_broker_with_same_id_fails_with_kafkas_reason() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let first = connect(&server.connect_string()).await;
    first.create_top_level_paths().await.unwrap();
    first.register_broker(&broker(1, 9092)).await.unwrap();

    let second = connect(&server.connect_string()).await;
    let error = second.register_broker(&broker(1, 9093)).await.unwrap_err();
    assert!(
        matches!(
            error,
            ZkError::BrokerIdAlreadyRegistered { broker_id: 1, .. }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("another broker with same id 1"),
        "{message}"
    );
    assert!(message.contains("NodeExists"), "{message}");
    // The first registration is untouched.
    let (registered, _) = second.get_broker(1).await.unwrap().unwrap();
    assert_eq!(registered.endpoints[0].port, 9092);
}

#[tokio::test]
async fn generated_broker_ids_start_after_reserved_max() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let first = connect(&server.connect_string()).await;
    first.create_top_level_paths().await.unwrap();
    assert_eq!(first.generate_broker_id(1000).await.unwrap(), 1001);
    assert_eq!(first.generate_broker_id(1000).await.unwrap(), 1002);
    let second = connect(&server.connect_string()).await;
    assert_eq!(second.generate_broker_id(1000).await.unwrap(), 1003);
    // Without the top-level paths, /brokers/seqid is created on demand (data version 0 + set = 1).
    let fresh = connect(&format!("{}/fresh", server.connect_string())).await;
    assert_eq!(fresh.generate_broker_id(1000).await.unwrap(), 1001);
}

#[tokio::test]
async fn session_expiry_is_reported_and_the_broker_can_register_again() {
    // A 100 ms tick allows a 1 s session; an outage longer than that expires it, as a broker
    // cut off from ZooKeeper for longer than zookeeper.session.timeout.ms experiences.
    let Some(mut server) = TestZooKeeper::start_with_tick_time_ms_or_skip(100) else {
        return;
    };
    let registrant = KafkaZkClient::connect(&server.connect_string(), 1_000, CONNECTION_TIMEOUT_MS)
        .await
        .unwrap();
    registrant.create_top_level_paths().await.unwrap();
    let mut states = registrant.state_watcher();
    registrant.register_broker(&broker(2, 9092)).await.unwrap();

    server.kill();
    let expired = async {
        loop {
            if states.changed().await == zk::SessionState::Expired {
                return;
            }
        }
    };
    tokio::time::timeout(EVENT_GUARD, expired)
        .await
        .expect("session never reported Expired");
    assert!(
        registrant.get_sorted_broker_list().await.is_err(),
        "requests on an expired session must fail"
    );

    // ZooKeeper comes back with the old session in its database and expires it itself, which
    // deletes the registration; a new session then registers the same id (Kafka re-registers).
    server.restart().unwrap();
    let observer = connect(&server.connect_string()).await;
    wait_deleted(&observer, "/brokers/ids/2").await;
    let reconnected = connect(&server.connect_string()).await;
    let epoch = reconnected.register_broker(&broker(2, 9092)).await.unwrap();
    assert_eq!(
        observer
            .get_broker(2)
            .await
            .unwrap()
            .map(|(_, czxid)| czxid),
        Some(epoch)
    );
}

#[tokio::test]
async fn unreachable_zookeeper_fails_after_the_connection_timeout() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let port = server.port();
    drop(server);
    let error = KafkaZkClient::connect(&format!("127.0.0.1:{port}"), SESSION_TIMEOUT_MS, 1_000)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ZkError::ConnectionTimeout {
                timeout_ms: 1_000,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("Timed out waiting for connection while in state: CONNECTING"));
}

#[tokio::test]
async fn znodes_written_as_kafka_writes_them_read_back_through_zookeeper() {
    let Some(server) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let client = connect(&server.connect_string()).await;
    client.create_top_level_paths().await.unwrap();
    let create = |path: &'static str, data: &'static [u8]| {
        let raw = client.raw().clone();
        async move {
            let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
            raw.mkdir(path.rsplit_once('/').unwrap().0, &options)
                .await
                .unwrap();
            raw.create(path, data, &options).await.unwrap();
        }
    };
    create("/brokers/topics/first", br#"{"version":2,"partitions":{"1":[2,1],"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#).await;
    create(
        "/brokers/topics/first/partitions/0/state",
        br#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#,
    )
    .await;
    create(
        "/config/topics/first",
        br#"{"version":1,"config":{"retention.ms":"1000"}}"#,
    )
    .await;

    let (data, _) = client
        .get_data("/brokers/topics/first")
        .await
        .unwrap()
        .unwrap();
    let topic = gregor_zk::TopicAssignment::decode("first", &data).unwrap();
    assert_eq!(
        topic.partitions,
        BTreeMap::from([(0, vec![1, 2]), (1, vec![2, 1])])
    );
    assert_eq!(topic.encode(), data);
    let (data, stat) = client
        .get_data("/brokers/topics/first/partitions/0/state")
        .await
        .unwrap()
        .unwrap();
    let state = gregor_zk::LeaderIsrAndControllerEpoch::decode("first", 0, &data).unwrap();
    assert_eq!((state.leader, state.isr, stat.version), (1, vec![1, 2], 0));
    let (data, _) = client
        .get_data("/config/topics/first")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        gregor_zk::EntityConfig::decode("/config/topics/first", &data)
            .unwrap()
            .config["retention.ms"],
        "1000"
    );
}
