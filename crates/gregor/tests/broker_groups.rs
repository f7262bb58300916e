//! The group coordinator through the wire protocol against the real broker binary on a real
//! ZooKeeper (kafka-2.4.md §6): a member's whole life, Kafka's error codes for bad input,
//! session expiry, and committed offsets across restarts.

mod broker_harness;

use std::time::{Duration, Instant};

use broker_harness::{runtime, wait_until_unregistered, Broker};
use bytes::Bytes;
use gregor_client::BrokerConnection;
use gregor_protocol::{
    DeleteGroupsRequest, DescribeGroupsRequest, ErrorCode, FindCoordinatorRequest,
    HeartbeatRequest, JoinGroupRequest, JoinGroupRequestProtocol, JoinGroupResponse,
    LeaveGroupRequest, ListGroupsRequest, MemberIdentity, OffsetCommitRequest,
    OffsetCommitRequestPartition, OffsetCommitRequestTopic, OffsetFetchRequest,
    OffsetFetchRequestTopic, OffsetFetchResponse, SyncGroupRequest, SyncGroupRequestAssignment,
};
use gregor_zk::test_support::TestZooKeeper;

const CLIENT_WAIT: Duration = Duration::from_secs(30);

/// Overrides that keep the tests quick: no initial delay, short sessions allowed.
const FAST: &[(&str, &str)] = &[
    ("group.initial.rebalance.delay.ms", "0"),
    ("group.min.session.timeout.ms", "500"),
    ("offsets.topic.num.partitions", "5"),
];

