//! Topic creation, partition addition and ISR change notifications (kafka-2.4.md §2.5, §2.6)
//! against a real ZooKeeper and fake brokers.

mod common;

use std::collections::BTreeSet;

use common::*;
use gregor_zk::test_support::TestZooKeeper;

const TOPIC_JSON: &[u8] =
    br#"{"version":2,"partitions":{"1":[2,3],"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#;

/// Partitions named in a broker's LeaderAndIsr requests.
fn partitions(broker: &FakeBroker) -> BTreeSet<(String, i32)> {
    broker
        .leader_and_isr_states()
        .into_iter()
        .map(|(topic, partition, ..)| (topic, partition))
        .collect()
}

fn set(items: &[(&str, i32)]) -> BTreeSet<(String, i32)> {
    items.iter().map(|(t, p)| (t.to_string(), *p)).collect()
}

/// A topic znode written directly (as `kafka-topics --zookeeper` does) makes the controller
/// write each partition's state znode with Kafka's exact JSON and send LeaderAndIsr (only that
/// broker's partitions, is_new) and UpdateMetadata to every broker — its own too, over TCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_topic_gets_state_znodes_leader_and_isr_and_update_metadata() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let brokers = [
        FakeBroker::start(&zookeeper, 1).await,
        FakeBroker::start(&zookeeper, 2).await,
        FakeBroker::start(&zookeeper, 3).await,
    ];
    let controller = start_controller(&brokers[0], |_| {});
    wait_active(&controller).await;
    let admin = connect(&zookeeper).await;
    create(&admin, "/brokers/topics/first", TOPIC_JSON).await;

    let state0 = "/brokers/topics/first/partitions/0/state";
    let state1 = "/brokers/topics/first/partitions/1/state";
    wait_until("both state znodes exist", || async {
        exists(&admin, state0).await && exists(&admin, state1).await
    })
    .await;
    assert_eq!(
        data(&admin, state0).await.unwrap(),
        r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#
    );
    assert_eq!(
        data(&admin, state1).await.unwrap(),
        r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3]}"#
    );

    wait_until("every broker got its LeaderAndIsr", || async {
        partitions(&brokers[0]) == set(&[("first", 0)])
            && partitions(&brokers[1]) == set(&[("first", 0), ("first", 1)])
            && partitions(&brokers[2]) == set(&[("first", 1)])
    })
    .await;
    for broker in &brokers {
        for (version, request) in broker.leader_and_isr() {
            assert_eq!(version, 4, "IBP 2.4 sends LeaderAndIsr v4");
            assert_eq!((request.controller_id, request.controller_epoch), (1, 1));
            assert_eq!(
                request.broker_epoch, broker.epoch,
                "the target broker's czxid"
            );
            let leaders: Vec<i32> = request.live_leaders.iter().map(|l| l.broker_id).collect();
            for topic in &request.topic_states {
                for state in &topic.partition_states {
                    assert!(state.is_new);
                    assert_eq!(state.zk_version, 0);
                    assert_eq!(state.controller_epoch, 1);
                    assert!(
                        leaders.contains(&state.leader),
                        "live leaders name the leader"
                    );
                    let port = request
                        .live_leaders
                        .iter()
                        .find(|l| l.broker_id == state.leader)
                        .unwrap()
                        .port;
                    assert_eq!(port, i32::from(brokers[(state.leader - 1) as usize].port));
                }
            }
        }
    }
    let states = brokers[1].leader_and_isr_states();
    assert!(
        states.contains(&("first".into(), 0, 1, 0, vec![1, 2], true)),
        "{states:?}"
    );
    assert!(
        states.contains(&("first".into(), 1, 2, 0, vec![2, 3], true)),
        "{states:?}"
    );

    wait_until(
        "every broker got UpdateMetadata with both partitions",
        || async {
            brokers.iter().all(|broker| {
                broker.update_metadata().iter().any(|(_, request)| {
                    request
                        .topic_states
                        .iter()
                        .any(|t| t.topic_name == "first" && t.partition_states.len() == 2)
                })
            })
        },
    )
    .await;
    for broker in &brokers {
        let (version, request) = broker.update_metadata().pop().unwrap();
        assert_eq!(version, 6, "IBP 2.4 sends UpdateMetadata v6");
        let ids: Vec<i32> = request.live_brokers.iter().map(|b| b.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(
            request.live_brokers[2].endpoints[0].port,
            i32::from(brokers[2].port)
        );
        assert_eq!(request.live_brokers[2].endpoints[0].listener, "PLAINTEXT");
    }
    controller.shutdown().await;
}

