//! Produce and Fetch against the real broker binary with its real controller module on a real
//! ZooKeeper, spoken with gregor-client (protocol-2.4.md §4.3–4.4, kafka-2.4.md §3): offsets,
//! every codec, Kafka's error codes, the long poll, durability across kill -9.

mod broker_harness;

use std::time::Duration;

use broker_harness::{
    batch, fetch_request, fetched_values, first_partition, produce, produce_request, runtime,
    wait_until_unregistered, Broker,
};
use bytes::Bytes;
use gregor_protocol::records::Compression;
use gregor_protocol::ErrorCode;
use gregor_zk::test_support::TestZooKeeper;

#[test]
fn produce_then_fetch_returns_records_at_their_offsets_with_every_codec() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["orders"]).await;
        let connection = broker.connect().await;
        assert_eq!(
            produce(&connection, "orders", 1, &["a", "b"]).await,
            (ErrorCode::None, 0)
        );
        assert_eq!(
            produce(&connection, "orders", -1, &["c"]).await,
            (ErrorCode::None, 2)
        );
        let mut expected = vec![(0, "a".to_string()), (1, "b".into()), (2, "c".into())];
        let mut next = 3;
        for codec in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let value = format!("v-{}", codec.name());
            let response = connection
                .send(produce_request("orders", 0, 1, batch(&[&value], codec)))
                .await
                .unwrap();
            assert_eq!(first_partition(&response), (ErrorCode::None, next));
            expected.push((next, value));
            next += 1;
        }
        let response = connection
            .send(fetch_request("orders", 0, 0))
            .await
            .unwrap();
        assert_eq!(response.responses[0].partitions[0].high_watermark, next);
        assert_eq!(fetched_values(&response), expected);
        // Fetching from the middle starts with the batch holding the offset.
        let response = connection
            .send(fetch_request("orders", 2, 0))
            .await
            .unwrap();
        assert_eq!(fetched_values(&response)[0], (2, "c".to_string()));
    });
}

#[test]
fn kafkas_error_codes_for_bad_produce_requests() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["t"]).await;
        let connection = broker.connect().await;
        let invalid_acks = connection
            .send(produce_request("t", 0, 2, batch(&["x"], Compression::None)))
            .await
            .unwrap();
        assert_eq!(
            first_partition(&invalid_acks).0,
            ErrorCode::InvalidRequiredAcks
        );
        let unknown_partition = connection
            .send(produce_request("t", 7, 1, batch(&["x"], Compression::None)))
            .await
            .unwrap();
        assert_eq!(
            first_partition(&unknown_partition).0,
            ErrorCode::UnknownTopicOrPartition
        );
        let mut corrupt = batch(&["x"], Compression::None).to_vec();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        let corrupt = connection
            .send(produce_request("t", 0, 1, Bytes::from(corrupt)))
            .await
            .unwrap();
        assert_eq!(first_partition(&corrupt).0, ErrorCode::CorruptMessage);
        let big = "x".repeat(1_100_000);
        let too_large = connection
            .send(produce_request(
                "t",
                0,
                1,
                batch(&[&big], Compression::None),
            ))
            .await
            .unwrap();
        assert_eq!(first_partition(&too_large).0, ErrorCode::MessageTooLarge);
        let internal = connection
            .send(produce_request(
                "__consumer_offsets",
                0,
                1,
                batch(&["x"], Compression::None),
            ))
            .await
            .unwrap();
        assert_eq!(
            first_partition(&internal).0,
            ErrorCode::InvalidTopicException
        );
        // Nothing of the above reached the log.
        assert_eq!(
            produce(&connection, "t", 1, &["ok"]).await,
            (ErrorCode::None, 0)
        );
    });
}

#[test]
fn long_poll_fetch_is_answered_when_records_arrive() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["poll"]).await;
        let consumer = broker.connect().await;
        let producer = broker.connect().await;
        // max_wait far beyond the test: only the append can complete this fetch.
        let waiting = tokio::spawn(async move {
            consumer
                .send(fetch_request("poll", 0, 600_000))
                .await
                .unwrap()
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            produce(&producer, "poll", 1, &["wake"]).await,
            (ErrorCode::None, 0)
        );
        let response = waiting.await.unwrap();
        assert_eq!(fetched_values(&response), vec![(0, "wake".to_string())]);
    });
}

#[test]
fn acknowledged_records_survive_kill_9_and_restart() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    let rt = runtime();
    let mut acknowledged = Vec::new();
    rt.block_on(async {
        broker.wait_for_leaders(&["durable"]).await;
        let connection = broker.connect().await;
        for i in 0..20 {
            let value = format!("r{i}");
            let (error, offset) = produce(&connection, "durable", -1, &[&value]).await;
            assert_eq!(error, ErrorCode::None);
            acknowledged.push((offset, value));
        }
    });
    broker.kill9();
    rt.block_on(wait_until_unregistered(&zk.connect_string(), 0));
    broker.start();
    rt.block_on(async {
        broker.wait_for_leaders(&["durable"]).await;
        let connection = broker.connect().await;
        let mut seen = Vec::new();
        let mut offset = 0;
        while seen.len() < acknowledged.len() {
            let response = connection
                .send(fetch_request("durable", offset, 1000))
                .await
                .unwrap();
            let values = fetched_values(&response);
            assert!(
                !values.is_empty(),
                "no records from offset {offset}: {response:?}"
            );
            offset = values.last().unwrap().0 + 1;
            seen.extend(values);
        }
        assert_eq!(seen, acknowledged);
    });
}
