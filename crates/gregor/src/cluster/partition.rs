//! One partition hosted by this broker (Kafka's `Partition`): its role (leader or follower),
//! leader epoch, ISR, assigned replicas, the high watermark and the log end offsets of the
//! followers. The log itself belongs to the log manager; this type only holds a handle.
//!
//! Invariant: `high_watermark <= log end offset` of the local log; the leader moves the high
//! watermark to the smallest log end offset over the ISR (its own included), never backwards.

use std::collections::BTreeMap;

use gregor_log::dir::TopicPartition;
use gregor_log::manager::SharedLog;
use parking_lot::Mutex;

mod isr;

pub use isr::{FollowerUpdate, IsrChange};

/// The role and replication state, changed by LeaderAndIsr and follower fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionState {
    /// Current leader (-1 when none).
    pub leader: i32,
    /// Current leader epoch.
    pub leader_epoch: i32,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Assigned replicas.
    pub replicas: Vec<i32>,
    /// Epoch of the controller that sent the state.
    pub controller_epoch: i32,
    /// Version of the partition state znode, for ISR updates.
    pub zk_version: i32,
}

/// Mutable part of a partition.
#[derive(Debug)]
struct Inner {
    /// See [`PartitionState`].
    state: PartitionState,
    /// Offsets below it are committed: visible to consumers and safe from truncation.
    high_watermark: i64,
    /// Last log end offset each follower reported by fetching (leader only).
    follower_log_end_offsets: BTreeMap<i32, i64>,
    /// When each follower last fetched up to the leader's log end offset (leader only).
    last_caught_up_ms: BTreeMap<i32, i64>,
    /// Log end offset when this broker became leader: a follower joins the ISR only past it.
    leader_epoch_start_offset: i64,
    /// An ISR change is being written to ZooKeeper; no second one until it completes.
    isr_change_in_flight: bool,
}

/// A partition with a local replica.
#[derive(Debug)]
pub struct Partition {
    /// Topic and partition id.
    tp: TopicPartition,
    /// This broker's id, to tell leader from follower.
    local_broker_id: i32,
    /// The local replica's log.
    log: SharedLog,
    /// Role and offsets; locked briefly, never across `.await`.
    inner: Mutex<Inner>,
}

impl Partition {
    /// A partition over `log`, starting from the checkpointed high watermark (clamped to the
    /// log end offset, as Kafka does when loading).
    pub fn new(
        tp: TopicPartition,
        local_broker_id: i32,
        log: SharedLog,
        state: PartitionState,
        checkpointed_high_watermark: i64,
    ) -> Partition {
        let log_end_offset = log.lock().log_end_offset();
        let high_watermark = checkpointed_high_watermark.clamp(0, log_end_offset);
        Partition {
            tp,
            local_broker_id,
            log,
            inner: Mutex::new(Inner {
                state,
                high_watermark,
                follower_log_end_offsets: BTreeMap::new(),
                last_caught_up_ms: BTreeMap::new(),
                leader_epoch_start_offset: 0,
                isr_change_in_flight: false,
            }),
        }
    }

    /// Topic and partition id.
    pub fn topic_partition(&self) -> &TopicPartition {
        &self.tp
    }

    /// The local log.
    pub fn log(&self) -> &SharedLog {
        &self.log
    }

    /// A copy of the current state.
    pub fn state(&self) -> PartitionState {
        self.inner.lock().state.clone()
    }

    /// True when this broker leads the partition.
    pub fn is_leader(&self) -> bool {
        self.inner.lock().state.leader == self.local_broker_id
    }

    /// Current leader epoch.
    pub fn leader_epoch(&self) -> i32 {
        self.inner.lock().state.leader_epoch
    }

    /// The high watermark.
    pub fn high_watermark(&self) -> i64 {
        self.inner.lock().high_watermark
    }

    /// Installs a new state from LeaderAndIsr. Becoming leader resets the followers' offsets
    /// (they report again by fetching) and recomputes the high watermark.
    pub fn apply_state(&self, state: PartitionState) {
        let log_end_offset = self.log.lock().log_end_offset();
        let mut inner = self.inner.lock();
        let becomes_leader = state.leader == self.local_broker_id;
        inner.state = state;
        inner.follower_log_end_offsets.clear();
        inner.isr_change_in_flight = false;
        inner.leader_epoch_start_offset = log_end_offset;
        // Kafka: on becoming leader, ISR members count as caught up now, the others never.
        let now = isr::wall_clock_ms();
        inner.last_caught_up_ms = inner.state.isr.iter().map(|id| (*id, now)).collect();
        inner.high_watermark = inner.high_watermark.min(log_end_offset);
        if becomes_leader {
            Self::maybe_increase_high_watermark(&mut inner, self.local_broker_id, log_end_offset);
        }
    }