/// Rewriting the topic znode with more partitions (`--alter --partitions`) creates the new
/// partitions' state znodes and sends LeaderAndIsr with is_new for them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_partitions_get_state_and_leader_and_isr() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/brokers/topics/grow",
        br#"{"version":2,"partitions":{"0":[1]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    wait_until("partition 0 is created", || async {
        exists(&admin, "/brokers/topics/grow/partitions/0/state").await
    })
    .await;

    let grown = br#"{"version":2,"partitions":{"1":[2,1],"0":[1]},"adding_replicas":{},"removing_replicas":{}}"#;
    admin
        .raw()
        .set_data("/brokers/topics/grow", grown, None)
        .await
        .unwrap();
    wait_until("partition 1 is created", || async {
        exists(&admin, "/brokers/topics/grow/partitions/1/state").await
    })
    .await;
    assert_eq!(
        data(&admin, "/brokers/topics/grow/partitions/1/state")
            .await
            .unwrap(),
        r#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,1]}"#
    );
    wait_until("broker 2 leads the new partition", || async {
        broker2
            .leader_and_isr_states()
            .contains(&("grow".into(), 1, 2, 0, vec![2, 1], true))
    })
    .await;
    assert!(
        !partitions(&broker2).contains(&("grow".to_string(), 0)),
        "broker 2 holds no replica of partition 0"
    );
    controller.shutdown().await;
}

/// A leader's ISR change (state znode rewritten + `/isr_change_notification/isr_change_N`)
/// makes the controller send UpdateMetadata with the new ISR and delete the notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isr_change_notifications_are_propagated_and_deleted() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/brokers/topics/isr",
        br#"{"version":2,"partitions":{"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    let state = "/brokers/topics/isr/partitions/0/state";
    wait_until("the partition is created", || async {
        exists(&admin, state).await
    })
    .await;

    // The leader (broker 1) shrinks the ISR itself, conditionally on version 0.
    let shrunk = br#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#;
    admin.raw().set_data(state, shrunk, Some(0)).await.unwrap();
    create(
        &admin,
        "/isr_change_notification/isr_change_0000000000",
        br#"{"version":1,"partitions":[{"topic":"isr","partition":0}]}"#,
    )
    .await;

    wait_until("the notification is deleted", || async {
        admin
            .get_children("/isr_change_notification")
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    for broker in [&broker1, &broker2] {
        wait_until("UpdateMetadata carries the shrunk ISR", || async {
            broker.update_metadata().iter().any(|(_, request)| {
                request.topic_states.iter().any(|t| {
                    t.topic_name == "isr"
                        && t.partition_states
                            .iter()
                            .any(|p| p.isr == vec![1] && p.zk_version == 1)
                })
            })
        })
        .await;
    }
    controller.shutdown().await;
}

/// The channel resends a request until the broker answers it: a broker that drops the
/// connection on its first control requests still ends up with its LeaderAndIsr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_resent_after_the_broker_drops_the_connection() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    broker2
        .recorder
        .refuse_count
        .store(3, std::sync::atomic::Ordering::SeqCst);
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/brokers/topics/retried",
        br#"{"version":2,"partitions":{"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    wait_until("broker 2 finally gets its LeaderAndIsr", || async {
        broker2
            .leader_and_isr_states()
            .contains(&("retried".into(), 0, 2, 0, vec![2, 1], true))
    })
    .await;
    assert_eq!(
        broker2
            .recorder
            .refuse_count
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the refused requests were really refused"
    );
    controller.shutdown().await;
}

/// A partition whose replicas are all down stays New (no state znode); it gets its first
/// leader when one of its brokers registers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_without_live_replicas_is_created_when_its_broker_arrives() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(&admin, "/brokers/topics/later", br#"{"version":2,"partitions":{"1":[1],"0":[9]},"adding_replicas":{},"removing_replicas":{}}"#).await;
    let state0 = "/brokers/topics/later/partitions/0/state";
    wait_until("partition 1 is created", || async {
        exists(&admin, "/brokers/topics/later/partitions/1/state").await
    })
    .await;
    assert!(
        !exists(&admin, state0).await,
        "no replica of partition 0 is alive"
    );

    let broker9 = FakeBroker::start(&zookeeper, 9).await;
    wait_until("partition 0 gets broker 9 as leader", || async {
        data(&admin, state0).await.as_deref()
            == Some(r#"{"controller_epoch":1,"leader":9,"version":1,"leader_epoch":0,"isr":[9]}"#)
    })
    .await;
    wait_until("broker 9 is told to lead it", || async {
        broker9
            .leader_and_isr_states()
            .contains(&("later".into(), 0, 9, 0, vec![9], true))
    })
    .await;
    controller.shutdown().await;
}
