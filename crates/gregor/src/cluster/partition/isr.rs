//! Leader-driven ISR changes (kafka-2.4.md §3.3): a follower joins the ISR once its log end
//! offset reaches the high watermark and the start of the current leader epoch; a follower
//! that has not caught up with the leader's log end offset for `replica.lag.time.max.ms`
//! leaves it. The partition only *proposes* a change ([`IsrChange`]); the broker writes it to
//! the partition state znode (conditional on its version) and then calls
//! [`Partition::complete_isr_change`]. One change is in flight at a time.

use super::{Inner, Partition};
use gregor_log::dir::TopicPartition;

/// What a follower fetch changed on the leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerUpdate {
    /// The high watermark moved (wake the purgatory).
    pub high_watermark_moved: bool,
    /// The follower caught up and should join the ISR.
    pub isr_change: Option<IsrChange>,
}

/// A proposed ISR, to write to `/brokers/topics/<t>/partitions/<p>/state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsrChange {
    /// The partition.
    pub tp: TopicPartition,
    /// The leader (this broker).
    pub leader: i32,
    /// The leader epoch the change was made under (unchanged by leader-driven ISR changes).
    pub leader_epoch: i32,
    /// The controller epoch of the current state, written back unchanged.
    pub controller_epoch: i32,
    /// Expected version of the state znode.
    pub zk_version: i32,
    /// The new ISR.
    pub isr: Vec<i32>,
}

impl Partition {
    /// Kafka's `maybeExpandIsr` for one follower.
    pub(super) fn maybe_expand_isr(
        &self,
        inner: &mut Inner,
        follower_id: i32,
        log_end_offset: i64,
    ) -> Option<IsrChange> {
        let state = &inner.state;
        let eligible = state.leader == self.local_broker_id
            && !inner.isr_change_in_flight
            && state.replicas.contains(&follower_id)
            && !state.isr.contains(&follower_id)
            && log_end_offset >= inner.high_watermark
            && log_end_offset >= inner.leader_epoch_start_offset;
        if !eligible {
            return None;
        }
        let mut isr = state.isr.clone();
        isr.push(follower_id);
        log::info!(target: "kafka.cluster.Partition", "[Partition {} broker={}] Expanding ISR from {:?} to {isr:?}", self.tp, self.local_broker_id, state.isr);
        Some(self.propose(inner, isr))
    }

    /// Kafka's `maybeShrinkIsr`: drops followers (never the leader) that are behind the
    /// leader's log end offset and have not caught up for `lag_time_max_ms`.
    pub fn maybe_shrink_isr(&self, now_ms: i64, lag_time_max_ms: i64) -> Option<IsrChange> {
        let leader_log_end_offset = self.log.lock().log_end_offset();
        let mut inner = self.inner.lock();
        if inner.state.leader != self.local_broker_id || inner.isr_change_in_flight {
            return None;
        }
        let out_of_sync: Vec<i32> = inner
            .state
            .isr
            .iter()
            .copied()
            .filter(|id| *id != self.local_broker_id)
            .filter(|id| {
                let leo = inner
                    .follower_log_end_offsets
                    .get(id)
                    .copied()
                    .unwrap_or(-1);
                let caught_up = inner.last_caught_up_ms.get(id).copied().unwrap_or(0);
                leo != leader_log_end_offset && now_ms - caught_up > lag_time_max_ms
            })
            .collect();
        if out_of_sync.is_empty() {
            return None;
        }
        let isr: Vec<i32> = inner
            .state
            .isr
            .iter()
            .copied()
            .filter(|id| !out_of_sync.contains(id))
            .collect();
        log::info!(target: "kafka.cluster.Partition", "[Partition {} broker={}] Shrinking ISR from {:?} to {isr:?}. Out of sync replicas: {out_of_sync:?}", self.tp, self.local_broker_id, inner.state.isr);
        Some(self.propose(&mut inner, isr))
    }

    fn propose(&self, inner: &mut Inner, isr: Vec<i32>) -> IsrChange {
        inner.isr_change_in_flight = true;
        IsrChange {
            tp: self.tp.clone(),
            leader: inner.state.leader,
            leader_epoch: inner.state.leader_epoch,
            controller_epoch: inner.state.controller_epoch,
            zk_version: inner.state.zk_version,
            isr,
        }
    }

    /// Applies a written change (`Some(new znode version)`) or forgets a failed one. Returns
    /// true when the high watermark moved (a shrink can let it advance).
    pub fn complete_isr_change(&self, change: &IsrChange, new_zk_version: Option<i32>) -> bool {
        let leader_log_end_offset = self.log.lock().log_end_offset();
        let mut inner = self.inner.lock();
        inner.isr_change_in_flight = false;
        let current =
            inner.state.leader == change.leader && inner.state.leader_epoch == change.leader_epoch;
        let Some(version) = new_zk_version.filter(|_| current) else {
            return false;
        };
        inner.state.isr = change.isr.clone();
        inner.state.zk_version = version;
        Self::maybe_increase_high_watermark(&mut inner, self.local_broker_id, leader_log_end_offset)
    }
}

/// Milliseconds since the Unix epoch.
pub(super) fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::partition;

    #[test]
    fn a_caught_up_follower_is_proposed_for_the_isr_once() {
        let (_dir, p) = partition(vec![1]);
        p.apply_state(p.state());
        let update = p.update_follower_log_end_offset(2, 0);
        let change = update.isr_change.expect("caught up at offset 0");
        assert_eq!(change.isr, vec![1, 2]);
        assert!(
            p.update_follower_log_end_offset(2, 0).isr_change.is_none(),
            "one change in flight"
        );
        p.complete_isr_change(&change, Some(change.zk_version + 1));
        assert_eq!(p.state().isr, vec![1, 2]);
        assert_eq!(p.state().zk_version, change.zk_version + 1);
    }

    #[test]
    fn a_failed_write_leaves_the_isr_and_allows_a_new_proposal() {
        let (_dir, p) = partition(vec![1]);
        let change = p.update_follower_log_end_offset(2, 0).isr_change.unwrap();
        p.complete_isr_change(&change, None);
        assert_eq!(p.state().isr, vec![1]);
        assert!(p.update_follower_log_end_offset(2, 0).isr_change.is_some());
    }

    #[test]
    fn a_lagging_follower_is_dropped_after_the_lag_time() {
        let (_dir, p) = partition(vec![1, 2]);
        p.apply_state(p.state());
        // Caught up (empty log): never out of sync, whatever the time.
        p.update_follower_log_end_offset(2, 0);
        assert!(p.maybe_shrink_isr(i64::MAX, 10_000).is_none());
        // Behind the leader (offset 1 exists on the leader only) for longer than the lag time.
        let records = gregor_protocol::records::RecordBatchBuilder::new()
            .append(0, None, Some(b"v"), &[])
            .build()
            .unwrap();
        let mut records = records;
        p.log().lock().append_as_leader(&mut records, 0, 0).unwrap();
        let now = super::wall_clock_ms();
        assert!(
            p.maybe_shrink_isr(now, 10_000).is_none(),
            "within the lag time"
        );
        let change = p.maybe_shrink_isr(now + 20_000, 10_000).expect("lagging");
        assert_eq!(change.isr, vec![1]);
    }
}
