//! Two brokers on one ZooKeeper (kafka-2.4.md §2.4, §2.8): one controller tells both about
//! every partition; each broker serves the partitions it leads and answers NOT_LEADER for the
//! others; Metadata from either broker describes the whole cluster.

mod broker_harness;

use broker_harness::{
    batch, fetch_request, fetched_values, first_partition, produce_request, runtime, Broker,
};
use gregor_protocol::records::Compression;
use gregor_protocol::ErrorCode;
use gregor_zk::test_support::TestZooKeeper;

#[test]
fn each_broker_serves_the_partitions_it_leads() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let overrides = [("num.partitions", "4")];
    let mut first = Broker::new(tmp.path(), "b1", &zk.connect_string(), &overrides);
    first.overrides.push(("broker.id".into(), "1".into()));
    let mut second = Broker::new(tmp.path(), "b2", &zk.connect_string(), &overrides);
    second.overrides.push(("broker.id".into(), "2".into()));
    first.start();
    second.start();
    runtime().block_on(async {
        // Wait until both brokers are in the cluster view, then create the topic.
        let metadata = loop {
            let metadata = first.wait_for_leaders(&["spread"]).await;
            if metadata.brokers.len() == 2 {
                break metadata;
            }
        };
        let leaders: Vec<i32> = metadata.topics[0]
            .partitions
            .iter()
            .map(|p| p.leader_id)
            .collect();
        assert_eq!(leaders.len(), 4);
        let from_second = second.wait_for_leaders(&["spread"]).await;
        assert_eq!(from_second.brokers.len(), 2);
        assert_eq!(from_second.controller_id, metadata.controller_id);
        let one = first.connect().await;
        let two = second.connect().await;
        for p in &metadata.topics[0].partitions {
            let (leader, other) = if p.leader_id == 1 {
                (&one, &two)
            } else {
                (&two, &one)
            };
            let request = || {
                produce_request(
                    "spread",
                    p.partition_index,
                    1,
                    batch(&["x"], Compression::None),
                )
            };
            let accepted = leader.send(request()).await.unwrap();
            assert_eq!(first_partition(&accepted), (ErrorCode::None, 0));
            let refused = other.send(request()).await.unwrap();
            assert_eq!(
                first_partition(&refused).0,
                ErrorCode::NotLeaderForPartition
            );
        }
    });
}

#[test]
fn acks_all_waits_for_the_follower_which_takes_over_after_the_leader_dies() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let overrides = [("default.replication.factor", "2")];
    let mut brokers = [
        Broker::new(tmp.path(), "b1", &zk.connect_string(), &overrides),
        Broker::new(tmp.path(), "b2", &zk.connect_string(), &overrides),
    ];
    brokers[0].overrides.push(("broker.id".into(), "1".into()));
    brokers[1].overrides.push(("broker.id".into(), "2".into()));
    brokers[0].start();
    brokers[1].start();
    let rt = runtime();
    let (leader_index, values) = rt.block_on(async {
        // Metadata from a broker that already sees both (a topic created while it saw only
        // one would get RF 2 refused).
        let metadata = loop {
            let m = brokers[0].wait_for_leaders(&[]).await;
            if m.brokers.len() == 2 {
                break brokers[0].wait_for_leaders(&["replicated"]).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let partition = &metadata.topics[0].partitions[0];
        assert_eq!(partition.replica_nodes.len(), 2);
        let leader_index = usize::try_from(partition.leader_id - 1).unwrap();
        let connection = brokers[leader_index].connect().await;
        let mut values = Vec::new();
        for i in 0..5 {
            let value = format!("r{i}");
            let response = connection
                .send(produce_request(
                    "replicated",
                    0,
                    -1,
                    batch(&[&value], Compression::None),
                ))
                .await
                .unwrap();
            assert_eq!(first_partition(&response), (ErrorCode::None, i));
            values.push((i, value));
        }
        (leader_index, values)
    });
    brokers[leader_index].kill9();
    let survivor = &brokers[1 - leader_index];
    rt.block_on(async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let m = survivor.wait_for_leaders(&["replicated"]).await;
            let leader = m.topics[0].partitions[0].leader_id;
            if usize::try_from(leader - 1).ok() == Some(1 - leader_index) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no failover: {m:?}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let connection = survivor.connect().await;
        let response = connection
            .send(fetch_request("replicated", 0, 0))
            .await
            .unwrap();
        assert_eq!(fetched_values(&response), values);
    });
}

#[test]
fn a_restarted_follower_catches_up_and_rejoins_the_isr() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let overrides = [("default.replication.factor", "2")];
    let mut brokers = [
        Broker::new(tmp.path(), "b1", &zk.connect_string(), &overrides),
        Broker::new(tmp.path(), "b2", &zk.connect_string(), &overrides),
    ];
    brokers[0].overrides.push(("broker.id".into(), "1".into()));
    brokers[1].overrides.push(("broker.id".into(), "2".into()));
    brokers[0].start();
    brokers[1].start();
    let rt = runtime();
    let isr_of = |broker: &Broker| {
        rt.block_on(async {
            let m = broker.wait_for_leaders(&["rejoin"]).await;
            let p = &m.topics[0].partitions[0];
            let mut isr = p.isr_nodes.clone();
            isr.sort_unstable();
            (p.leader_id, isr)
        })
    };
    let wait_until = |broker: &Broker, expected: &[i32]| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let (leader, isr) = isr_of(broker);
            if isr == expected {
                return leader;
            }
            assert!(std::time::Instant::now() < deadline, "ISR stays {isr:?}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    rt.block_on(async {
        while brokers[0].wait_for_leaders(&[]).await.brokers.len() < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let leader = wait_until(&brokers[0], &[1, 2]);
    let leader_index = usize::try_from(leader - 1).unwrap();
    let follower_index = 1 - leader_index;
    brokers[follower_index].kill9();
    // The controller drops the dead follower from the ISR...
    wait_until(&brokers[leader_index], &[leader]);
    rt.block_on(async {
        let connection = brokers[leader_index].connect().await;
        let response = connection
            .send(produce_request(
                "rejoin",
                0,
                -1,
                batch(&["while-away"], Compression::None),
            ))
            .await
            .unwrap();
        assert_eq!(first_partition(&response).0, ErrorCode::None);
    });
    // ...and the leader adds it back once it has fetched what it missed.
    brokers[follower_index].start();
    wait_until(&brokers[leader_index], &[1, 2]);
}
