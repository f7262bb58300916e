//! Replica assignment (Kafka's `AdminUtils.assignReplicasToBrokers`, kafka-2.4.md §2.9): which
//! brokers hold the replicas of new partitions, rack-unaware and rack-aware, exactly as Kafka
//! 2.4 computes it so that a topic created through Gregor lands where Kafka would put it.
//!
//! The random start index and replica shift come from an [`IndexRng`] so that tests can fix
//! them; production code passes [`SeededRng::from_entropy`].

use std::collections::{BTreeMap, BTreeSet};

use super::AdminError;
use crate::znode::topic::ReplicaAssignment;

/// A broker as the assignment sees it (Kafka's `BrokerMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerMetadata {
    /// `broker.id`.
    pub id: i32,
    /// `broker.rack`, when the broker registered one and rack awareness is in use.
    pub rack: Option<String>,
}

impl BrokerMetadata {
    /// A broker without rack.
    pub fn new(id: i32) -> BrokerMetadata {
        BrokerMetadata { id, rack: None }
    }

    /// A broker on `rack`.
    pub fn with_rack(id: i32, rack: impl Into<String>) -> BrokerMetadata {
        BrokerMetadata {
            id,
            rack: Some(rack.into()),
        }
    }
}

/// How racks are used when brokers are listed for an assignment (Kafka's `RackAwareMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RackAwareMode {
    /// Ignore racks (`--disable-rack-aware`).
    Disabled,
    /// Use racks if every broker has one; mixed → error (kafka-topics' default).
    Enforced,
    /// Use racks if every broker has one, otherwise silently ignore them (auto-creation).
    Safe,
}

/// A source of uniformly random indexes (Java's `Random.nextInt(bound)`).
pub trait IndexRng {
    /// A random index in `0..bound`; `bound` is at least 1.
    fn next_index(&mut self, bound: usize) -> usize;
}

/// A small deterministic generator (SplitMix64): the same seed gives the same assignment.
#[derive(Debug, Clone)]
pub struct SeededRng {
    /// The generator state, advanced by a fixed odd constant per draw.
    state: u64,
}

impl SeededRng {
    /// A generator that always produces the same sequence for `seed`.
    pub fn new(seed: u64) -> SeededRng {
        SeededRng { state: seed }
    }

