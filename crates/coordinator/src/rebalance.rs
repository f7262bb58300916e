//! The rebalance a JoinGroup starts (Kafka's `prepareRebalance`, `DelayedJoin`,
//! `InitialDelayedJoin`, `onCompleteJoin`) and the timers of membership: session expiry per
//! member (`DelayedHeartbeat`) and the expiry of member ids handed out with MEMBER_ID_REQUIRED.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gregor_protocol::ErrorCode;

use crate::coordinator::{now_ms, Inner, State, COORDINATOR_LOG, GROUP_METADATA_TOPIC};
use crate::group::{Group, GroupState};
use crate::membership::current_join_result;
use crate::records::RecordKey;

/// Kafka's `maybePrepareRebalance`.
pub(crate) fn maybe_prepare_rebalance(inner: &Arc<Inner>, group: &mut Group, reason: &str) {
    if group.can_rebalance() {
        prepare_rebalance(inner, group, reason);
    }
}

/// Kafka's `prepareRebalance`: answers waiting syncs with REBALANCE_IN_PROGRESS, moves to
/// PreparingRebalance and starts the join timer (the initial delay for an empty group).
pub(crate) fn prepare_rebalance(inner: &Arc<Inner>, group: &mut Group, reason: &str) {
    if group.is(GroupState::CompletingRebalance) {
        reset_and_propagate(group, ErrorCode::RebalanceInProgress);
    }
    let initial = group.is(GroupState::Empty);
    group.transition_to(GroupState::PreparingRebalance, now_ms());
    group.rebalance_id = inner.next_id();
    group.initial_delay_active = initial;
    log::info!(target: COORDINATOR_LOG, "{}Preparing to rebalance group {} in state PreparingRebalance with old generation {} ({GROUP_METADATA_TOPIC}-{}) (reason: {reason})", inner.prefix(), group.id, group.generation, group.partition);
    let timeout = i64::from(group.rebalance_timeout_ms().max(0));
    let delay = i64::from(inner.config.initial_rebalance_delay_ms.max(0));
    let task_inner = Arc::clone(inner);
    let (id, rebalance) = (group.id.clone(), group.rebalance_id);
    tokio::spawn(async move {
        let inner = task_inner;
        if initial {
            let mut wait = delay;
            let mut remaining = (timeout - delay).max(0);
            loop {
                tokio::time::sleep(millis(wait)).await;
                let mut state = inner.state.lock();
                let Some(group) = current_rebalance(&mut state, &id, rebalance) else {
                    return;
                };
                if group.new_member_added && remaining > 0 {
                    group.new_member_added = false;
                    wait = delay.min(remaining);
                    remaining -= wait;
                    continue;
                }
                group.initial_delay_active = false;
                complete_join(&inner, group);
                return;
            }
        }
        tokio::time::sleep(millis(timeout)).await;
        let mut state = inner.state.lock();
        if let Some(group) = current_rebalance(&mut state, &id, rebalance) {
            complete_join(&inner, group);
        }
    });
    maybe_complete_join(inner, group);
}

/// The group if it is still in the rebalance `rebalance`.
pub(crate) fn current_rebalance<'a>(
    state: &'a mut State,
    id: &str,
    rebalance: u64,
) -> Option<&'a mut Group> {
    state
        .groups
        .get_mut(id)
        .filter(|g| g.rebalance_id == rebalance && g.is(GroupState::PreparingRebalance))
}

/// Completes the join now if every member has rejoined (Kafka's `DelayedJoin.tryComplete`).
pub(crate) fn maybe_complete_join(inner: &Arc<Inner>, group: &mut Group) {
    if group.is(GroupState::PreparingRebalance)
        && !group.initial_delay_active
        && group.all_members_joined()
    {
        complete_join(inner, group);
    }
}

/// Kafka's `onCompleteJoin`: members that did not rejoin are dropped, the generation moves on,
/// and every parked JoinGroup is answered (or the empty group is recorded).
pub(crate) fn complete_join(inner: &Arc<Inner>, group: &mut Group) {
    let missing: Vec<String> = group
        .members
        .values()
        .filter(|m| m.awaiting_join.is_none())
        .map(|m| m.member_id.clone())
        .collect();
    for id in missing {
        group.remove(&id);
    }
    if group.is(GroupState::Dead) {
        return;
    }
    group.rebalance_id = inner.next_id();
    group.initial_delay_active = false;
    group.generation += 1;
    let now = now_ms();
    if group.members.is_empty() {
        group.protocol = None;
        group.transition_to(GroupState::Empty, now);
        log::info!(target: COORDINATOR_LOG, "{}Group {} with generation {} is now empty ({GROUP_METADATA_TOPIC}-{})", inner.prefix(), group.id, group.generation, group.partition);
        store_group_in_background(inner, group);
        return;
    }
    group.protocol = group.select_protocol();
    group.transition_to(GroupState::CompletingRebalance, now);
    log::info!(target: COORDINATOR_LOG, "{}Stabilized group {} generation {} ({GROUP_METADATA_TOPIC}-{})", inner.prefix(), group.id, group.generation, group.partition);
    let ids: Vec<String> = group.join_order.clone();
    for id in ids {
        let result = current_join_result(group, &id);
        if let Some(member) = group.members.get_mut(&id) {
            if let Some(join) = member.awaiting_join.take() {
                let _ = join.send(result);
            }
            member.deadline_ms = now + i64::from(member.session_timeout_ms);
            if member.is_new {
                // Its timer sleeps until the long new-member deadline: start one for the session.
                member.is_new = false;
                member.timer_id = inner.next_id();
                let timer = member.timer_id;
                schedule_member_expiry(inner, &group.id, &id, timer);
            }
        }
    }
}

