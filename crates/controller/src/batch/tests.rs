//! What the batch builds from the context (kafka-2.4.md §2.8).

use std::collections::BTreeSet;

use gregor_zk::{BrokerInfo, EndPoint, LeaderIsrAndControllerEpoch, TopicPartition};

use super::*;
use crate::context::LiveBroker;

fn live(id: i32, port: i32, epoch: i64) -> LiveBroker {
    LiveBroker {
        info: BrokerInfo {
            broker_id: id,
            endpoints: vec![EndPoint::plaintext("h", port)],
            rack: None,
            jmx_port: -1,
            timestamp_ms: 0,
        },
        epoch,
    }
}

fn partition() -> TopicPartition {
    TopicPartition {
        topic: "t".into(),
        partition: 0,
    }
}

/// Brokers 1 and 2 live (3 dead); t-0 on [1,2,3] led by 1 with ISR [1,2] at zkVersion 3.
fn context() -> (ControllerContext, Leadership) {
    let mut ctx = ControllerContext {
        epoch: 7,
        ..Default::default()
    };
    ctx.live_brokers.insert(1, live(1, 9091, 100));
    ctx.live_brokers.insert(2, live(2, 9092, 200));
    ctx.assignments
        .entry("t".into())
        .or_default()
        .insert(0, vec![1, 2, 3]);
    let leadership = Leadership {
        state: LeaderIsrAndControllerEpoch {
            leader: 1,
            leader_epoch: 4,
            isr: vec![1, 2],
            controller_epoch: 6,
        },
        zk_version: 3,
    };
    ctx.leadership.insert(partition(), leadership.clone());
    (ctx, leadership)
}

#[test]
fn leader_and_isr_goes_to_the_named_brokers_and_metadata_to_every_live_broker() {
    let (ctx, leadership) = context();
    let mut batch = RequestBatch::default();
    batch.add_leader_and_isr(&ctx, &[1, 2], &partition(), &leadership, true);
    let state = &batch.leader_and_isr[&2][&partition()];
    assert_eq!(
        (
            state.leader,
            state.leader_epoch,
            state.zk_version,
            state.controller_epoch
        ),
        (1, 4, 3, 6)
    );
    assert_eq!(state.replicas, vec![1, 2, 3]);
    assert!(state.is_new);
    assert_eq!(batch.update_metadata_brokers, BTreeSet::from([1, 2]));
    let metadata = &batch.update_metadata_partitions[&partition()];
    assert_eq!(metadata.offline_replicas, vec![3], "broker 3 is not live");

    // A later is_new=false for the same partition keeps is_new (Kafka's `alreadyNew`).
    batch.add_leader_and_isr(&ctx, &[2], &partition(), &leadership, false);
    assert!(batch.leader_and_isr[&2][&partition()].is_new);

    let request = leader_and_isr_request(
        &ctx,
        1,
        "PLAINTEXT",
        2,
        batch.leader_and_isr.remove(&2).unwrap(),
    );
    assert_eq!(request.broker_epoch, 200, "the target broker's epoch");
    assert_eq!(request.controller_epoch, 7);
    assert_eq!(request.topic_states.len(), 1);
    let leaders: Vec<(i32, i32)> = request
        .live_leaders
        .iter()
        .map(|l| (l.broker_id, l.port))
        .collect();
    assert_eq!(leaders, vec![(1, 9091)]);
}

#[test]
fn partitions_of_topics_being_deleted_carry_leader_minus_two() {
    let (mut ctx, _) = context();
    ctx.topics_to_delete.insert("t".into());
    let mut batch = RequestBatch::default();
    batch.add_update_metadata(&ctx, &BTreeSet::from([1]), &[partition()]);
    let state = &batch.update_metadata_partitions[&partition()];
    assert_eq!(
        (state.leader, state.leader_epoch, state.zk_version),
        (LEADER_DURING_DELETE, 0, 0)
    );
    assert_eq!(state.isr, vec![1, 2]);
}

#[test]
fn partitions_without_leader_are_left_out_of_update_metadata() {
    let (mut ctx, _) = context();
    ctx.leadership.clear();
    let mut batch = RequestBatch::default();
    batch.add_update_metadata(&ctx, &BTreeSet::from([1, 2]), &[partition()]);
    assert!(batch.update_metadata_partitions.is_empty());
    assert_eq!(batch.update_metadata_brokers, BTreeSet::from([1, 2]));
}

#[test]
fn security_protocols_map_to_kafka_ids() {
    assert_eq!(security_protocol_id("PLAINTEXT"), 0);
    assert_eq!(security_protocol_id("SSL"), 1);
    assert_eq!(security_protocol_id("SASL_PLAINTEXT"), 2);
    assert_eq!(security_protocol_id("SASL_SSL"), 3);
}
