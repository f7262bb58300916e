//! Start-up and shutdown of the real broker binary against a real ZooKeeper (kafka-2.4.md
//! §1.1): registration JSON, meta.properties, Kafka's fatal messages, generated ids, clean
//! shutdown marker.

mod broker_harness;

use std::time::Duration;

use broker_harness::{free_port, Broker};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::KafkaZkClient;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn broker_registers_writes_meta_properties_and_shuts_down_cleanly() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let connect = format!("{}/chroot", zk.connect_string());
    let mut broker = Broker::new(tmp.path(), "b0", &connect, &[]);
    broker.start();
    let rt = runtime();
    rt.block_on(async {
        let client = KafkaZkClient::connect(&connect, 10_000, 10_000)
            .await
            .unwrap();
        let (info, epoch) = client.get_broker(0).await.unwrap().expect("registered");
        assert!(epoch > 0);
        assert_eq!(info.endpoints.len(), 1);
        assert_eq!(info.endpoints[0].host, "127.0.0.1");
        assert_eq!(info.endpoints[0].port, i32::from(broker.port));
        let cluster_id = client.get_cluster_id().await.unwrap().unwrap().0;
        let meta = std::fs::read_to_string(broker.log_dir().join("meta.properties")).unwrap();
        assert!(meta.contains(&format!("cluster.id={cluster_id}")), "{meta}");
        assert!(meta.contains("broker.id=0"), "{meta}");
    });
    let status = broker.terminate();
    assert!(status.success(), "exit {status:?}:\n{}", broker.output());
    assert!(broker
        .wait_for_line(
            "[KafkaServer id=0] shut down completed",
            Duration::from_secs(1)
        )
        .is_some());
    assert!(broker.log_dir().join(".kafka_cleanshutdown").exists());
    rt.block_on(async {
        let client = KafkaZkClient::connect(&connect, 10_000, 10_000)
            .await
            .unwrap();
        assert!(
            client.get_broker(0).await.unwrap().is_none(),
            "ephemeral znode removed"
        );
    });
}

#[test]
fn a_second_broker_with_the_same_id_exits_with_kafkas_message() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut first = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    first.start();
    let mut second = Broker::new(tmp.path(), "b0-again", &zk.connect_string(), &[]);
    second.spawn();
    let status = second.wait_exit(Duration::from_secs(60)).expect("exits");
    assert!(!status.success());
    let output = second.output();
    assert!(
        output.contains("Fatal error during KafkaServer startup"),
        "{output}"
    );
    assert!(output.contains("node already exists"), "{output}");
}

#[test]
fn mismatched_cluster_id_in_meta_properties_stops_start_up() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    std::fs::create_dir_all(broker.log_dir()).unwrap();
    std::fs::write(
        broker.log_dir().join("meta.properties"),
        "version=0\nbroker.id=0\ncluster.id=someOtherClusterId0000\n",
    )
    .unwrap();
    broker.spawn();
    let status = broker.wait_exit(Duration::from_secs(60)).expect("exits");
    assert!(!status.success());
    let output = broker.output();
    assert!(
        output.contains("doesn't match stored clusterId Some(someOtherClusterId0000) in meta.properties. The broker is trying to join the wrong cluster."),
        "{output}"
    );
}

#[test]
fn zookeeper_down_is_retried_then_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let connect = format!("127.0.0.1:{}", free_port());
    let mut broker = Broker::new(
        tmp.path(),
        "b0",
        &connect,
        &[("zookeeper.connection.timeout.ms", "1500")],
    );
    broker.spawn();
    let status = broker.wait_exit(Duration::from_secs(60)).expect("exits");
    assert!(!status.success());
    let output = broker.output();
    assert!(
        output.contains("Timed out waiting for connection while in state: CONNECTING"),
        "{output}"
    );
}

#[test]
fn broker_id_minus_one_is_generated_from_the_sequence() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(
        tmp.path(),
        "b",
        &zk.connect_string(),
        &[("broker.id", "-1")],
    );
    broker.start();
    assert!(
        broker.output().contains("[KafkaServer id=1001] started"),
        "{}",
        broker.output()
    );
    let meta = std::fs::read_to_string(broker.log_dir().join("meta.properties")).unwrap();
    assert!(meta.contains("broker.id=1001"), "{meta}");
    // The stored id is kept on restart.
    assert!(broker.terminate().success());
    broker.start();
    assert!(broker.output().contains("[KafkaServer id=1001] started"));
}