/// Writes the group record without waiting; a failure is only logged (Kafka does the same
/// for the empty-group record).
pub(crate) fn store_group_in_background(inner: &Arc<Inner>, group: &Group) {
    let Ok(value) = group.to_value().encode() else {
        return;
    };
    let (inner, id, partition, generation) = (
        Arc::clone(inner),
        group.id.clone(),
        group.partition,
        group.generation,
    );
    tokio::spawn(async move {
        let key = RecordKey::Group { group: id.clone() };
        if let Err(error) = inner.append(partition, vec![(key, Some(value))]).await {
            log::warn!(target: COORDINATOR_LOG, "{}Failed to write empty metadata for group {id} generation {generation}: {error}", inner.prefix());
        }
    });
}

/// Kafka's `resetAndPropagateAssignmentError`.
pub(crate) fn reset_and_propagate(group: &mut Group, error: ErrorCode) {
    for member in group.members.values_mut() {
        member.assignment = Bytes::new();
        if let Some(sync) = member.awaiting_sync.take() {
            let _ = sync.send(Err(error));
        }
    }
}

/// Kafka's `removeMemberAndUpdateGroup`.
pub(crate) fn remove_member_and_update_group(
    inner: &Arc<Inner>,
    group: &mut Group,
    member_id: &str,
    reason: &str,
) {
    group.remove(member_id);
    match group.state {
        GroupState::Dead | GroupState::Empty => {}
        GroupState::Stable | GroupState::CompletingRebalance => {
            maybe_prepare_rebalance(inner, group, reason)
        }
        GroupState::PreparingRebalance => maybe_complete_join(inner, group),
    }
}

pub(crate) fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Expires a member once its session deadline passes while it is not parked in a join or
/// sync (Kafka's `DelayedHeartbeat` and `shouldKeepAlive`).
pub(crate) fn schedule_member_expiry(
    inner: &Arc<Inner>,
    group_id: &str,
    member_id: &str,
    timer_id: u64,
) {
    let (inner, group_id, member_id) = (
        Arc::clone(inner),
        group_id.to_string(),
        member_id.to_string(),
    );
    tokio::spawn(async move {
        loop {
            let deadline = {
                let state = inner.state.lock();
                match state
                    .groups
                    .get(&group_id)
                    .and_then(|g| g.members.get(&member_id))
                    .filter(|m| m.timer_id == timer_id)
                {
                    Some(member) => member.deadline_ms,
                    None => return,
                }
            };
            tokio::time::sleep(millis(deadline - now_ms())).await;
            let mut state = inner.state.lock();
            let Some(group) = state.groups.get_mut(&group_id) else {
                return;
            };
            let now = now_ms();
            let Some(member) = group
                .members
                .get_mut(&member_id)
                .filter(|m| m.timer_id == timer_id)
            else {
                return;
            };
            if now < member.deadline_ms {
                continue;
            }
            let parked = (member.awaiting_join.is_some() && !member.is_new)
                || member.awaiting_sync.is_some();
            if parked {
                member.deadline_ms = now + i64::from(member.session_timeout_ms);
                continue;
            }
            log::info!(target: COORDINATOR_LOG, "{}Member {member_id} in group {group_id} has failed, removing it from the group", inner.prefix());
            remove_member_and_update_group(
                &inner,
                group,
                &member_id,
                &format!("removing member {member_id} on heartbeat expiration"),
            );
            return;
        }
    });
}

/// A member id handed out with MEMBER_ID_REQUIRED is forgotten if no JoinGroup uses it within
/// the session timeout.
pub(crate) fn schedule_pending_expiry(
    inner: &Arc<Inner>,
    group: &Group,
    member_id: &str,
    session_timeout_ms: i32,
) {
    let (inner, group_id, member_id) = (Arc::clone(inner), group.id.clone(), member_id.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(millis(i64::from(session_timeout_ms))).await;
        let mut state = inner.state.lock();
        if let Some(group) = state.groups.get_mut(&group_id) {
            if group.pending_members.remove(&member_id) {
                log::info!(target: COORDINATOR_LOG, "{}Pending member {member_id} in group {group_id} has been removed after session timeout expiration.", inner.prefix());
                maybe_complete_join(&inner, group);
            }
        }
    });
}
