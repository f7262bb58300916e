//! Metadata, ListOffsets, ApiVersions and fetch sessions against the real broker binary with
//! its real controller module (protocol-2.4.md §4.1, §4.2, §4.4 KIP-227, §4.5).

mod broker_harness;

use broker_harness::{fetch_request, fetched_values, produce, runtime, Broker};
use gregor_protocol::{
    ApiKey, ErrorCode, FetchRequest, ListOffsetsRequest, ListOffsetsRequestPartition,
    ListOffsetsRequestTopic, MetadataRequest, MetadataRequestTopic,
};
use gregor_zk::test_support::TestZooKeeper;

#[test]
fn metadata_reports_unknown_and_invalid_topics_and_the_controller() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        let ready = broker.wait_for_leaders(&["known"]).await;
        assert_eq!(ready.controller_id, 0);
        assert!(ready.cluster_id.is_some());
        assert_eq!(ready.brokers[0].port, i32::from(broker.port));
        let connection = broker.connect().await;
        let request = MetadataRequest {
            topics: Some(vec![
                MetadataRequestTopic {
                    name: "missing".into(),
                    ..Default::default()
                },
                MetadataRequestTopic {
                    name: "bad name!".into(),
                    ..Default::default()
                },
            ]),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        let response = connection.send(request.clone()).await.unwrap();
        // Without auto-creation both are just unknown (Kafka validates names when creating).
        assert_eq!(
            response.topics[0].error_code,
            ErrorCode::UnknownTopicOrPartition
        );
        assert_eq!(
            response.topics[1].error_code,
            ErrorCode::UnknownTopicOrPartition
        );
        let creating = MetadataRequest {
            allow_auto_topic_creation: true,
            ..request
        };
        let response = connection.send(creating).await.unwrap();
        assert_eq!(response.topics[0].error_code, ErrorCode::LeaderNotAvailable);
        assert_eq!(
            response.topics[1].error_code,
            ErrorCode::InvalidTopicException
        );
    });
}

#[test]
fn fetch_sessions_follow_kip_227() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["s"]).await;
        let connection = broker.connect().await;
        assert_eq!(
            produce(&connection, "s", 1, &["one"]).await,
            (ErrorCode::None, 0)
        );
        let mut full = fetch_request("s", 0, 0);
        full.session_epoch = 0;
        let response = connection.send_at(full, 11).await.unwrap();
        assert_eq!(response.error_code, ErrorCode::None);
        assert_ne!(
            response.session_id, 0,
            "a full fetch with epoch 0 opens a session"
        );
        let session_id = response.session_id;
        // The client lists only partitions whose fetch offset changed (0 -> 1 here).
        let incremental = FetchRequest {
            session_id,
            session_epoch: 1,
            ..fetch_request("s", 1, 0)
        };
        let response = connection.send_at(incremental.clone(), 11).await.unwrap();
        assert_eq!(response.error_code, ErrorCode::None);
        assert!(response.responses.is_empty(), "nothing new: {response:?}");
        assert_eq!(
            produce(&connection, "s", 1, &["two"]).await.0,
            ErrorCode::None
        );
        let next = FetchRequest {
            session_id,
            session_epoch: 2,
            topics: vec![],
            ..fetch_request("s", 1, 0)
        };
        let response = connection.send_at(next, 11).await.unwrap();
        assert_eq!(
            fetched_values(&response),
            vec![(1, "two".to_string())],
            "the session remembers offset 1"
        );
        let response = connection.send_at(incremental, 11).await.unwrap();
        assert_eq!(response.error_code, ErrorCode::InvalidFetchSessionEpoch);
        let unknown = FetchRequest {
            session_id: session_id.wrapping_add(1),
            session_epoch: 1,
            ..fetch_request("s", 1, 0)
        };
        let response = connection.send_at(unknown, 11).await.unwrap();
        assert_eq!(response.error_code, ErrorCode::FetchSessionIdNotFound);
    });
}

#[test]
fn list_offsets_earliest_latest_and_by_timestamp() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["o"]).await;
        let connection = broker.connect().await;
        assert_eq!(
            produce(&connection, "o", 1, &["a", "b", "c"]).await.0,
            ErrorCode::None
        );
        for (timestamp, expected) in [(-2, 0), (-1, 3), (1_700_000_000_001, 1)] {
            let request = ListOffsetsRequest {
                replica_id: -1,
                topics: vec![ListOffsetsRequestTopic {
                    topic: "o".into(),
                    partitions: vec![ListOffsetsRequestPartition {
                        partition: 0,
                        timestamp,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let response = connection.send(request).await.unwrap();
            let p = &response.topics[0].partitions[0];
            assert_eq!(
                (p.error_code, p.offset),
                (ErrorCode::None, expected),
                "timestamp {timestamp}"
            );
        }
    });
}

#[test]
fn api_versions_advertise_kafka_2_4_1_ranges_of_served_apis_only() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        let connection = broker.connect().await;
        let versions = connection.api_versions();
        assert_eq!(versions.range(ApiKey::Produce), Some((0, 8)));
        assert_eq!(versions.range(ApiKey::Fetch), Some((0, 11)));
        assert_eq!(versions.range(ApiKey::Metadata), Some((0, 9)));
        // The group APIs, every version Kafka 2.4.1 serves.
        for (api, max) in [
            (ApiKey::OffsetCommit, 8),
            (ApiKey::OffsetFetch, 6),
            (ApiKey::FindCoordinator, 3),
            (ApiKey::JoinGroup, 6),
            (ApiKey::Heartbeat, 4),
            (ApiKey::LeaveGroup, 4),
            (ApiKey::SyncGroup, 4),
            (ApiKey::DescribeGroups, 5),
            (ApiKey::ListGroups, 3),
            (ApiKey::DeleteGroups, 2),
            (ApiKey::OffsetDelete, 0),
        ] {
            assert_eq!(versions.range(api), Some((0, max)), "{api:?}");
        }
        // Not served: no transactions, no OffsetForLeaderEpoch yet.
        assert_eq!(versions.range(ApiKey::OffsetForLeaderEpoch), None);
        assert_eq!(versions.range(ApiKey::SaslHandshake), None);
    });
}
