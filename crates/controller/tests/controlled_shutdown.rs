//! Controlled shutdown (kafka-2.4.md §2.4): the controller moves leadership away from a
//! broker that asks to stop and answers with what it still leads.

mod common;

use common::*;
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::TopicPartition;

const STATE0: &str = "/brokers/topics/moving/partitions/0/state";
const STATE1: &str = "/brokers/topics/moving/partitions/1/state";

/// ControlledShutdown moves leadership of replicated partitions away from the broker, removes
/// it from the ISR, and answers with the partitions it still leads (none here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controlled_shutdown_moves_leadership_away() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create_topic(&admin, "moving", br#"{"version":2,"partitions":{"1":[1,2],"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#, 2).await;

    let stale = controller
        .controlled_shutdown(2, broker2.epoch - 1)
        .await
        .unwrap_err();
    assert_eq!(
        stale.error_code(),
        gregor_protocol::ErrorCode::StaleBrokerEpoch
    );
    let unknown = controller.controlled_shutdown(7, -1).await.unwrap_err();
    assert_eq!(
        unknown.error_code(),
        gregor_protocol::ErrorCode::BrokerNotAvailable
    );

    let remaining = controller
        .controlled_shutdown(2, broker2.epoch)
        .await
        .unwrap();
    assert_eq!(remaining, Vec::<TopicPartition>::new());
    assert_eq!(
        data(&admin, STATE0).await.unwrap(),
        r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#
    );
    assert_eq!(
        data(&admin, STATE1).await.unwrap(),
        r#"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#
    );
    wait_until("broker 2 is told to stop following partition 1", || async {
        broker2.stop_replica().iter().any(|(_, request)| {
            !request.delete_partitions
                && request
                    .topics
                    .iter()
                    .any(|t| t.name == "moving" && t.partition_indexes.contains(&1))
        })
    })
    .await;
    controller.shutdown().await;
}

/// ControlledShutdown answers with the replicated partitions the broker still leads: one whose
/// only ISR member is the broker cannot move; single-replica partitions are not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controlled_shutdown_reports_partitions_that_cannot_move() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/brokers/topics/stuck",
        br#"{"version":2,"partitions":{"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    create(
        &admin,
        "/brokers/topics/single",
        br#"{"version":2,"partitions":{"0":[2]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    let stuck = "/brokers/topics/stuck/partitions/0/state";
    wait_until("the partitions are created", || async {
        exists(&admin, stuck).await
            && exists(&admin, "/brokers/topics/single/partitions/0/state").await
    })
    .await;
    let shrunk = br#"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2]}"#;
    admin.raw().set_data(stuck, shrunk, Some(0)).await.unwrap();
    create(
        &admin,
        "/isr_change_notification/isr_change_0000000000",
        br#"{"version":1,"partitions":[{"topic":"stuck","partition":0}]}"#,
    )
    .await;
    wait_until("the controller saw the ISR change", || async {
        admin
            .get_children("/isr_change_notification")
            .await
            .unwrap()
            .is_empty()
    })
    .await;

    let remaining = controller
        .controlled_shutdown(2, broker2.epoch)
        .await
        .unwrap();
    assert_eq!(
        remaining,
        vec![TopicPartition {
            topic: "stuck".into(),
            partition: 0
        }]
    );
    assert_eq!(
        data(&admin, stuck).await.unwrap(),
        std::str::from_utf8(shrunk).unwrap()
    );
    controller.shutdown().await;
}
