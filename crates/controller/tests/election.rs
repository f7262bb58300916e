//! Election, epochs and fencing (kafka-2.4.md §2.1) against a real ZooKeeper.

mod common;

use common::*;
use gregor_controller::fenced::{FencedError, FencedZk};
use gregor_zk::test_support::TestZooKeeper;

/// One of two brokers wins: `/controller` names it, `/controller_epoch` is 1; when the winner's
/// session closes, the other takes over with epoch 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_controllers_wins_and_the_other_takes_over_with_the_next_epoch() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller1 = start_controller(&broker1, |_| {});
    let controller2 = start_controller(&broker2, |_| {});
    wait_until("one controller is active", || async {
        controller1.is_active() || controller2.is_active()
    })
    .await;
    let (winner, loser, loser_broker, winner_broker) = if controller1.is_active() {
        (controller1, controller2, broker2, broker1)
    } else {
        (controller2, controller1, broker1, broker2)
    };
    assert!(!loser.is_active(), "exactly one controller is active");
    assert_eq!(winner.epoch(), 1);
    let observer = connect(&zookeeper).await;
    let controller_json = data(&observer, "/controller").await.unwrap();
    assert!(
        controller_json.starts_with(&format!(
            r#"{{"version":1,"brokerid":{},"timestamp":""#,
            winner_broker.id
        )),
        "{controller_json}"
    );
    assert_eq!(data(&observer, "/controller_epoch").await.unwrap(), "1");
    wait_until("the loser learns who the controller is", || async {
        loser.controller_id() == Some(winner_broker.id)
    })
    .await;

    winner.shutdown().await;
    winner_broker.kill().await;
    wait_active(&loser).await;
    assert_eq!(loser.epoch(), 2);
    assert_eq!(loser.controller_id(), Some(loser_broker.id));
    assert_eq!(data(&observer, "/controller_epoch").await.unwrap(), "2");
    let controller_json = data(&observer, "/controller").await.unwrap();
    assert!(controller_json.contains(&format!(r#""brokerid":{}"#, loser_broker.id)));
    loser.shutdown().await;
}

/// Every controller write is a multi-op checking `/controller_epoch`'s version: once another
/// controller bumped the epoch, the stale controller's writes fail and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_controller_write_is_refused_after_the_epoch_moved() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let first = connect(&zookeeper).await;
    let (epoch, version) = first
        .register_controller_and_increment_controller_epoch(1)
        .await
        .unwrap();
    assert_eq!(epoch.0, 1);
    let stale = FencedZk {
        zk: first.clone(),
        epoch_zk_version: version,
    };
    stale.create("/fenced-before", b"x").await.unwrap();
    let stale_version = stale.epoch_zk_version;
    drop(stale);
    first.close().await;

    let second = connect(&zookeeper).await;
    let (epoch, version) = second
        .register_controller_and_increment_controller_epoch(2)
        .await
        .unwrap();
    assert_eq!(epoch.0, 2);
    let current = FencedZk {
        zk: second.clone(),
        epoch_zk_version: version,
    };
    let stale = FencedZk {
        zk: second.clone(),
        epoch_zk_version: stale_version,
    };

    let refused = stale.create("/fenced-after", b"x").await.unwrap_err();
    assert!(
        matches!(refused, FencedError::ControllerMoved),
        "{refused:?}"
    );
    assert!(!exists(&second, "/fenced-after").await);
    assert!(matches!(
        stale.delete("/fenced-before").await,
        Err(FencedError::ControllerMoved)
    ));
    assert!(exists(&second, "/fenced-before").await);

    current.create("/fenced-after", b"y").await.unwrap();
    assert_eq!(data(&second, "/fenced-after").await.unwrap(), "y");
}

/// On ZooKeeper session expiry the controller resigns; once the broker hands over a new
/// session (after re-registering), it runs the election again and becomes controller with the
/// next epoch, sending requests to its own broker again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_expiry_resigns_and_a_new_session_reelects() {
    // A 100 ms tick allows a 1 s session, so a ZooKeeper outage expires it quickly.
    let Some(mut zookeeper) = TestZooKeeper::start_with_tick_time_ms_or_skip(100) else {
        return;
    };
    let broker = FakeBroker::start_with_session_timeout(&zookeeper, 1, 1_000).await;
    let controller = start_active_controller(&broker, |_| {}).await;
    assert_eq!(controller.epoch(), 1);

    zookeeper.kill();
    wait_until("the controller resigns", || async {
        !controller.is_active()
    })
    .await;
    assert_eq!(controller.controller_id(), None);
    zookeeper.restart().unwrap();

    let session = connect_with_session_timeout(&zookeeper, 6_000).await;
    wait_until("the expired registration is gone", || async {
        !exists(&session, "/brokers/ids/1").await
    })
    .await;
    session
        .register_broker(&broker_info(1, broker.port))
        .await
        .unwrap();
    let before = broker.update_metadata().len();
    controller.new_session(session.clone()).await.unwrap();
    wait_active(&controller).await;
    assert_eq!(controller.epoch(), 2);
    assert_eq!(data(&session, "/controller_epoch").await.unwrap(), "2");
    wait_until("the new controller talks to its own broker", || async {
        broker.update_metadata().len() > before
    })
    .await;
    controller.shutdown().await;
}

/// A controller taking over loads existing topics, elects new leaders for partitions whose
/// leader died with it (state written with its epoch), and tells every live replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_loads_topics_and_moves_leadership_of_the_dead_controller() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let broker1 = FakeBroker::start(&zookeeper, 1).await;
    let broker2 = FakeBroker::start(&zookeeper, 2).await;
    let controller1 = start_active_controller(&broker1, |_| {}).await;
    let controller2 = start_controller(&broker2, |_| {});
    let admin = connect(&zookeeper).await;
    create(&admin, "/brokers/topics/kept", br#"{"version":2,"partitions":{"1":[2,1],"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}"#).await;
    let state0 = "/brokers/topics/kept/partitions/0/state";
    wait_until("the topic is created", || async {
        exists(&admin, state0).await
    })
    .await;

    controller1.shutdown().await;
    broker1.kill().await;
    wait_active(&controller2).await;
    assert_eq!(controller2.epoch(), 2);
    // Leader epoch 2, as in Kafka 2.4: start-up first takes dead broker 1 out of the ISR
    // (OfflineReplica: leader -1, epoch 1), then the offline election makes 2 leader (epoch 2).
    wait_until("partition 0 is led by broker 2 under epoch 2", || async {
        data(&admin, state0).await.unwrap()
            == r#"{"controller_epoch":2,"leader":2,"version":1,"leader_epoch":2,"isr":[2]}"#
    })
    .await;
    wait_until(
        "broker 2 learns both partitions from the new controller",
        || async {
            let requests = broker2.leader_and_isr();
            let from_epoch2: Vec<_> = requests
                .iter()
                .filter(|(_, r)| r.controller_epoch == 2)
                .flat_map(|(_, r)| r.topic_states.iter())
                .flat_map(|t| {
                    t.partition_states
                        .iter()
                        .map(|p| (p.partition_index, p.leader))
                })
                .collect();
            from_epoch2.contains(&(0, 2)) && from_epoch2.contains(&(1, 2))
        },
    )
    .await;
    controller2.shutdown().await;
}
