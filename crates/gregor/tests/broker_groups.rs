//! The group coordinator's membership through the wire protocol against the real broker
//! binary on a real ZooKeeper (kafka-2.4.md §6): a member's whole life, Kafka's error codes for
//! bad input, session and rebalance timeouts, static membership.

mod broker_harness;
mod group_harness;

use std::time::{Duration, Instant};

use broker_harness::runtime;
use bytes::Bytes;
use gregor_protocol::*;
use group_harness::*;

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
