//! JoinGroup, SyncGroup, Heartbeat and LeaveGroup (Kafka's `GroupCoordinator.handle*`), the
//! rebalance that joins drive, and the timers: session expiry per member, the rebalance
//! timeout, and the initial rebalance delay of an empty group.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gregor_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::coordinator::{
    append_error, now_ms, GroupCoordinator, GroupIdRule, Inner, State, COORDINATOR_LOG,
    GROUP_METADATA_TOPIC,
};
use crate::group::{Group, GroupState, JoinResult, Member, SyncResult};
use crate::records::RecordKey;

/// A JoinGroup, version-independent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// Group id.
    pub group_id: String,
    /// "" on a first join.
    pub member_id: String,
    /// Static membership id (v5+).
    pub group_instance_id: Option<String>,
    /// The client's id (member ids start with it).
    pub client_id: String,
    /// The client's host as `/address`.
    pub client_host: String,
    /// Session timeout.
    pub session_timeout_ms: i32,
    /// Rebalance timeout (v0: the session timeout).
    pub rebalance_timeout_ms: i32,
    /// e.g. `consumer`.
    pub protocol_type: String,
    /// (name, metadata) in preference order.
    pub protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+: a member without id is first told its id with MEMBER_ID_REQUIRED.
    pub require_known_member_id: bool,
}

/// Either an answer now or one to wait for.
enum Pending<T> {
    Now(T),
    Later(oneshot::Receiver<T>),
}

impl GroupCoordinator {
    /// Kafka's `handleJoinGroup`: answers when the group's rebalance completes.
    pub async fn join_group(&self, request: JoinRequest) -> JoinResult {
        let pending = {
            let mut state = self.inner.state.lock();
            join(&self.inner, &mut state, request)
        };
        match pending {
            Pending::Now(result) => result,
            Pending::Later(receiver) => receiver
                .await
                .unwrap_or_else(|_| JoinResult::error(ErrorCode::NotCoordinator, "")),
        }
    }

    /// Kafka's `handleSyncGroup`: the leader's assignments are stored, then every member gets
    /// its own.
    pub async fn sync_group(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        group_instance_id: Option<&str>,
        assignments: Vec<(String, Bytes)>,
    ) -> SyncResult {
        let (pending, store) = {
            let mut state = self.inner.state.lock();
            match sync(
                &self.inner,
                &mut state,
                group_id,
                generation,
                member_id,
                group_instance_id,
                assignments,
            ) {
                Ok(parked) => parked,
                Err(error) => return Err(error),
            }
        };
        if let Some((partition, assignments, value)) = store {
            let result = self
                .inner
                .append(
                    partition,
                    vec![(
                        RecordKey::Group {
                            group: group_id.to_string(),
                        },
                        Some(value),
                    )],
                )
                .await;
            let mut state = self.inner.state.lock();
            finish_sync(
                &self.inner,
                &mut state,
                group_id,
                generation,
                assignments,
                result,
            );
        }
        match pending {
            Pending::Now(result) => result,
            Pending::Later(receiver) => receiver.await.unwrap_or(Err(ErrorCode::NotCoordinator)),
        }
    }

    /// Kafka's `handleHeartbeat`.
    pub fn heartbeat(
        &self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation: i32,
    ) -> ErrorCode {
        let mut state = self.inner.state.lock();
        match self.inner.validate(&state, group_id, GroupIdRule::NonEmpty) {
            Ok(_) => {}
            // Kafka answers blindly while the group is loading.
            Err(ErrorCode::CoordinatorLoadInProgress) => return ErrorCode::None,
            Err(error) => return error,
        }
        let Some(group) = state.groups.get_mut(group_id) else {
            return ErrorCode::UnknownMemberId;
        };
        if group.is(GroupState::Dead) {
            return ErrorCode::CoordinatorNotAvailable;
        }
        if let Err(error) = check_static(group, member_id, group_instance_id) {
            return error;
        }
        if !group.members.contains_key(member_id) {
            return ErrorCode::UnknownMemberId;
        }
        if generation != group.generation {
            return ErrorCode::IllegalGeneration;
        }
        match group.state {
            GroupState::Empty | GroupState::Dead => ErrorCode::UnknownMemberId,
            GroupState::CompletingRebalance => ErrorCode::RebalanceInProgress,
            GroupState::PreparingRebalance => {
                touch(group, member_id, now_ms());
                ErrorCode::RebalanceInProgress
            }
            GroupState::Stable => {
                touch(group, member_id, now_ms());
                ErrorCode::None
            }
        }
    }

