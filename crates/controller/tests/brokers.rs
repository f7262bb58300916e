//! Broker join and failure, preferred and unclean elections, log dir events
//! (kafka-2.4.md §2.3, §2.4).

mod common;

use common::*;
use gregor_zk::test_support::TestZooKeeper;

const STATE0: &str = "/brokers/topics/moving/partitions/0/state";
const STATE1: &str = "/brokers/topics/moving/partitions/1/state";

/// When a leader's broker dies, the first live ISR member in assignment order leads, the dead
/// broker leaves the ISR in ZooKeeper (leader epoch +1) and the survivors get LeaderAndIsr and
/// UpdateMetadata without it; a partition whose only replica died keeps its ISR with leader -1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_leader_is_replaced_and_leaves_the_isr() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let broker3 = FakeBroker::start(&zookeeper, 3).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create_topic(&admin, "moving", br#"{"version":2,"partitions":{"1":[2],"0":[2,3,1]},"adding_replicas":{},"removing_replicas":{}}"#, 2).await;
    assert_eq!(
        data(&admin, STATE0).await.unwrap(),
        r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}"#
    );

    broker2.kill().await;
    wait_until("partition 0 moved to broker 3", || async {
        data(&admin, STATE0).await.unwrap()
            == r#"{"controller_epoch":1,"leader":3,"version":1,"leader_epoch":1,"isr":[3,1]}"#
    })
    .await;
    wait_until(
        "partition 1 is leaderless with its last ISR member kept",
        || async {
            data(&admin, STATE1).await.unwrap()
                == r#"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":1,"isr":[2]}"#
        },
    )
    .await;
    for broker in [&broker1, &broker3] {
        wait_until("the survivors learn the new leader", || async {
            broker
                .leader_and_isr_states()
                .contains(&("moving".into(), 0, 3, 1, vec![3, 1], false))
        })
        .await;
        wait_until("UpdateMetadata lists only live brokers", || async {
            broker.update_metadata().last().is_some_and(|(_, request)| {
                request
                    .live_brokers
                    .iter()
                    .map(|b| b.id)
                    .collect::<Vec<_>>()
                    == vec![1, 3]
            })
        })
        .await;
    }

    // The broker comes back: it gets every partition state and its replicas' LeaderAndIsr,
    // and partition 1 gets a leader again.
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    wait_until("partition 1 is led by broker 2 again", || async {
        data(&admin, STATE1).await.unwrap()
            == r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":2,"isr":[2]}"#
    })
    .await;
    wait_until("the returning broker learns its partitions", || async {
        let states = broker2.leader_and_isr_states();
        states
            .iter()
            .any(|s| s.0 == "moving" && s.1 == 0 && s.2 == 3)
            && states
                .iter()
                .any(|s| s.0 == "moving" && s.1 == 1 && s.2 == 2)
    })
    .await;
    controller.shutdown().await;
}

/// With auto.leader.rebalance.enable, leadership returns to the preferred replica once it is
/// back in the ISR (leader.imbalance.per.broker.percentage exceeded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_rebalance_moves_leadership_back_to_the_preferred_replica() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_controller(&broker2, |config| {
        config.auto_leader_rebalance_enable = true;
        config.leader_imbalance_check_interval_seconds = 1;
    });
    wait_active(&controller).await;
    let admin = connect(&zookeeper).await;
    // Broker 1 is preferred, but broker 2 leads (as after broker 1 restarted).
    create_topic(
        &admin,
        "moving",
        br#"{"version":2,"partitions":{"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#,
        1,
    )
    .await;
    wait_until("the preferred replica leads", || async {
        data(&admin, STATE0)
            .await
            .unwrap()
            .contains(r#""leader":1,"#)
    })
    .await;
    let moved = r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":1,"isr":[1,2]}"#;
    let (_, stat) = admin.get_data(STATE0).await.unwrap().unwrap();
    admin
        .raw()
        .set_data(STATE0, moved.as_bytes(), Some(stat.version))
        .await
        .unwrap();
    // The controller learns the new leadership through an ISR change notification.
    create(
        &admin,
        "/isr_change_notification/isr_change_0000000000",
        br#"{"version":1,"partitions":[{"topic":"moving","partition":0}]}"#,
    )
    .await;
    wait_until(
        "the rebalance moves leadership back to broker 1",
        || async {
            data(&admin, STATE0).await.unwrap()
                == r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":2,"isr":[1,2]}"#
        },
    )
    .await;
    drop(broker1);
    controller.shutdown().await;
}

