//! Topic deletion (kafka-2.4.md §2.7).

mod common;

use common::*;
use gregor_zk::test_support::TestZooKeeper;

const TOPIC: &[u8] =
    br#"{"version":2,"partitions":{"1":[2,1],"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#;

/// `/admin/delete_topics/<t>` with delete.topic.enable=true: brokers get UpdateMetadata with
/// leader -2, StopReplica(delete=false) then StopReplica(delete=true) for their replicas, and
/// the topic's znodes, config and deletion request disappear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_topic_stops_and_deletes_replicas_and_removes_its_znodes() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/config/topics/doomed",
        br#"{"version":1,"config":{}}"#,
    )
    .await;
    create_topic(&admin, "doomed", TOPIC, 2).await;

    create(&admin, "/admin/delete_topics/doomed", b"").await;
    wait_until("every znode of the topic is gone", || async {
        !exists(&admin, "/brokers/topics/doomed").await
            && !exists(&admin, "/config/topics/doomed").await
            && !exists(&admin, "/admin/delete_topics/doomed").await
    })
    .await;
    for broker in [&broker1, &broker2] {
        let stops = broker.stop_replica();
        assert!(
            stops.iter().all(|(version, _)| *version == 2),
            "IBP 2.4 sends StopReplica v2"
        );
        let first_delete = stops
            .iter()
            .position(|(_, r)| r.delete_partitions)
            .expect("a delete");
        let first_stop = stops
            .iter()
            .position(|(_, r)| !r.delete_partitions)
            .expect("a stop");
        assert!(
            first_stop < first_delete,
            "delete=false comes before delete=true: {stops:?}"
        );
        let deleted: Vec<i32> = stops
            .iter()
            .filter(|(_, r)| r.delete_partitions)
            .flat_map(|(_, r)| r.topics.iter())
            .filter(|t| t.name == "doomed")
            .flat_map(|t| t.partition_indexes.clone())
            .collect();
        assert_eq!(
            deleted,
            vec![0, 1],
            "one StopReplica(delete=true) for both partitions"
        );
        assert!(
            broker.update_metadata().iter().any(|(_, r)| r
                .topic_states
                .iter()
                .any(|t| t.topic_name == "doomed"
                    && t.partition_states.iter().all(|p| p.leader == -2))),
            "UpdateMetadata marks the partitions as being deleted"
        );
    }

    // The name can be used again right away.
    create(&admin, "/brokers/topics/doomed", TOPIC).await;
    wait_until("the re-created topic gets a leader", || async {
        exists(&admin, "/brokers/topics/doomed/partitions/0/state").await
    })
    .await;
    controller.shutdown().await;
}

/// With delete.topic.enable=false only the deletion request znode is removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_deletion_disabled_only_the_request_is_removed() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller =
        start_active_controller(&broker1, |config| config.delete_topic_enable = false).await;
    let admin = connect(&zookeeper).await;
    create(&admin, "/brokers/topics/kept", TOPIC).await;
    wait_until("the partitions are created", || async {
        exists(&admin, "/brokers/topics/kept/partitions/1/state").await
    })
    .await;
    create(&admin, "/admin/delete_topics/kept", b"").await;
    wait_until("the request is removed", || async {
        !exists(&admin, "/admin/delete_topics/kept").await
    })
    .await;
    assert!(exists(&admin, "/brokers/topics/kept/partitions/0/state").await);
    assert!(broker1.stop_replica().is_empty() && broker2.stop_replica().is_empty());
    controller.shutdown().await;
}

/// A broker that only knows Kafka 1.0's control API versions gets every request in the flat
/// (ungrouped) shape those versions carry, and topic deletion still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_broker_gets_requests_at_the_versions_it_supports() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let old = FakeBroker::start_old(&zookeeper, 2).await;
    let controller = start_active_controller(&broker1, |_| {}).await;
    let admin = connect(&zookeeper).await;
    create(
        &admin,
        "/brokers/topics/old",
        br#"{"version":2,"partitions":{"0":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#,
    )
    .await;
    wait_until("the old broker gets LeaderAndIsr v1", || async {
        old.leader_and_isr().iter().any(|(version, request)| {
            *version == 1
                && request.topic_states.is_empty()
                && request.ungrouped_partition_states.iter().any(|p| {
                    p.topic_name == "old" && p.partition_index == 0 && p.leader == 2 && p.is_new
                })
        })
    })
    .await;
    wait_until("the old broker gets UpdateMetadata v4", || async {
        old.update_metadata().iter().any(|(version, request)| {
            *version == 4
                && request
                    .ungrouped_partition_states
                    .iter()
                    .any(|p| p.topic_name == "old" && p.isr == vec![2, 1])
        })
    })
    .await;

    create(&admin, "/admin/delete_topics/old", b"").await;
    wait_until("the topic is deleted", || async {
        !exists(&admin, "/brokers/topics/old").await
    })
    .await;
    let stops = old.stop_replica();
    assert!(stops.iter().any(|(version, request)| *version == 0
        && request.delete_partitions
        && request
            .ungrouped_partitions
            .iter()
            .any(|p| p.topic_name == "old" && p.partition_index == 0)));
    controller.shutdown().await;
}
