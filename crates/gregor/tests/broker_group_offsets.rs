//! Committed offsets through the wire protocol against the real broker binary on a real
//! ZooKeeper (kafka-2.4.md §6): across restarts (SIGTERM and kill -9), OffsetCommit v0 in
//! ZooKeeper, deleted topics, OffsetDelete.

mod broker_harness;
mod group_harness;

use std::time::{Duration, Instant};

use broker_harness::{runtime, wait_until_unregistered};
use gregor_protocol::*;
use group_harness::*;

#[test]
fn committed_offsets_and_groups_survive_sigterm_and_kill_9() {
    let Some(Fixture {
        zk,
        mut broker,
        _dir,
    }) = fixture()
    else {
        return;
    };
    let rt = runtime();
    rt.block_on(async {
        let c = ready(&broker, &["events"], "durable").await;
        let a = join_as_new_member(&c, "durable", 10_000).await;
        sync(&c, "durable", 1, &a.member_id, &[(&a.member_id, b"x")]).await;
        assert_eq!(
            commit(&c, "durable", (1, &a.member_id), "events", 0, 17, "m").await,
            ErrorCode::None
        );
        assert_eq!(
            commit(&c, "solo", (-1, ""), "events", 0, 5, "").await,
            ErrorCode::None
        );
    });
    broker.terminate();
    broker.start();
    rt.block_on(async {
        let c = broker.connect().await;
        let fetched = fetch_offsets_when_loaded(&c, "durable", "events", &[0]).await;
        let p = &fetched.topics[0].partitions[0];
        assert_eq!((p.committed_offset, p.metadata.as_deref()), (17, Some("m")));
        // The member was loaded with the group and must heartbeat again within its session.
        assert_eq!(group_state(&c, "durable").await, "Stable");
        assert_eq!(
            commit(&c, "solo", (-1, ""), "events", 0, 6, "").await,
            ErrorCode::None
        );
    });
    broker.kill9();
    rt.block_on(wait_until_unregistered(&zk.connect_string(), 0));
    broker.start();
    rt.block_on(async {
        let c = broker.connect().await;
        let fetched = fetch_offsets_when_loaded(&c, "durable", "events", &[0]).await;
        assert_eq!(fetched.topics[0].partitions[0].committed_offset, 17);
        let solo = fetch_offsets_when_loaded(&c, "solo", "events", &[0]).await;
        assert_eq!(solo.topics[0].partitions[0].committed_offset, 6);
    });
}

