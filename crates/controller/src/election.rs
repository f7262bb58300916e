//! Leader election rules (Kafka's `Election` and `PartitionLeaderElectionAlgorithms`): pure
//! functions from a partition's assignment, ISR and the live brokers to a new leader and ISR.
//! No I/O; the partition state machine writes the result to ZooKeeper.

use std::collections::BTreeSet;

/// A successful election: the new leader and ISR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elected {
    /// The chosen leader.
    pub leader: i32,
    /// The ISR to write with it.
    pub isr: Vec<i32>,
}

/// Which rule picks the leader (Kafka's `PartitionLeaderElectionStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElectionStrategy {
    /// After broker failure or at start-up; `allow_unclean` forces unclean election
    /// (otherwise the topic's `unclean.leader.election.enable` decides).
    Offline {
        /// Elect outside the ISR even if the topic config says no.
        allow_unclean: bool,
    },
    /// Move leadership back to the first assigned replica.
    Preferred,
    /// Move leadership away from brokers in controlled shutdown.
    ControlledShutdown,
}

/// Offline election: the first assigned replica that is live and in the ISR; failing that, and
/// only if `unclean` is allowed, the first live assigned replica with ISR `[leader]`.
pub fn offline_election(
    assignment: &[i32],
    isr: &[i32],
    live: &BTreeSet<i32>,
    unclean: bool,
) -> Option<Elected> {
    let clean = assignment
        .iter()
        .find(|id| live.contains(id) && isr.contains(id));
    if let Some(&leader) = clean {
        let isr = isr.iter().copied().filter(|id| live.contains(id)).collect();
        return Some(Elected { leader, isr });
    }
    if !unclean {
        return None;
    }
    let leader = *assignment.iter().find(|id| live.contains(id))?;
    Some(Elected {
        leader,
        isr: vec![leader],
    })
}

/// Preferred election: the first assigned replica, only if it is live and in the ISR.
pub fn preferred_election(
    assignment: &[i32],
    isr: &[i32],
    live: &BTreeSet<i32>,
) -> Option<Elected> {
    let &preferred = assignment.first()?;
    (live.contains(&preferred) && isr.contains(&preferred)).then(|| Elected {
        leader: preferred,
        isr: isr.to_vec(),
    })
}

/// Controlled-shutdown election: the first assigned replica that is live (shutting-down brokers
/// count as live), in the ISR and not shutting down; the ISR loses the shutting-down brokers.
pub fn controlled_shutdown_election(
    assignment: &[i32],
    isr: &[i32],
    live_or_shutting_down: &BTreeSet<i32>,
    shutting_down: &BTreeSet<i32>,
) -> Option<Elected> {
    let &leader = assignment.iter().find(|id| {
        live_or_shutting_down.contains(id) && isr.contains(id) && !shutting_down.contains(id)
    })?;
    let isr = isr
        .iter()
        .copied()
        .filter(|id| !shutting_down.contains(id))
        .collect();
    Some(Elected { leader, isr })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[i32]) -> BTreeSet<i32> {
        ids.iter().copied().collect()
    }

    #[test]
    fn offline_election_picks_first_live_isr_member_in_assignment_order() {
        let elected = offline_election(&[1, 2, 3], &[3, 2, 1], &set(&[2, 3]), false).unwrap();
        assert_eq!(elected.leader, 2);
        assert_eq!(elected.isr, vec![3, 2]);
    }

    #[test]
    fn offline_election_without_live_isr_member_needs_unclean() {
        assert_eq!(offline_election(&[1, 2], &[1], &set(&[2]), false), None);
        let unclean = offline_election(&[1, 2], &[1], &set(&[2]), true).unwrap();
        assert_eq!((unclean.leader, unclean.isr), (2, vec![2]));
        assert_eq!(offline_election(&[1, 2], &[1], &set(&[]), true), None);
    }

    #[test]
    fn preferred_election_requires_preferred_replica_live_and_in_isr() {
        let elected = preferred_election(&[1, 2], &[2, 1], &set(&[1, 2])).unwrap();
        assert_eq!((elected.leader, elected.isr), (1, vec![2, 1]));
        assert_eq!(preferred_election(&[1, 2], &[2], &set(&[1, 2])), None);
        assert_eq!(preferred_election(&[1, 2], &[1, 2], &set(&[2])), None);
    }

    #[test]
    fn controlled_shutdown_moves_leadership_off_and_shrinks_isr() {
        let elected =
            controlled_shutdown_election(&[1, 2, 3], &[1, 2, 3], &set(&[1, 2, 3]), &set(&[1]))
                .unwrap();
        assert_eq!((elected.leader, elected.isr), (2, vec![2, 3]));
        assert_eq!(
            controlled_shutdown_election(&[1, 2], &[1], &set(&[1, 2]), &set(&[1])),
            None
        );
    }
}