/// `/admin/preferred_replica_election` (kafka-preferred-replica-election.sh --zookeeper)
/// moves leadership to the first assigned replica and is deleted when handled; a log dir
/// event makes the controller resend LeaderAndIsr to that broker's replicas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_election_and_log_dir_event_znodes_are_handled_and_deleted() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create_topic(
        &admin,
        "moving",
        br#"{"version":2,"partitions":{"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#,
        1,
    )
    .await;
    let moved = r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":1,"isr":[1,2]}"#;
    admin
        .raw()
        .set_data(STATE0, moved.as_bytes(), Some(0))
        .await
        .unwrap();
    create(
        &admin,
        "/isr_change_notification/isr_change_0000000000",
        br#"{"version":1,"partitions":[{"topic":"moving","partition":0}]}"#,
    )
    .await;
    wait_until("the controller saw the change", || async {
        admin
            .get_children("/isr_change_notification")
            .await
            .unwrap()
            .is_empty()
    })
    .await;

    create(&admin, "/admin/preferred_replica_election", br#"{"version":1,"partitions":[{"topic":"moving","partition":0},{"topic":"unknown","partition":3}]}"#).await;
    wait_until("the request is handled and deleted", || async {
        !exists(&admin, "/admin/preferred_replica_election").await
    })
    .await;
    assert_eq!(
        data(&admin, STATE0).await.unwrap(),
        r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":2,"isr":[1,2]}"#
    );

    let before = broker2.leader_and_isr().len();
    create(
        &admin,
        "/log_dir_event_notification/log_dir_event_0000000000",
        br#"{"version":1,"broker":2,"event":1}"#,
    )
    .await;
    wait_until("the event is deleted", || async {
        admin
            .get_children("/log_dir_event_notification")
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    wait_until(
        "broker 2 gets LeaderAndIsr for its replicas again",
        || async { broker2.leader_and_isr().len() > before },
    )
    .await;
    controller.shutdown().await;
}

/// Unclean election follows the topic's `unclean.leader.election.enable` override in
/// `/config/topics/<t>`: with it, a live replica outside the ISR leads (ISR = [leader]);
/// without it (broker default false) the partition stays leaderless with its ISR kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclean_election_follows_the_topic_config() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/config/topics/dirty",
        br#"{"version":1,"config":{"unclean.leader.election.enable":"true"}}"#,
    )
    .await;
    for topic in ["clean", "dirty"] {
        let assignment = br#"{"version":2,"partitions":{"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#;
        create_topic(&admin, topic, assignment, 1).await;
        let state = format!("/brokers/topics/{topic}/partitions/0/state");

        // The leader shrinks the ISR to itself.
        let shrunk = br#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2]}"#;
        admin.raw().set_data(&state, shrunk, Some(0)).await.unwrap();
    }
    create(&admin, "/isr_change_notification/isr_change_0000000000", br#"{"version":1,"partitions":[{"topic":"clean","partition":0},{"topic":"dirty","partition":0}]}"#).await;
    wait_until("the controller saw the ISR changes", || async {
        admin
            .get_children("/isr_change_notification")
            .await
            .unwrap()
            .is_empty()
    })
    .await;

    broker2.kill().await;
    wait_until("the dirty topic elects broker 1 uncleanly", || async {
        data(&admin, "/brokers/topics/dirty/partitions/0/state")
            .await
            .unwrap()
            == r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#
    })
    .await;
    wait_until("the clean topic stays leaderless", || async {
        data(&admin, "/brokers/topics/clean/partitions/0/state")
            .await
            .unwrap()
            == r#"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":1,"isr":[2]}"#
    })
    .await;
    controller.shutdown().await;
}

/// A replica answered with KAFKA_STORAGE_ERROR (its log dir failed) is offline: leadership
/// moves to another ISR member and the broker leaves the partition's ISR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_on_a_failed_log_dir_loses_leadership() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    broker2
        .recorder
        .storage_errors
        .lock()
        .unwrap()
        .push(("disk".into(), 0));
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(&admin, "/brokers/topics/disk", br#"{"version":2,"partitions":{"1":[2,1],"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#).await;
    wait_until("partition 0 moves to broker 1", || async {
        data(&admin, "/brokers/topics/disk/partitions/0/state")
            .await
            .as_deref()
            == Some(r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#)
    })
    .await;
    assert_eq!(
        data(&admin, "/brokers/topics/disk/partitions/1/state")
            .await
            .unwrap(),
        r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,1]}"#,
        "the healthy partition keeps its leader"
    );
    wait_until(
        "UpdateMetadata lists broker 2 as an offline replica of partition 0",
        || async {
            broker1.update_metadata().iter().any(|(_, request)| {
                request.topic_states.iter().any(|t| {
                    t.partition_states
                        .iter()
                        .any(|p| p.partition_index == 0 && p.offline_replicas == vec![2])
                })
            })
        },
    )
    .await;
    controller.shutdown().await;
}
