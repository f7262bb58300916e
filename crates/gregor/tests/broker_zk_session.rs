//! ZooKeeper session expiry (kafka-2.4.md §1.4): a broker whose session expired registers
//! again on a new session (new broker epoch) and keeps serving; FindCoordinator creates
//! `__consumer_offsets` on first use and then names the leader of the group's partition.

mod broker_harness;

use std::time::{Duration, Instant};

use broker_harness::{produce, runtime, Broker};
use gregor_protocol::{ErrorCode, FindCoordinatorRequest};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::KafkaZkClient;

#[test]
fn broker_re_registers_after_its_session_expired() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    let rt = runtime();
    let client = rt
        .block_on(KafkaZkClient::connect(&zk.connect_string(), 10_000, 10_000))
        .unwrap();
    let (_, first_epoch) = rt.block_on(client.get_broker(0)).unwrap().unwrap();
    // Frozen longer than its 4 s session, the broker's registration expires...
    broker.signal("STOP");
    let deadline = Instant::now() + Duration::from_secs(60);
    while rt.block_on(client.get_broker(0)).unwrap().is_some() {
        assert!(Instant::now() < deadline, "session never expired");
        std::thread::sleep(Duration::from_millis(200));
    }
    broker.signal("CONT");
    // ...and comes back on a new session with a new broker epoch.
    let second_epoch = loop {
        if let Some((_, epoch)) = rt.block_on(client.get_broker(0)).unwrap() {
            break epoch;
        }
        assert!(
            Instant::now() < deadline,
            "broker never re-registered:\n{}",
            broker.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(second_epoch > first_epoch);
    rt.block_on(async {
        broker.wait_for_leaders(&["after-expiry"]).await;
        let connection = broker.connect().await;
        assert_eq!(
            produce(&connection, "after-expiry", 1, &["x"]).await,
            (ErrorCode::None, 0)
        );
    });
}

#[test]
fn find_coordinator_creates_the_offsets_topic_then_names_the_leader() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(
        tmp.path(),
        "b0",
        &zk.connect_string(),
        &[("offsets.topic.num.partitions", "3")],
    );
    broker.start();
    runtime().block_on(async {
        let connection = broker.connect().await;
        let request = FindCoordinatorRequest {
            key: "my-group".into(),
            ..Default::default()
        };
        let first = connection.send(request.clone()).await.unwrap();
        assert_eq!(first.error_code, ErrorCode::CoordinatorNotAvailable);
        let deadline = Instant::now() + Duration::from_secs(60);
        let found = loop {
            let response = connection.send(request.clone()).await.unwrap();
            if response.error_code == ErrorCode::None {
                break response;
            }
            assert_eq!(response.error_code, ErrorCode::CoordinatorNotAvailable);
            assert!(Instant::now() < deadline, "no coordinator");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(found.node_id, 0);
        assert_eq!(found.host, "127.0.0.1");
        assert_eq!(found.port, i32::from(broker.port));
        assert!(broker.log_dir().join("__consumer_offsets-0").exists());
    });
}