    /// Records a follower's log end offset (from its fetch offset), moves the high watermark
    /// and proposes adding the follower to the ISR when it has caught up.
    pub fn update_follower_log_end_offset(
        &self,
        follower_id: i32,
        log_end_offset: i64,
    ) -> FollowerUpdate {
        let leader_log_end_offset = self.log.lock().log_end_offset();
        let mut inner = self.inner.lock();
        inner
            .follower_log_end_offsets
            .insert(follower_id, log_end_offset);
        if log_end_offset >= leader_log_end_offset {
            inner
                .last_caught_up_ms
                .insert(follower_id, isr::wall_clock_ms());
        }
        let high_watermark_moved = Self::maybe_increase_high_watermark(
            &mut inner,
            self.local_broker_id,
            leader_log_end_offset,
        );
        let isr_change = self.maybe_expand_isr(&mut inner, follower_id, log_end_offset);
        FollowerUpdate {
            high_watermark_moved,
            isr_change,
        }
    }

    /// After a local append as leader: recompute the high watermark. Returns true when it moved.
    pub fn after_leader_append(&self, log_end_offset: i64) -> bool {
        let mut inner = self.inner.lock();
        Self::maybe_increase_high_watermark(&mut inner, self.local_broker_id, log_end_offset)
    }

    /// Kafka's `maybeIncrementLeaderHW`: min log end offset over the ISR; never decreases.
    fn maybe_increase_high_watermark(
        inner: &mut Inner,
        local_broker_id: i32,
        leader_log_end_offset: i64,
    ) -> bool {
        if inner.state.leader != local_broker_id {
            return false;
        }
        let mut candidate = leader_log_end_offset;
        for replica in &inner.state.isr {
            if *replica == local_broker_id {
                continue;
            }
            let follower = inner
                .follower_log_end_offsets
                .get(replica)
                .copied()
                .unwrap_or(0);
            candidate = candidate.min(follower);
        }
        if candidate > inner.high_watermark {
            inner.high_watermark = candidate;
            true
        } else {
            false
        }
    }

    /// As a follower, after appending fetched data: the high watermark becomes
    /// min(leader's high watermark, local log end offset) (Kafka's follower rule).
    pub fn update_follower_high_watermark(&self, leader_high_watermark: i64) {
        let log_end_offset = self.log.lock().log_end_offset();
        let mut inner = self.inner.lock();
        if inner.state.leader != self.local_broker_id {
            inner.high_watermark = leader_high_watermark.min(log_end_offset).max(0);
        }
    }

    /// Number of replicas in the ISR.
    pub fn isr_size(&self) -> usize {
        self.inner.lock().state.isr.len()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use gregor_log::{LogConfig, LogLoadOptions};
    use std::sync::Arc;

    /// Broker 1 leads `t-0` over an empty log; replicas {1, 2}, the given ISR.
    pub(super) fn partition(isr: Vec<i32>) -> (tempfile::TempDir, Partition) {
        let dir = tempfile::tempdir().unwrap();
        let options = LogLoadOptions {
            recovery_point: 0,
            log_start_offset: 0,
            had_clean_shutdown: true,
            now_ms: 0,
        };
        let log =
            gregor_log::Log::open(&dir.path().join("t-0"), LogConfig::default(), options).unwrap();
        let state = PartitionState {
            leader: 1,
            leader_epoch: 0,
            isr,
            replicas: vec![1, 2],
            controller_epoch: 1,
            zk_version: 0,
        };
        let p = Partition::new(
            TopicPartition::new("t", 0),
            1,
            Arc::new(Mutex::new(log)),
            state,
            0,
        );
        (dir, p)
    }

    #[test]
    fn high_watermark_is_the_smallest_log_end_offset_of_the_isr() {
        let (_dir, p) = partition(vec![1, 2]);
        assert!(!p.after_leader_append(5), "follower 2 has not fetched yet");
        assert_eq!(p.high_watermark(), 0);
    }

    #[test]
    fn alone_in_the_isr_the_leader_commits_at_once() {
        let (_dir, p) = partition(vec![1]);
        assert!(p.after_leader_append(7));
        assert_eq!(p.high_watermark(), 7);
        assert!(
            !p.after_leader_append(7),
            "the high watermark never moves back"
        );
    }
}
