//! Unit tests of `assignment`: Kafka's documented layouts and refusals.

use super::*;

fn brokers(ids: &[i32]) -> Vec<BrokerMetadata> {
    ids.iter().map(|id| BrokerMetadata::new(*id)).collect()
}

fn fixed(
    brokers: &[BrokerMetadata],
    partitions: i32,
    replication_factor: i32,
    start: usize,
) -> ReplicaAssignment {
    let mut rng = SeededRng::new(0);
    assign_replicas_to_brokers(
        brokers,
        partitions,
        replication_factor,
        Some(start),
        None,
        &mut rng,
    )
    .unwrap()
}

/// Kafka's AdminTest.testReplicaAssignment: 5 brokers, 10 partitions, RF 3, start 0 — the
/// second round shifts the followers (the AdminUtils scaladoc table).
#[test]
fn rack_unaware_matches_kafkas_documented_layout() {
    let expected: ReplicaAssignment = BTreeMap::from([
        (0, vec![0, 1, 2]),
        (1, vec![1, 2, 3]),
        (2, vec![2, 3, 4]),
        (3, vec![3, 4, 0]),
        (4, vec![4, 0, 1]),
        (5, vec![0, 2, 3]),
        (6, vec![1, 3, 4]),
        (7, vec![2, 4, 0]),
        (8, vec![3, 0, 1]),
        (9, vec![4, 1, 2]),
    ]);
    assert_eq!(fixed(&brokers(&[0, 1, 2, 3, 4]), 10, 3, 0), expected);
}

/// kafka-2.4.md §2.9's example: brokers [1,2,3], 3 partitions, RF 3, start 0.
#[test]
fn reference_example_three_brokers() {
    let expected: ReplicaAssignment =
        BTreeMap::from([(0, vec![1, 2, 3]), (1, vec![2, 3, 1]), (2, vec![3, 1, 2])]);
    assert_eq!(fixed(&brokers(&[1, 2, 3]), 3, 3, 0), expected);
}

/// The AdminUtils scaladoc's rack-aware example: racks 0→1, 1→3, 2→3, 3→2, 4→2, 5→1 give
/// the alternated list 0,3,1,5,4,2; partition 6 shifts its followers to 0,4,2.
#[test]
fn rack_aware_matches_kafkas_scaladoc() {
    let racks = [
        (0, "rack1"),
        (1, "rack3"),
        (2, "rack3"),
        (3, "rack2"),
        (4, "rack2"),
        (5, "rack1"),
    ];
    let rack_of: BTreeMap<i32, String> = racks
        .iter()
        .map(|(id, rack)| (*id, rack.to_string()))
        .collect();
    assert_eq!(
        rack_alternated_broker_list(&rack_of),
        vec![0, 3, 1, 5, 4, 2]
    );
    let metadata: Vec<BrokerMetadata> = racks
        .iter()
        .map(|(id, rack)| BrokerMetadata::with_rack(*id, *rack))
        .collect();
    let assignment = fixed(&metadata, 7, 3, 0);
    assert_eq!(assignment[&0], vec![0, 3, 1]);
    assert_eq!(assignment[&1], vec![3, 1, 5]);
    assert_eq!(assignment[&2], vec![1, 5, 4]);
    assert_eq!(assignment[&3], vec![5, 4, 2]);
    assert_eq!(assignment[&4], vec![4, 2, 0]);
    assert_eq!(assignment[&5], vec![2, 0, 3]);
    assert_eq!(assignment[&6], vec![0, 4, 2]);
}

#[test]
fn rack_alternation_takes_one_broker_per_rack_in_turn() {
    let rack_of: BTreeMap<i32, String> = [
        (0, "rack1"),
        (1, "rack1"),
        (2, "rack1"),
        (3, "rack2"),
        (4, "rack2"),
        (5, "rack2"),
        (6, "rack3"),
        (7, "rack3"),
        (8, "rack3"),
    ]
    .iter()
    .map(|(id, rack)| (*id, rack.to_string()))
    .collect();
    assert_eq!(
        rack_alternated_broker_list(&rack_of),
        vec![0, 3, 6, 1, 4, 7, 2, 5, 8]
    );
}