/// FindCoordinator until the offsets topic exists and has a leader.
async fn coordinator(connection: &BrokerConnection, group: &str) {
    let deadline = Instant::now() + CLIENT_WAIT;
    loop {
        let response = connection
            .send(FindCoordinatorRequest {
                key: group.to_string(),
                key_type: 0,
                ..Default::default()
            })
            .await
            .unwrap();
        if response.error_code == ErrorCode::None {
            return;
        }
        assert_eq!(response.error_code, ErrorCode::CoordinatorNotAvailable);
        assert!(Instant::now() < deadline, "no coordinator for {group}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A started broker (with [`FAST`]) on its own ZooKeeper and directory.
struct Fixture {
    /// Killed first when the fixture is dropped.
    broker: Broker,
    zk: TestZooKeeper,
    _dir: tempfile::TempDir,
}

/// The fixture, or `None` (the test skips) without ZooKeeper.
fn fixture() -> Option<Fixture> {
    let zk = TestZooKeeper::start_or_skip()?;
    let dir = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(dir.path(), "b0", &zk.connect_string(), FAST);
    broker.start();
    Some(Fixture {
        broker,
        zk,
        _dir: dir,
    })
}

/// Waits for leaders of `topics` and a coordinator for `group`; a connection to the broker.
async fn ready(broker: &Broker, topics: &[&str], group: &str) -> BrokerConnection {
    broker.wait_for_leaders(topics).await;
    let connection = broker.connect().await;
    coordinator(&connection, group).await;
    connection
}

fn join(group: &str, member_id: &str, session_timeout_ms: i32) -> JoinGroupRequest {
    JoinGroupRequest {
        group_id: group.to_string(),
        session_timeout_ms,
        rebalance_timeout_ms: 5000,
        member_id: member_id.to_string(),
        protocol_type: "consumer".into(),
        protocols: vec![JoinGroupRequestProtocol {
            name: "range".into(),
            metadata: Bytes::from_static(b"subscription"),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// JoinGroup v5 as a 2.4 client: MEMBER_ID_REQUIRED, then the real join.
async fn join_as_new_member(
    connection: &BrokerConnection,
    group: &str,
    session: i32,
) -> JoinGroupResponse {
    let first = connection
        .send_at(join(group, "", session), 5)
        .await
        .unwrap();
    assert_eq!(first.error_code, ErrorCode::MemberIdRequired);
    assert!(!first.member_id.is_empty());
    connection
        .send_at(join(group, &first.member_id, session), 5)
        .await
        .unwrap()
}

async fn sync(
    connection: &BrokerConnection,
    group: &str,
    generation: i32,
    member: &str,
    assignments: &[(&str, &[u8])],
) -> (ErrorCode, Bytes) {
    let response = connection
        .send(SyncGroupRequest {
            group_id: group.into(),
            generation_id: generation,
            member_id: member.into(),
            assignments: assignments
                .iter()
                .map(|(m, a)| SyncGroupRequestAssignment {
                    member_id: m.to_string(),
                    assignment: Bytes::copy_from_slice(a),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    (response.error_code, response.assignment)
}

async fn heartbeat(
    connection: &BrokerConnection,
    group: &str,
    generation: i32,
    member: &str,
) -> ErrorCode {
    connection
        .send(HeartbeatRequest {
            group_id: group.into(),
            generation_id: generation,
            member_id: member.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .error_code
}

/// OffsetCommit of one partition as (generation, member).
async fn commit(
    connection: &BrokerConnection,
    group: &str,
    (generation, member): (i32, &str),
    topic: &str,
    partition: i32,
    offset: i64,
    metadata: &str,
) -> ErrorCode {
    let response = connection
        .send(OffsetCommitRequest {
            group_id: group.into(),
            generation_id: generation,
            member_id: member.into(),
            topics: vec![OffsetCommitRequestTopic {
                name: topic.into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: partition,
                    committed_offset: offset,
                    committed_metadata: Some(metadata.into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    response.topics[0].partitions[0].error_code
}

async fn fetch_offsets(
    connection: &BrokerConnection,
    group: &str,
    topic: &str,
    partitions: &[i32],
) -> OffsetFetchResponse {
    connection
        .send(OffsetFetchRequest {
            group_id: group.into(),
            topics: Some(vec![OffsetFetchRequestTopic {
                name: topic.into(),
                partition_indexes: partitions.to_vec(),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .unwrap()
}

/// OffsetFetch until the coordinator has loaded the group's partition.
async fn fetch_offsets_when_loaded(
    connection: &BrokerConnection,
    group: &str,
    topic: &str,
    partitions: &[i32],
) -> OffsetFetchResponse {
    let deadline = Instant::now() + CLIENT_WAIT;
    loop {
        let response = fetch_offsets(connection, group, topic, partitions).await;
        if response.error_code == ErrorCode::None {
            return response;
        }
        assert!(
            matches!(
                response.error_code,
                ErrorCode::CoordinatorLoadInProgress | ErrorCode::NotCoordinator
            ),
            "{response:?}"
        );
        assert!(Instant::now() < deadline, "offsets never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn group_state(connection: &BrokerConnection, group: &str) -> String {
    let response = connection
        .send(DescribeGroupsRequest {
            groups: vec![group.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(response.groups[0].error_code, ErrorCode::None);
    response.groups[0].group_state.clone()
}

#[test]
fn a_member_joins_syncs_commits_leaves_and_the_group_is_deleted() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "life").await;
        let joined = join_as_new_member(&c, "life", 10_000).await;
        assert_eq!(joined.error_code, ErrorCode::None);
        assert_eq!(joined.generation_id, 1);
        assert_eq!(joined.protocol_name, "range");
        assert_eq!(joined.leader, joined.member_id);
        assert_eq!(joined.members.len(), 1);
        assert_eq!(
            joined.members[0].metadata,
            Bytes::from_static(b"subscription")
        );
        let me = joined.member_id.clone();
        assert_eq!(group_state(&c, "life").await, "CompletingRebalance");

        let (error, assignment) = sync(&c, "life", 1, &me, &[(&me, b"events-0")]).await;
        assert_eq!(
            (error, assignment.as_ref()),
            (ErrorCode::None, &b"events-0"[..])
        );
        assert_eq!(heartbeat(&c, "life", 1, &me).await, ErrorCode::None);

        let described = c
            .send(DescribeGroupsRequest {
                groups: vec!["life".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        let group = &described.groups[0];
        assert_eq!(
            (
                group.group_state.as_str(),
                group.protocol_type.as_str(),
                group.protocol_data.as_str()
            ),
            ("Stable", "consumer", "range")
        );
        assert_eq!(group.members[0].member_id, me);
        assert_eq!(group.members[0].client_host, "/127.0.0.1");
        assert_eq!(
            group.members[0].member_assignment,
            Bytes::from_static(b"events-0")
        );

        assert_eq!(
            commit(&c, "life", (1, &me), "events", 0, 42, "meta").await,
            ErrorCode::None
        );
        let fetched = fetch_offsets(&c, "life", "events", &[0]).await;
        let p = &fetched.topics[0].partitions[0];
        assert_eq!(
            (p.committed_offset, p.metadata.as_deref(), p.error_code),
            (42, Some("meta"), ErrorCode::None)
        );

        let listed = c.send(ListGroupsRequest::default()).await.unwrap();
        assert!(listed
            .groups
            .iter()
            .any(|g| g.group_id == "life" && g.protocol_type == "consumer"));

        let busy = c
            .send(DeleteGroupsRequest {
                groups_names: vec!["life".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(busy.results[0].error_code, ErrorCode::NonEmptyGroup);

        let left = c
            .send(LeaveGroupRequest {
                group_id: "life".into(),
                members: vec![MemberIdentity {
                    member_id: me.clone(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            (left.error_code, left.members[0].error_code),
            (ErrorCode::None, ErrorCode::None)
        );
        assert_eq!(group_state(&c, "life").await, "Empty");
        // The committed offset outlives the membership.
        let fetched = fetch_offsets(&c, "life", "events", &[0, 1]).await;
        let offsets: Vec<i64> = fetched.topics[0]
            .partitions
            .iter()
            .map(|p| p.committed_offset)
            .collect();
        assert_eq!(offsets, [42, -1]);

        let deleted = c
            .send(DeleteGroupsRequest {
                groups_names: vec!["life".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(deleted.results[0].error_code, ErrorCode::None);
        assert_eq!(group_state(&c, "life").await, "Dead");
        let fetched = fetch_offsets(&c, "life", "events", &[0]).await;
        assert_eq!(fetched.topics[0].partitions[0].committed_offset, -1);
        let again = c
            .send(DeleteGroupsRequest {
                groups_names: vec!["life".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(again.results[0].error_code, ErrorCode::GroupIdNotFound);
    });
}

#[test]
fn bad_group_requests_get_kafkas_error_codes() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "bad").await;

        let empty = c.send_at(join("", "", 10_000), 5).await.unwrap();
        assert_eq!(empty.error_code, ErrorCode::InvalidGroupId);
        let short = c.send_at(join("bad", "", 100), 5).await.unwrap();
        assert_eq!(short.error_code, ErrorCode::InvalidSessionTimeout);
        let long = c.send_at(join("bad", "", 1_800_001), 5).await.unwrap();
        assert_eq!(long.error_code, ErrorCode::InvalidSessionTimeout);
        let stranger = c
            .send_at(join("nobody-here", "made-up", 10_000), 5)
            .await
            .unwrap();
        assert_eq!(stranger.error_code, ErrorCode::UnknownMemberId);
        assert_eq!(
            heartbeat(&c, "nobody-here", 1, "made-up").await,
            ErrorCode::UnknownMemberId
        );
        // Older JoinGroup versions are admitted without MEMBER_ID_REQUIRED.
        let v3 = c.send_at(join("old", "", 10_000), 3).await.unwrap();
        assert_eq!((v3.error_code, v3.generation_id), (ErrorCode::None, 1));

        let a = join_as_new_member(&c, "bad", 10_000).await;
        let me = a.member_id.clone();
        assert_eq!(sync(&c, "bad", 1, &me, &[]).await.0, ErrorCode::None);
        assert_eq!(
            heartbeat(&c, "bad", 99, &me).await,
            ErrorCode::IllegalGeneration
        );
        assert_eq!(
            heartbeat(&c, "bad", 1, "someone-else").await,
            ErrorCode::UnknownMemberId
        );
        assert_eq!(
            sync(&c, "bad", 7, &me, &[]).await.0,
            ErrorCode::IllegalGeneration
        );
        assert_eq!(
            commit(&c, "bad", (2, &me), "events", 0, 1, "").await,
            ErrorCode::IllegalGeneration
        );
        assert_eq!(
            commit(&c, "bad", (1, "ghost"), "events", 0, 1, "").await,
            ErrorCode::UnknownMemberId
        );
        assert_eq!(
            commit(&c, "bad", (1, &me), "no-such-topic", 0, 1, "").await,
            ErrorCode::UnknownTopicOrPartition
        );
        assert_eq!(
            commit(&c, "bad", (1, &me), "events", 7, 1, "").await,
            ErrorCode::UnknownTopicOrPartition
        );
        assert_eq!(
            commit(&c, "bad", (1, &me), "events", 0, 1, &"x".repeat(4097)).await,
            ErrorCode::OffsetMetadataTooLarge
        );

        let mut other = join("bad", "", 10_000);
        other.protocol_type = "connect".into();
        let other = c.send_at(other, 3).await.unwrap();
        assert_eq!(other.error_code, ErrorCode::InconsistentGroupProtocol);

        // A second member starts a rebalance: the first member's heartbeat says so, and its
        // old-generation commit is still accepted while the group prepares (Kafka 2.4).
        let second = broker.connect().await;
        let b_first = second.send_at(join("bad", "", 10_000), 5).await.unwrap();
        let b_id = b_first.member_id.clone();
        let b_join =
            tokio::spawn(
                async move { second.send_at(join("bad", &b_id, 10_000), 5).await.unwrap() },
            );
        let deadline = Instant::now() + CLIENT_WAIT;
        while heartbeat(&c, "bad", 1, &me).await != ErrorCode::RebalanceInProgress {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            commit(&c, "bad", (1, &me), "events", 0, 5, "").await,
            ErrorCode::None
        );
        assert_eq!(
            sync(&c, "bad", 1, &me, &[]).await.0,
            ErrorCode::RebalanceInProgress
        );
        let a_again = c.send_at(join("bad", &me, 10_000), 5).await.unwrap();
        let b_done = b_join.await.unwrap();
        assert_eq!(
            (a_again.error_code, b_done.error_code),
            (ErrorCode::None, ErrorCode::None)
        );
        assert_eq!((a_again.generation_id, b_done.generation_id), (2, 2));
        assert_eq!(a_again.leader, me);
        assert_eq!(a_again.members.len(), 2);
        assert!(b_done.members.is_empty());

        // Standalone commits (generation -1) go to groups without members.
        assert_eq!(
            commit(&c, "standalone", (-1, ""), "events", 0, 9, "").await,
            ErrorCode::None
        );
        assert_eq!(
            commit(&c, "never-seen", (3, ""), "events", 0, 9, "").await,
            ErrorCode::IllegalGeneration
        );
        let long_id = "g".repeat(32_767);
        assert_eq!(
            commit(&c, &long_id, (-1, ""), "events", 0, 3, "").await,
            ErrorCode::None
        );
        let fetched = fetch_offsets(&c, &long_id, "events", &[0]).await;
        assert_eq!(fetched.topics[0].partitions[0].committed_offset, 3);
    });
}

#[test]
fn a_silent_member_is_expired_after_its_session_timeout() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "expiry").await;
        let a = join_as_new_member(&c, "expiry", 1000).await;
        let a_id = a.member_id.clone();
        sync(&c, "expiry", 1, &a_id, &[]).await;
        // B joins with a short session; A rejoins; both are in generation 2.
        let second = broker.connect().await;
        let b_first = second.send_at(join("expiry", "", 1000), 5).await.unwrap();
        let b_id = b_first.member_id.clone();
        let b_join = tokio::spawn(async move {
            second
                .send_at(join("expiry", &b_id, 1000), 5)
                .await
                .unwrap()
        });
        while heartbeat(&c, "expiry", 1, &a_id).await != ErrorCode::RebalanceInProgress {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let a2 = c.send_at(join("expiry", &a_id, 1000), 5).await.unwrap();
        let b2 = b_join.await.unwrap();
        assert_eq!((a2.generation_id, b2.generation_id), (2, 2));
        let leader_sync = sync(&c, "expiry", 2, &a_id, &[]);
        let (error, _) = leader_sync.await;
        assert_eq!(error, ErrorCode::None);
        // B never heartbeats: A, heart-beating, learns of the rebalance within about B's session.
        let started = Instant::now();
        loop {
            let error = heartbeat(&c, "expiry", 2, &a_id).await;
            if error == ErrorCode::RebalanceInProgress {
                break;
            }
            assert_eq!(error, ErrorCode::None);
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "B was never expired"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let alone = c.send_at(join("expiry", &a_id, 1000), 5).await.unwrap();
        assert_eq!(
            (alone.error_code, alone.generation_id, alone.members.len()),
            (ErrorCode::None, 3, 1)
        );
        assert!(broker.output().contains(&format!(
            "Member {} in group expiry has failed, removing it from the group",
            b2.member_id
        )));
    });
}

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
fn a_static_member_rejoining_takes_over_without_a_rebalance() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "static").await;
        let mut request = join("static", "", 10_000);
        request.group_instance_id = Some("instance-1".into());
        // Static members get their id at once (no MEMBER_ID_REQUIRED), prefixed by the instance.
        let first = c.send_at(request.clone(), 5).await.unwrap();
        assert_eq!(
            (first.error_code, first.generation_id),
            (ErrorCode::None, 1)
        );
        assert!(
            first.member_id.starts_with("instance-1-"),
            "{}",
            first.member_id
        );
        let old_id = first.member_id.clone();
        let mut sync_request = SyncGroupRequest {
            group_id: "static".into(),
            generation_id: 1,
            member_id: old_id.clone(),
            group_instance_id: Some("instance-1".into()),
            assignments: vec![SyncGroupRequestAssignment {
                member_id: old_id.clone(),
                assignment: Bytes::from_static(b"mine"),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            c.send(sync_request.clone()).await.unwrap().error_code,
            ErrorCode::None
        );
        // The same instance restarts with no member id: same generation, new id, no rebalance.
        let again = c.send_at(request, 5).await.unwrap();
        assert_eq!(
            (again.error_code, again.generation_id),
            (ErrorCode::None, 1)
        );
        assert_ne!(again.member_id, old_id);
        assert_eq!(group_state(&c, "static").await, "Stable");
        sync_request.member_id = again.member_id.clone();
        sync_request.assignments.clear();
        let synced = c.send(sync_request).await.unwrap();
        assert_eq!(
            (synced.error_code, synced.assignment.as_ref()),
            (ErrorCode::None, &b"mine"[..])
        );
        // The old incarnation is fenced.
        let fenced = c
            .send(HeartbeatRequest {
                group_id: "static".into(),
                generation_id: 1,
                member_id: old_id.clone(),
                group_instance_id: Some("instance-1".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(fenced.error_code, ErrorCode::FencedInstanceId);
        // LeaveGroup v3 by instance id.
        let left = c
            .send(LeaveGroupRequest {
                group_id: "static".into(),
                members: vec![MemberIdentity {
                    member_id: String::new(),
                    group_instance_id: Some("instance-1".into()),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(left.members[0].error_code, ErrorCode::None);
        assert_eq!(group_state(&c, "static").await, "Empty");
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
fn a_member_that_does_not_rejoin_is_dropped_after_the_rebalance_timeout() {
    let Some(fixture) = fixture() else {
        return;
    };
    let broker = &fixture.broker;
    runtime().block_on(async {
        let c = ready(broker, &["events"], "slow").await;
        let mut request = join("slow", "", 10_000);
        request.rebalance_timeout_ms = 1500;
        let first = c.send_at(request.clone(), 2).await.unwrap();
        let a_id = first.member_id.clone();
        sync(&c, "slow", 1, &a_id, &[]).await;
        // B joins; A keeps heart-beating but never rejoins.
        let second = broker.connect().await;
        let started = Instant::now();
        let b_join = tokio::spawn(async move { second.send_at(request, 2).await.unwrap() });
        while !b_join.is_finished() {
            let error = heartbeat(&c, "slow", 1, &a_id).await;
            assert!(
                matches!(error, ErrorCode::None | ErrorCode::RebalanceInProgress),
                "{error:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "B waits forever for A"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let b = b_join.await.unwrap();
        assert_eq!(
            (b.error_code, b.generation_id, b.members.len()),
            (ErrorCode::None, 2, 1)
        );
        assert_eq!(b.leader, b.member_id);
        assert_eq!(
            heartbeat(&c, "slow", 1, &a_id).await,
            ErrorCode::UnknownMemberId
        );
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

/// Consumer-protocol Subscription v1 of `topics` (kafka-2.4.md §6.4).
fn subscription(topics: &[&str]) -> Bytes {
    let mut out = vec![0, 1];
    out.extend_from_slice(&(topics.len() as i32).to_be_bytes());
    for topic in topics {
        out.extend_from_slice(&(topic.len() as i16).to_be_bytes());
        out.extend_from_slice(topic.as_bytes());
    }
    out.extend_from_slice(&(-1i32).to_be_bytes());
    out.extend_from_slice(&0i32.to_be_bytes());
    Bytes::from(out)
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