    /// Kafka's `handleLeaveGroup`: the group-level error, or one error per leaving member
    /// (member id, instance id).
    pub fn leave_group(
        &self,
        group_id: &str,
        leaving: &[(String, Option<String>)],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let mut state = self.inner.state.lock();
        self.inner
            .validate(&state, group_id, GroupIdRule::NonEmpty)?;
        let Some(group) = state.groups.get_mut(group_id) else {
            return Ok(vec![ErrorCode::UnknownMemberId; leaving.len()]);
        };
        if group.is(GroupState::Dead) {
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        let mut errors = Vec::with_capacity(leaving.len());
        for (member_id, instance) in leaving {
            let target = match instance {
                Some(instance) => match group.static_members.get(instance) {
                    None => Err(ErrorCode::UnknownMemberId),
                    Some(known) if !member_id.is_empty() && known != member_id => {
                        Err(ErrorCode::FencedInstanceId)
                    }
                    Some(known) => Ok(known.clone()),
                },
                None => Ok(member_id.clone()),
            };
            let error = match target {
                Err(error) => error,
                Ok(id) if group.pending_members.remove(&id) => {
                    maybe_complete_join(&self.inner, group);
                    ErrorCode::None
                }
                Ok(id) if !group.members.contains_key(&id) => ErrorCode::UnknownMemberId,
                Ok(id) => {
                    log::info!(target: COORDINATOR_LOG, "{}Member[group.instance.id {}, member.id {id}] in group {group_id} has left, removing it from the group", self.inner.prefix(), instance.as_deref().unwrap_or("None"));
                    remove_member_and_update_group(
                        &self.inner,
                        group,
                        &id,
                        "removing member on LeaveGroup",
                    );
                    ErrorCode::None
                }
            };
            errors.push(error);
        }
        Ok(errors)
    }
}

/// The lock-held part of JoinGroup.
fn join(inner: &Arc<Inner>, state: &mut State, request: JoinRequest) -> Pending<JoinResult> {
    let fail = |error| Pending::Now(JoinResult::error(error, &request.member_id));
    let partition = match inner.validate(state, &request.group_id, GroupIdRule::NonEmpty) {
        Ok(partition) => partition,
        Err(error) => return fail(error),
    };
    let config = &inner.config;
    if request.session_timeout_ms < config.min_session_timeout_ms
        || request.session_timeout_ms > config.max_session_timeout_ms
    {
        return fail(ErrorCode::InvalidSessionTimeout);
    }
    let unknown = request.member_id.is_empty();
    if !state.groups.contains_key(&request.group_id) {
        if !unknown {
            return fail(ErrorCode::UnknownMemberId);
        }
        state.groups.insert(
            request.group_id.clone(),
            Group::new(&request.group_id, partition, now_ms()),
        );
    }
    let Some(group) = state.groups.get_mut(&request.group_id) else {
        return fail(ErrorCode::UnknownServerError);
    };
    let full = usize::try_from(config.max_group_size).unwrap_or(usize::MAX);
    if unknown && group.members.len() >= full {
        return Pending::Now(JoinResult::error(ErrorCode::GroupMaxSizeReached, ""));
    }
    if group.is(GroupState::Dead) {
        return fail(ErrorCode::CoordinatorNotAvailable);
    }
    if !group.supports_protocols(&request.protocol_type, &request.protocols) {
        return fail(ErrorCode::InconsistentGroupProtocol);
    }
    if group.pending_members.contains(&request.member_id) {
        let member_id = request.member_id.clone();
        return add_member_and_rebalance(inner, group, request, member_id);
    }
    if unknown {
        return join_unknown(inner, group, request);
    }
    join_known(inner, group, request)
}

/// Kafka's `doUnknownJoinGroup`.
fn join_unknown(
    inner: &Arc<Inner>,
    group: &mut Group,
    request: JoinRequest,
) -> Pending<JoinResult> {
    let prefix = request
        .group_instance_id
        .clone()
        .unwrap_or_else(|| request.client_id.clone());
    let member_id = format!("{prefix}-{}", uuid::Uuid::new_v4());
    if let Some(instance) = request.group_instance_id.clone() {
        if let Some(old_id) = group.static_members.get(&instance).cloned() {
            return replace_static_member(inner, group, request, &old_id, member_id);
        }
        return add_member_and_rebalance(inner, group, request, member_id);
    }
    if request.require_known_member_id {
        group.pending_members.insert(member_id.clone());
        schedule_pending_expiry(inner, group, &member_id, request.session_timeout_ms);
        return Pending::Now(JoinResult::error(ErrorCode::MemberIdRequired, &member_id));
    }
    add_member_and_rebalance(inner, group, request, member_id)
}

/// Kafka's `doJoinGroup` for a member that has an id.
fn join_known(inner: &Arc<Inner>, group: &mut Group, request: JoinRequest) -> Pending<JoinResult> {
    let member_id = request.member_id.clone();
    if let Err(error) = check_static(group, &member_id, request.group_instance_id.as_deref()) {
        return Pending::Now(JoinResult::error(error, &member_id));
    }
    let Some(member) = group.members.get(&member_id) else {
        return Pending::Now(JoinResult::error(ErrorCode::UnknownMemberId, &member_id));
    };
    let same = member.matches(&request.protocols);
    let is_leader = group.leader.as_deref() == Some(member_id.as_str());
    match group.state {
        GroupState::CompletingRebalance if same => {
            Pending::Now(current_join_result(group, &member_id))
        }
        GroupState::Stable if same && !is_leader => {
            Pending::Now(current_join_result(group, &member_id))
        }
        _ => update_member_and_rebalance(inner, group, request),
    }
}

/// The current generation's join answer (the leader also gets the members).
fn current_join_result(group: &Group, member_id: &str) -> JoinResult {
    let is_leader = group.leader.as_deref() == Some(member_id);
    let protocol = group.protocol.clone().unwrap_or_default();
    JoinResult {
        error: ErrorCode::None,
        generation: group.generation,
        protocol: protocol.clone(),
        leader: group.leader.clone().unwrap_or_default(),
        member_id: member_id.to_string(),
        members: if is_leader {
            member_list(group, &protocol)
        } else {
            Vec::new()
        },
    }
}

fn member_list(group: &Group, protocol: &str) -> Vec<(String, Option<String>, Bytes)> {
    group
        .join_order
        .iter()
        .filter_map(|id| group.members.get(id))
        .map(|m| {
            (
                m.member_id.clone(),
                m.group_instance_id.clone(),
                m.metadata(protocol),
            )
        })
        .collect()
}

/// A static member rejoining with a new member id takes over the old one; a Stable group
/// keeps its assignment (no rebalance), as in Kafka 2.4.
fn replace_static_member(
    inner: &Arc<Inner>,
    group: &mut Group,
    request: JoinRequest,
    old_id: &str,
    member_id: String,
) -> Pending<JoinResult> {
    let current_leader = group.leader.clone().unwrap_or_default();
    let Some(mut member) = group.members.remove(old_id) else {
        return add_member_and_rebalance(inner, group, request, member_id);
    };
    log::info!(target: COORDINATOR_LOG, "{}Static member {} with unknown member id rejoins, assigning new member id {member_id}, while old member {old_id} will be removed.", inner.prefix(), request.group_instance_id.as_deref().unwrap_or(""));
    if let Some(join) = member.awaiting_join.take() {
        let _ = join.send(JoinResult::error(ErrorCode::FencedInstanceId, old_id));
    }
    if let Some(sync) = member.awaiting_sync.take() {
        let _ = sync.send(Err(ErrorCode::FencedInstanceId));
    }
    member.member_id = member_id.clone();
    member.client_id = request.client_id.clone();
    member.client_host = request.client_host.clone();
    member.session_timeout_ms = request.session_timeout_ms;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.timer_id = inner.next_id();
    for id in group.join_order.iter_mut().filter(|id| *id == old_id) {
        *id = member_id.clone();
    }
    if group.leader.as_deref() == Some(old_id) {
        group.leader = Some(member_id.clone());
    }
    if let Some(instance) = &member.group_instance_id {
        group
            .static_members
            .insert(instance.clone(), member_id.clone());
    }
    member.protocols = request.protocols.clone();
    member.deadline_ms = now_ms() + i64::from(member.session_timeout_ms);
    let timer = member.timer_id;
    group.members.insert(member_id.clone(), member);
    schedule_member_expiry(inner, &group.id, &member_id, timer);
    match group.state {
        GroupState::Stable | GroupState::CompletingRebalance => {
            log::info!(target: COORDINATOR_LOG, "{}Static member joins during {} stage will not trigger rebalance.", inner.prefix(), group.state);
            // The old leader id keeps the current leader from computing a new assignment that a
            // stable group would not distribute.
            Pending::Now(JoinResult {
                error: ErrorCode::None,
                generation: group.generation,
                protocol: group.protocol.clone().unwrap_or_default(),
                leader: current_leader,
                member_id,
                members: Vec::new(),
            })
        }
        _ => update_member_and_rebalance(
            inner,
            group,
            JoinRequest {
                member_id,
                ..request
            },
        ),
    }
}

/// Kafka's `addMemberAndRebalance`.
fn add_member_and_rebalance(
    inner: &Arc<Inner>,
    group: &mut Group,
    request: JoinRequest,
    member_id: String,
) -> Pending<JoinResult> {
    let (sender, receiver) = oneshot::channel();
    let timer_id = inner.next_id();
    let member = Member {
        member_id: member_id.clone(),
        group_instance_id: request.group_instance_id.clone(),
        client_id: request.client_id,
        client_host: request.client_host,
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        session_timeout_ms: request.session_timeout_ms,
        protocol_type: request.protocol_type,
        protocols: request.protocols,
        assignment: Bytes::new(),
        awaiting_join: Some(sender),
        awaiting_sync: None,
        is_new: true,
        deadline_ms: now_ms() + inner.config.new_member_join_timeout_ms,
        timer_id,
    };
    if group.is(GroupState::PreparingRebalance) && group.generation == 0 {
        group.new_member_added = true;
    }
    group.add(member);
    schedule_member_expiry(inner, &group.id, &member_id, timer_id);
    let reason = format!(
        "Adding new member {member_id} with group instance id {}",
        request.group_instance_id.as_deref().unwrap_or("None")
    );
    maybe_prepare_rebalance(inner, group, &reason);
    maybe_complete_join(inner, group);
    Pending::Later(receiver)
}

/// Kafka's `updateMemberAndRebalance`.
fn update_member_and_rebalance(
    inner: &Arc<Inner>,
    group: &mut Group,
    request: JoinRequest,
) -> Pending<JoinResult> {
    let (sender, receiver) = oneshot::channel();
    let Some(member) = group.members.get_mut(&request.member_id) else {
        return Pending::Now(JoinResult::error(
            ErrorCode::UnknownMemberId,
            &request.member_id,
        ));
    };
    if let Some(old) = member.awaiting_join.replace(sender) {
        let _ = old.send(JoinResult::error(
            ErrorCode::UnknownMemberId,
            &request.member_id,
        ));
    }
    member.protocols = request.protocols;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.session_timeout_ms = request.session_timeout_ms;
    member.deadline_ms = now_ms() + i64::from(member.session_timeout_ms);
    let reason = format!("Updating metadata for member {}", request.member_id);
    maybe_prepare_rebalance(inner, group, &reason);
    maybe_complete_join(inner, group);
    Pending::Later(receiver)
}

/// A static member's instance id must map to the member id it claims (FENCED_INSTANCE_ID).
fn check_static(group: &Group, member_id: &str, instance: Option<&str>) -> Result<(), ErrorCode> {
    if let Some(instance) = instance {
        if let Some(known) = group.static_members.get(instance) {
            if known != member_id {
                return Err(ErrorCode::FencedInstanceId);
            }
        }
    }
    Ok(())
}

/// Pushes a member's session deadline back.
pub(crate) fn touch(group: &mut Group, member_id: &str, now: i64) {
    if let Some(member) = group.members.get_mut(member_id) {
        member.deadline_ms = now + i64::from(member.session_timeout_ms);
    }
}

/// Kafka's `maybePrepareRebalance`.
pub(crate) fn maybe_prepare_rebalance(inner: &Arc<Inner>, group: &mut Group, reason: &str) {
    if group.can_rebalance() {
        prepare_rebalance(inner, group, reason);
    }
}

/// Kafka's `prepareRebalance`: answers waiting syncs with REBALANCE_IN_PROGRESS, moves to
/// PreparingRebalance and starts the join timer (the initial delay for an empty group).
fn prepare_rebalance(inner: &Arc<Inner>, group: &mut Group, reason: &str) {
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
fn current_rebalance<'a>(state: &'a mut State, id: &str, rebalance: u64) -> Option<&'a mut Group> {
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
fn complete_join(inner: &Arc<Inner>, group: &mut Group) {
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
fn store_group_in_background(inner: &Arc<Inner>, group: &Group) {
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
fn reset_and_propagate(group: &mut Group, error: ErrorCode) {
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

/// What the leader's SyncGroup asks to store: partition, assignments, encoded group value.
type Store = (i32, HashMap<String, Bytes>, Vec<u8>);

/// The lock-held part of SyncGroup.
fn sync(
    inner: &Arc<Inner>,
    state: &mut State,
    group_id: &str,
    generation: i32,
    member_id: &str,
    group_instance_id: Option<&str>,
    assignments: Vec<(String, Bytes)>,
) -> Result<(Pending<SyncResult>, Option<Store>), ErrorCode> {
    match inner.validate(state, group_id, GroupIdRule::NonEmpty) {
        Ok(_) => {}
        // The rebalance state was lost with the old coordinator: rejoin (Kafka 2.4; older
        // clients do not expect COORDINATOR_LOAD_IN_PROGRESS here).
        Err(ErrorCode::CoordinatorLoadInProgress) => return Err(ErrorCode::RebalanceInProgress),
        Err(error) => return Err(error),
    }
    let group = state
        .groups
        .get_mut(group_id)
        .ok_or(ErrorCode::UnknownMemberId)?;
    if group.is(GroupState::Dead) {
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    check_static(group, member_id, group_instance_id)?;
    if !group.members.contains_key(member_id) {
        return Err(ErrorCode::UnknownMemberId);
    }
    if generation != group.generation {
        return Err(ErrorCode::IllegalGeneration);
    }
    match group.state {
        GroupState::Empty | GroupState::Dead => Err(ErrorCode::UnknownMemberId),
        GroupState::PreparingRebalance => Err(ErrorCode::RebalanceInProgress),
        GroupState::Stable => {
            touch(group, member_id, now_ms());
            let assignment = group
                .members
                .get(member_id)
                .map(|m| m.assignment.clone())
                .unwrap_or_default();
            Ok((Pending::Now(Ok(assignment)), None))
        }
        GroupState::CompletingRebalance => {
            let (sender, receiver) = oneshot::channel();
            touch(group, member_id, now_ms());
            if let Some(member) = group.members.get_mut(member_id) {
                if let Some(old) = member.awaiting_sync.replace(sender) {
                    let _ = old.send(Err(ErrorCode::UnknownMemberId));
                }
            }
            if group.leader.as_deref() != Some(member_id) {
                return Ok((Pending::Later(receiver), None));
            }
            log::info!(target: COORDINATOR_LOG, "{}Assignment received from leader for group {group_id} for generation {generation}", inner.prefix());
            let mut map: HashMap<String, Bytes> = assignments
                .into_iter()
                .filter(|(id, _)| group.members.contains_key(id))
                .collect();
            for id in group.members.keys() {
                map.entry(id.clone()).or_default();
            }
            let mut value = group.to_value();
            for member in &mut value.members {
                member.assignment = map.get(&member.member_id).cloned().unwrap_or_default();
            }
            let encoded = value.encode().map_err(|_| ErrorCode::UnknownServerError)?;
            Ok((
                Pending::Later(receiver),
                Some((group.partition, map, encoded)),
            ))
        }
    }
}

/// After the group record was (or failed to be) written: Kafka's `setAndPropagateAssignment`
/// or `resetAndPropagateAssignmentError` + rebalance.
fn finish_sync(
    inner: &Arc<Inner>,
    state: &mut State,
    group_id: &str,
    generation: i32,
    assignments: HashMap<String, Bytes>,
    result: Result<(), ErrorCode>,
) {
    let Some(group) = state.groups.get_mut(group_id) else {
        return;
    };
    if !group.is(GroupState::CompletingRebalance) || group.generation != generation {
        return;
    }
    match result {
        Ok(()) => {
            for member in group.members.values_mut() {
                member.assignment = assignments
                    .get(&member.member_id)
                    .cloned()
                    .unwrap_or_default();
                if let Some(sync) = member.awaiting_sync.take() {
                    let _ = sync.send(Ok(member.assignment.clone()));
                }
            }
            group.transition_to(GroupState::Stable, now_ms());
        }
        Err(error) => {
            let error = append_error(error, ErrorCode::UnknownServerError);
            log::warn!(target: COORDINATOR_LOG, "{}Failed to persist the assignment of group {group_id} generation {generation}: {error}", inner.prefix());
            reset_and_propagate(group, error);
            maybe_prepare_rebalance(
                inner,
                group,
                "error when storing group assignment during SyncGroup",
            );
        }
    }
}

fn millis(ms: i64) -> Duration {
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
fn schedule_pending_expiry(
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
