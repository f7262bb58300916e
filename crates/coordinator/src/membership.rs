//! JoinGroup, SyncGroup, Heartbeat and LeaveGroup (Kafka's `GroupCoordinator.handle*`), the
//! rebalance that joins drive, and the timers: session expiry per member, the rebalance
//! timeout, and the initial rebalance delay of an empty group.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use gregor_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::coordinator::{
    append_error, now_ms, GroupCoordinator, GroupIdRule, Inner, State, COORDINATOR_LOG,
};
use crate::group::{Group, GroupState, JoinResult, Member, SyncResult};
use crate::rebalance::{
    maybe_complete_join, maybe_prepare_rebalance, remove_member_and_update_group,
    reset_and_propagate, schedule_member_expiry, schedule_pending_expiry,
};
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
pub(crate) fn current_join_result(group: &Group, member_id: &str) -> JoinResult {
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
    member.fail_parked(ErrorCode::FencedInstanceId);
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