#[test]
fn refuses_what_kafka_refuses_with_its_messages() {
    let mut rng = SeededRng::new(1);
    let one = brokers(&[1001]);
    let error = assign_replicas_to_brokers(&one, 1, 3, None, None, &mut rng).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Replication factor: 3 larger than available brokers: 1."
    );
    assert_eq!(error.kafka_error_code(), 38);
    let error = assign_replicas_to_brokers(&one, 0, 1, None, None, &mut rng).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Number of partitions must be larger than 0."
    );
    let error = assign_replicas_to_brokers(&one, 1, 0, None, None, &mut rng).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Replication factor must be larger than 0."
    );
    let mixed = vec![BrokerMetadata::with_rack(1, "a"), BrokerMetadata::new(2)];
    let error = assign_replicas_to_brokers(&mixed, 1, 1, None, None, &mut rng).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Not all brokers have rack information for replica rack aware assignment."
    );
}

/// Random starts still give every broker an equal share of leaders and replicas.
#[test]
fn random_start_spreads_leaders_and_replicas_evenly() {
    let ids = brokers(&[1001, 1002, 1003]);
    for seed in 0..20 {
        let mut rng = SeededRng::new(seed);
        let assignment = assign_replicas_to_brokers(&ids, 6, 2, None, None, &mut rng).unwrap();
        for broker in [1001, 1002, 1003] {
            let leaders = assignment.values().filter(|r| r[0] == broker).count();
            let replicas = assignment.values().filter(|r| r.contains(&broker)).count();
            assert_eq!((leaders, replicas), (2, 4), "seed {seed}: {assignment:?}");
        }
        assert!(assignment.values().all(|r| r[0] != r[1]));
    }
}

/// Adding partitions continues the numbering from `start_partition_id`.
#[test]
fn start_partition_id_numbers_new_partitions() {
    let mut rng = SeededRng::new(0);
    let ids = brokers(&[1, 2, 3]);
    let added = assign_replicas_to_brokers(&ids, 2, 1, Some(0), Some(3), &mut rng).unwrap();
    assert_eq!(added, BTreeMap::from([(3, vec![1]), (4, vec![2])]));
}

/// For every small cluster shape: replicas are distinct registered brokers, leaders are spread
/// within one of each other, and with racks every partition covers min(RF, racks) racks.
#[test]
fn invariants_hold_for_small_clusters() {
    for broker_count in 1..=6usize {
        let ids: Vec<i32> = (0..broker_count as i32).map(|i| 1001 + i).collect();
        let plain = brokers(&ids);
        let racked: Vec<BrokerMetadata> = ids
            .iter()
            .map(|id| BrokerMetadata::with_rack(*id, format!("r{}", id % 3)))
            .collect();
        let rack_count = broker_count.min(3);
        for replication_factor in 1..=broker_count as i32 {
            for partitions in 1..=12 {
                for seed in 0..3 {
                    let mut rng = SeededRng::new(seed);
                    let assignment = assign_replicas_to_brokers(
                        &plain,
                        partitions,
                        replication_factor,
                        None,
                        None,
                        &mut rng,
                    )
                    .unwrap();
                    check_distinct_and_balanced(&assignment, &ids, replication_factor);
                    let assignment = assign_replicas_to_brokers(
                        &racked,
                        partitions,
                        replication_factor,
                        None,
                        None,
                        &mut rng,
                    )
                    .unwrap();
                    check_distinct_and_balanced(&assignment, &ids, replication_factor);
                    for replicas in assignment.values() {
                        let racks: std::collections::BTreeSet<i32> =
                            replicas.iter().map(|id| id % 3).collect();
                        assert_eq!(racks.len(), rack_count.min(replication_factor as usize));
                    }
                }
            }
        }
    }
}

fn check_distinct_and_balanced(assignment: &ReplicaAssignment, ids: &[i32], rf: i32) {
    for replicas in assignment.values() {
        let distinct: std::collections::BTreeSet<&i32> = replicas.iter().collect();
        assert_eq!(distinct.len(), rf as usize, "{assignment:?}");
        assert!(replicas.iter().all(|id| ids.contains(id)));
    }
    let leaders: Vec<usize> = ids
        .iter()
        .map(|id| assignment.values().filter(|r| r[0] == *id).count())
        .collect();
    let (min, max) = (leaders.iter().min(), leaders.iter().max());
    assert!(
        max.zip(min).is_some_and(|(max, min)| max - min <= 1),
        "{assignment:?}"
    );
}