#[test]
fn deleting_a_topic_removes_its_committed_offsets() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["kept", "doomed"], "cleanup").await;
        for topic in ["kept", "doomed"] {
            assert_eq!(
                commit(&c, "cleanup", (-1, ""), topic, 0, 4, "").await,
                ErrorCode::None
            );
        }
        let deleted = c
            .send(gregor_protocol::DeleteTopicsRequest {
                topic_names: vec!["doomed".into()],
                timeout_ms: 30_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(deleted.responses[0].error_code, ErrorCode::None);
        let deadline = Instant::now() + CLIENT_WAIT;
        loop {
            let all = c
                .send(OffsetFetchRequest {
                    group_id: "cleanup".into(),
                    topics: None,
                    ..Default::default()
                })
                .await
                .unwrap();
            let topics: Vec<&str> = all.topics.iter().map(|t| t.name.as_str()).collect();
            if topics == ["kept"] {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "offsets of the deleted topic remain: {topics:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

#[test]
fn offset_commit_v0_is_kept_in_zookeeper_as_kafka_2_4_does() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "zk-group").await;
        let request = OffsetCommitRequest {
            group_id: "zk-group".into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "events".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 0,
                    committed_offset: 31,
                    committed_metadata: Some(String::new()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let committed = c.send_at(request, 0).await.unwrap();
        assert_eq!(
            committed.topics[0].partitions[0].error_code,
            ErrorCode::None
        );
        let zk = gregor_zk::KafkaZkClient::connect(&fixture.zk.connect_string(), 10_000, 10_000)
            .await
            .unwrap();
        let (data, _) = zk
            .get_data("/consumers/zk-group/offsets/events/0")
            .await
            .unwrap()
            .expect("the v0 offset znode");
        assert_eq!(data, b"31");
        let fetch = OffsetFetchRequest {
            group_id: "zk-group".into(),
            topics: Some(vec![OffsetFetchRequestTopic {
                name: "events".into(),
                partition_indexes: vec![0, 9],
                ..Default::default()
            }]),
            ..Default::default()
        };
        let v0 = c.send_at(fetch.clone(), 0).await.unwrap();
        let answers: Vec<(i64, ErrorCode)> = v0.topics[0]
            .partitions
            .iter()
            .map(|p| (p.committed_offset, p.error_code))
            .collect();
        assert_eq!(
            answers,
            [
                (31, ErrorCode::None),
                (-1, ErrorCode::UnknownTopicOrPartition)
            ]
        );
        // v1+ read __consumer_offsets, where nothing was committed.
        let v1 = c.send_at(fetch, 1).await.unwrap();
        assert_eq!(v1.topics[0].partitions[0].committed_offset, -1);
    });
}

#[test]
fn offset_delete_spares_the_topics_an_active_group_consumes() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events", "other"], "od").await;
        let mut request = join("od", "", 10_000);
        request.protocols[0].metadata = subscription(&["events"]);
        let joined = c.send_at(request, 3).await.unwrap();
        let me = joined.member_id.clone();
        assert_eq!(sync(&c, "od", 1, &me, &[]).await.0, ErrorCode::None);
        for topic in ["events", "other"] {
            assert_eq!(
                commit(&c, "od", (1, &me), topic, 0, 8, "").await,
                ErrorCode::None
            );
        }
        let delete = |group: &str| gregor_protocol::OffsetDeleteRequest {
            group_id: group.into(),
            topics: ["events", "other"]
                .iter()
                .map(|t| gregor_protocol::OffsetDeleteRequestTopic {
                    name: t.to_string(),
                    partitions: vec![gregor_protocol::OffsetDeleteRequestPartition {
                        partition_index: 0,
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let answer = c.send(delete("od")).await.unwrap();
        let errors: Vec<(String, ErrorCode)> = answer
            .topics
            .iter()
            .map(|t| (t.name.clone(), t.partitions[0].error_code))
            .collect();
        assert_eq!(answer.error_code, ErrorCode::None);
        assert_eq!(
            errors,
            [
                ("events".to_string(), ErrorCode::GroupSubscribedToTopic),
                ("other".to_string(), ErrorCode::None)
            ]
        );
        assert_eq!(
            fetch_offsets(&c, "od", "events", &[0]).await.topics[0].partitions[0].committed_offset,
            8
        );
        assert_eq!(
            fetch_offsets(&c, "od", "other", &[0]).await.topics[0].partitions[0].committed_offset,
            -1
        );
        let unknown = c.send(delete("no-such-group")).await.unwrap();
        assert_eq!(unknown.error_code, ErrorCode::GroupIdNotFound);
        assert!(unknown.topics.is_empty());
        // Once the member leaves, every offset of the Empty group can go.
        let left = c
            .send_at(
                LeaveGroupRequest {
                    group_id: "od".into(),
                    member_id: me.clone(),
                    ..Default::default()
                },
                2,
            )
            .await
            .unwrap();
        assert_eq!(left.error_code, ErrorCode::None);
        let answer = c.send(delete("od")).await.unwrap();
        assert!(answer
            .topics
            .iter()
            .all(|t| t.partitions[0].error_code == ErrorCode::None));
        assert_eq!(
            fetch_offsets(&c, "od", "events", &[0]).await.topics[0].partitions[0].committed_offset,
            -1
        );
    });
}