    /// A generator seeded from the clock and the process id: different on every run, like
    /// Kafka's `new Random`.
    pub fn from_entropy() -> SeededRng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or_default();
        SeededRng::new(nanos ^ (u64::from(std::process::id()) << 32))
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl IndexRng for SeededRng {
    fn next_index(&mut self, bound: usize) -> usize {
        // The modulo bias is below 2^-40 for any broker count; irrelevant for placement.
        (self.next_u64() % bound.max(1) as u64) as usize
    }
}

/// Kafka's `assignReplicasToBrokers`: assigns `partitions` partitions numbered from
/// `start_partition_id` (default 0) with `replication_factor` replicas each. The first replica
/// goes round-robin from a start index, the others follow with a shift that grows every time a
/// full round of brokers has been used. `fixed_start_index` fixes both the start index and the
/// initial shift (Kafka's `fixedStartIndex`); without it both are drawn from `rng`, start first.
///
/// Racks are used when every broker has one; some but not all → error.
pub fn assign_replicas_to_brokers(
    brokers: &[BrokerMetadata],
    partitions: i32,
    replication_factor: i32,
    fixed_start_index: Option<usize>,
    start_partition_id: Option<i32>,
    rng: &mut dyn IndexRng,
) -> Result<ReplicaAssignment, AdminError> {
    if partitions <= 0 {
        return Err(AdminError::InvalidPartitions(
            "Number of partitions must be larger than 0.".to_string(),
        ));
    }
    if replication_factor <= 0 {
        return Err(AdminError::InvalidReplicationFactor(
            "Replication factor must be larger than 0.".to_string(),
        ));
    }
    if replication_factor as usize > brokers.len() {
        return Err(AdminError::InvalidReplicationFactor(format!(
            "Replication factor: {replication_factor} larger than available brokers: {}.",
            brokers.len()
        )));
    }
    let plan = Plan {
        partitions: partitions as usize,
        replication_factor: replication_factor as usize,
        start_partition_id: start_partition_id.unwrap_or(0).max(0) as usize,
    };
    if brokers.iter().all(|broker| broker.rack.is_none()) {
        let ids: Vec<i32> = brokers.iter().map(|broker| broker.id).collect();
        let (start, shift) = start_and_shift(ids.len(), fixed_start_index, rng);
        return Ok(assign_rack_unaware(&ids, &plan, start, shift));
    }
    let mut rack_of = BTreeMap::new();
    for broker in brokers {
        match &broker.rack {
            Some(rack) => rack_of.insert(broker.id, rack.clone()),
            None => {
                return Err(AdminError::AdminOperation(
                    "Not all brokers have rack information for replica rack aware assignment."
                        .to_string(),
                ))
            }
        };
    }
    let arranged = rack_alternated_broker_list(&rack_of);
    let (start, shift) = start_and_shift(arranged.len(), fixed_start_index, rng);
    assign_rack_aware(&arranged, &rack_of, &plan, start, shift)
}

/// What to assign, normalized.
struct Plan {
    /// How many partitions to assign.
    partitions: usize,
    /// Replicas per partition; at most the number of brokers.
    replication_factor: usize,
    /// The id of the first partition assigned.
    start_partition_id: usize,
}

/// The start index and initial shift: both fixed, or two independent draws (start first).
fn start_and_shift(
    broker_count: usize,
    fixed_start_index: Option<usize>,
    rng: &mut dyn IndexRng,
) -> (usize, usize) {
    match fixed_start_index {
        Some(fixed) => (fixed, fixed),
        None => {
            let start = rng.next_index(broker_count);
            (start, rng.next_index(broker_count))
        }
    }
}

/// Kafka's `replicaIndex`: the position of the `replica_index`-th follower, never the leader's.
fn replica_index(first: usize, shift: usize, replica_index: usize, broker_count: usize) -> usize {
    let others = (broker_count - 1).max(1);
    let step = 1 + (shift + replica_index) % others;
    (first + step) % broker_count
}

fn assign_rack_unaware(
    brokers: &[i32],
    plan: &Plan,
    start_index: usize,
    mut shift: usize,
) -> ReplicaAssignment {
    let count = brokers.len();
    let mut assignment = ReplicaAssignment::new();
    for partition in plan.start_partition_id..plan.start_partition_id + plan.partitions {
        if partition > 0 && partition % count == 0 {
            shift += 1;
        }
        let first = (partition + start_index) % count;
        let mut replicas = vec![brokers[first]];
        for j in 0..plan.replication_factor - 1 {
            replicas.push(brokers[replica_index(first, shift, j, count)]);
        }
        assignment.insert(partition as i32, replicas);
    }
    assignment
}

fn assign_rack_aware(
    arranged: &[i32],
    rack_of: &BTreeMap<i32, String>,
    plan: &Plan,
    start_index: usize,
    mut shift: usize,
) -> Result<ReplicaAssignment, AdminError> {
    let count = arranged.len();
    let rack_count = rack_of.values().collect::<BTreeSet<_>>().len();
    let mut assignment = ReplicaAssignment::new();
    for partition in plan.start_partition_id..plan.start_partition_id + plan.partitions {
        if partition > 0 && partition % count == 0 {
            shift += 1;
        }
        let first = (partition + start_index) % count;
        let leader = arranged[first];
        let mut replicas = vec![leader];
        let mut racks_with_replicas = BTreeSet::from([&rack_of[&leader]]);
        let mut k = 0;
        for _ in 0..plan.replication_factor - 1 {
            // The walk visits every other broker within `count` steps, and some broker always
            // qualifies while one is unused; the bound only guards that reasoning.
            let mut chosen = None;
            for _ in 0..count * count + count {
                let broker = arranged[replica_index(first, shift * rack_count, k, count)];
                k += 1;
                let rack = &rack_of[&broker];
                let rack_ok =
                    !racks_with_replicas.contains(rack) || racks_with_replicas.len() == rack_count;
                let broker_ok = !replicas.contains(&broker) || replicas.len() == count;
                if rack_ok && broker_ok {
                    chosen = Some((broker, rack));
                    break;
                }
            }
            let (broker, rack) = chosen.ok_or_else(|| {
                AdminError::AdminOperation(format!(
                    "Could not place a replica of partition {partition} on distinct racks."
                ))
            })?;
            replicas.push(broker);
            racks_with_replicas.insert(rack);
        }
        assignment.insert(partition as i32, replicas);
    }
    Ok(assignment)
}

/// Kafka's `getRackAlternatedBrokerList`: racks sorted by name, brokers within a rack sorted by
/// id, then one broker from each rack in turn (`rack1: 0,1,2; rack2: 3,4,5` → `0,3,1,4,2,5`).
pub fn rack_alternated_broker_list(rack_of: &BTreeMap<i32, String>) -> Vec<i32> {
    let mut by_rack: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    // `rack_of` iterates in id order, so each rack's list comes out sorted.
    for (broker, rack) in rack_of {
        by_rack.entry(rack.as_str()).or_default().push(*broker);
    }
    let mut result = Vec::with_capacity(rack_of.len());
    for round in 0.. {
        if result.len() == rack_of.len() {
            break;
        }
        for brokers in by_rack.values() {
            if let Some(broker) = brokers.get(round) {
                result.push(*broker);
            }
        }
    }
    result
}

#[cfg(test)]
#[path = "assignment_tests.rs"]
mod tests;
