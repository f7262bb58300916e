//! Producer-id blocks in `/latest_producer_id_block` against a real ZooKeeper (kafka-2.4.md
//! §1.2): blocks of 1000 ids claimed with a conditional set, a new block when one is used up,
//! and brokers claiming concurrently always get disjoint blocks.

use std::collections::BTreeSet;

use gregor::handlers::init_producer_id::{claim_block, generate_producer_id};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::KafkaZkClient;

async fn connect(zk: &TestZooKeeper) -> KafkaZkClient {
    KafkaZkClient::connect(&zk.connect_string(), 10_000, 10_000)
        .await
        .unwrap()
}

#[test]
fn ids_come_from_blocks_of_a_thousand_and_roll_over() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = connect(&zk).await;
        let mut ids = Vec::new();
        for _ in 0..1001 {
            ids.push(generate_producer_id(&client, 5).await.unwrap());
        }
        assert_eq!(ids, (0..1001).collect::<Vec<i64>>());
        let (data, _) = client
            .get_data("/latest_producer_id_block")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(data).unwrap(),
            r#"{"version":1,"broker":5,"block_start":"1000","block_end":"1999"}"#
        );
    });
}

#[test]
fn concurrent_claims_get_disjoint_blocks() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for broker_id in 0..4 {
            let client = connect(&zk).await;
            tasks.push(tokio::spawn(async move {
                let mut blocks = Vec::new();
                for _ in 0..5 {
                    blocks.push(claim_block(&client, broker_id).await.unwrap());
                }
                blocks
            }));
        }
        let mut starts = BTreeSet::new();
        for task in tasks {
            for block in task.await.unwrap() {
                assert_eq!(block.block_end - block.block_start, 999);
                assert!(
                    starts.insert(block.block_start),
                    "block {block:?} handed out twice"
                );
            }
        }
        let expected: BTreeSet<i64> = (0..20).map(|n| n * 1000).collect();
        assert_eq!(starts, expected);
    });
}
