//! The partition and replica states of Kafka's `PartitionStateMachine` and
//! `ReplicaStateMachine`, written as transition tables: each target state lists the states it
//! may be entered from, and [`PartitionState::check_transition`] /
//! [`ReplicaState::check_transition`] refuse anything else (Kafka logs and skips such a
//! change; so do we). The actions of each transition live in `controller::partitions` and
//! `controller::replicas`.

use std::fmt;

/// The controller's view of one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// Never created, or deleted.
    NonExistent,
    /// Has an assignment but no leader elected yet.
    New,
    /// Has a live leader.
    Online,
    /// Its leader died (or the topic is being deleted).
    Offline,
}

impl PartitionState {
    /// Kafka 2.4's `validPreviousStates`.
    pub fn valid_previous_states(self) -> &'static [PartitionState] {
        use PartitionState::*;
        match self {
            NonExistent => &[Offline],
            New => &[NonExistent],
            Online => &[New, Online, Offline],
            Offline => &[New, Online, Offline],
        }
    }

    /// Ok when `from → self` is in the table.
    pub fn check_transition(self, from: PartitionState) -> Result<(), InvalidTransition> {
        if self.valid_previous_states().contains(&from) {
            Ok(())
        } else {
            Err(InvalidTransition {
                from: format!("{from:?}Partition"),
                to: format!("{self:?}Partition"),
            })
        }
    }
}

/// The controller's view of one replica (a partition on one broker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplicaState {
    /// Not assigned, or deleted.
    NonExistent,
    /// Assigned to a partition being created.
    New,
    /// On a live broker, told its leader by LeaderAndIsr.
    Online,
    /// Its broker died, or it was stopped.
    Offline,
    /// StopReplica(delete=true) was sent for it.
    DeletionStarted,
    /// The broker confirmed the deletion.
    DeletionSuccessful,
    /// Deletion failed or its broker is down; retried later.
    DeletionIneligible,
}

impl ReplicaState {
    /// Kafka 2.4's `validPreviousStates`.
    pub fn valid_previous_states(self) -> &'static [ReplicaState] {
        use ReplicaState::*;
        match self {
            NonExistent => &[DeletionSuccessful],
            New => &[NonExistent],
            Online => &[New, Online, Offline, DeletionIneligible],
            Offline => &[New, Online, Offline, DeletionIneligible],
            DeletionStarted => &[Offline],
            DeletionSuccessful => &[DeletionStarted],
            DeletionIneligible => &[Offline, DeletionStarted],
        }
    }

    /// Ok when `from → self` is in the table.
    pub fn check_transition(self, from: ReplicaState) -> Result<(), InvalidTransition> {
        if self.valid_previous_states().contains(&from) {
            Ok(())
        } else {
            Err(InvalidTransition {
                from: format!("{from:?}Replica"),
                to: format!("{self:?}Replica"),
            })
        }
    }
}

/// A state change the tables forbid, named as Kafka logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTransition {
    /// Kafka's name of the current state (`OnlinePartition`).
    pub from: String,
    /// Kafka's name of the refused target state.
    pub to: String,
}

impl fmt::Display for InvalidTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "from {} to {} failed: previous state is not one of the valid previous states",
            self.from, self.to
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_created_new_then_online_and_deleted_only_from_offline() {
        use PartitionState::*;
        assert!(New.check_transition(NonExistent).is_ok());
        assert!(Online.check_transition(New).is_ok());
        assert!(Offline.check_transition(Online).is_ok());
        assert!(NonExistent.check_transition(Offline).is_ok());
        assert!(NonExistent.check_transition(Online).is_err());
        assert!(Online.check_transition(NonExistent).is_err());
        assert!(New.check_transition(Online).is_err());
    }

    #[test]
    fn replica_deletion_goes_offline_started_successful_nonexistent() {
        use ReplicaState::*;
        assert!(DeletionStarted.check_transition(Offline).is_ok());
        assert!(DeletionSuccessful.check_transition(DeletionStarted).is_ok());
        assert!(NonExistent.check_transition(DeletionSuccessful).is_ok());
        assert!(DeletionStarted.check_transition(Online).is_err());
        assert!(NonExistent.check_transition(Offline).is_err());
        assert!(Online.check_transition(DeletionIneligible).is_ok());
        let refused = DeletionSuccessful.check_transition(Online).unwrap_err();
        assert_eq!(refused.from, "OnlineReplica");
        assert_eq!(refused.to, "DeletionSuccessfulReplica");
    }
}
