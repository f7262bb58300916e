//! What the group coordinator's process tests share: a broker with quick group settings on
//! its own ZooKeeper, and one function per group request.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use crate::broker_harness::Broker;
use bytes::Bytes;
use gregor_client::BrokerConnection;
use gregor_protocol::{
    DescribeGroupsRequest, ErrorCode, FindCoordinatorRequest, HeartbeatRequest, JoinGroupRequest,
    JoinGroupRequestProtocol, JoinGroupResponse, OffsetCommitRequest, OffsetCommitRequestPartition,
    OffsetCommitRequestTopic, OffsetFetchRequest, OffsetFetchRequestTopic, OffsetFetchResponse,
    SyncGroupRequest, SyncGroupRequestAssignment,
};
use gregor_zk::test_support::TestZooKeeper;

/// How long a client-side wait may take.
pub const CLIENT_WAIT: Duration = Duration::from_secs(30);

/// Overrides that keep the tests quick: no initial delay, short sessions allowed.
pub const FAST: &[(&str, &str)] = &[
    ("group.initial.rebalance.delay.ms", "0"),
    ("group.min.session.timeout.ms", "500"),
    ("offsets.topic.num.partitions", "5"),
];

/// FindCoordinator until the offsets topic exists and has a leader.
pub async fn coordinator(connection: &BrokerConnection, group: &str) {
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
pub struct Fixture {
    /// Killed first when the fixture is dropped.
    pub broker: Broker,
    pub zk: TestZooKeeper,
    pub _dir: tempfile::TempDir,
}

/// The fixture, or `None` (the test skips) without ZooKeeper.
pub fn fixture() -> Option<Fixture> {
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
pub async fn ready(broker: &Broker, topics: &[&str], group: &str) -> BrokerConnection {
    broker.wait_for_leaders(topics).await;
    let connection = broker.connect().await;
    coordinator(&connection, group).await;
    connection
}

pub fn join(group: &str, member_id: &str, session_timeout_ms: i32) -> JoinGroupRequest {
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
pub async fn join_as_new_member(
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

pub async fn sync(
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

pub async fn heartbeat(
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
pub async fn commit(
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

pub async fn fetch_offsets(
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
pub async fn fetch_offsets_when_loaded(
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

pub async fn group_state(connection: &BrokerConnection, group: &str) -> String {
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

/// Consumer-protocol Subscription v1 of `topics` (kafka-2.4.md §6.4).
pub fn subscription(topics: &[&str]) -> Bytes {
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
