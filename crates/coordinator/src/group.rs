//! One group's metadata (Kafka's `GroupMetadata` and `MemberMetadata`): state, generation,
//! members with their protocols and assignments, the selected protocol and leader, the
//! committed offsets, and the parked JoinGroup/SyncGroup answers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use bytes::Bytes;
use gregor_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::records::{GroupValue, MemberValue, OffsetValue};

/// Kafka's group states (`GroupState`); `name` is what DescribeGroups reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// No members (also groups that only commit offsets).
    Empty,
    /// Collecting JoinGroups.
    PreparingRebalance,
    /// Waiting for the leader's SyncGroup ("AwaitingSync").
    CompletingRebalance,
    /// Assignment distributed.
    Stable,
    /// Removed.
    Dead,
}

impl GroupState {
    /// The state's name in DescribeGroups and in the tools.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }

    /// Kafka's valid previous states of each state.
    fn can_follow(self, previous: GroupState) -> bool {
        use GroupState::*;
        match self {
            Empty => matches!(previous, PreparingRebalance),
            PreparingRebalance => matches!(previous, Stable | CompletingRebalance | Empty),
            CompletingRebalance => matches!(previous, PreparingRebalance),
            Stable => matches!(previous, CompletingRebalance),
            Dead => true,
        }
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a parked or immediate JoinGroup gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinResult {
    /// Error (NONE on success).
    pub error: ErrorCode,
    /// Generation, -1 on error.
    pub generation: i32,
    /// Selected protocol ("" on error).
    pub protocol: String,
    /// Leader member id.
    pub leader: String,
    /// The member's own id (also set with MEMBER_ID_REQUIRED).
    pub member_id: String,
    /// Every member with its metadata: the leader's answer only.
    pub members: Vec<(String, Option<String>, Bytes)>,
}

impl JoinResult {
    /// A failed join.
    pub fn error(error: ErrorCode, member_id: &str) -> JoinResult {
        JoinResult {
            error,
            generation: -1,
            protocol: String::new(),
            leader: String::new(),
            member_id: member_id.to_string(),
            members: Vec::new(),
        }
    }
}

/// What a SyncGroup gets: an error or the member's assignment.
pub type SyncResult = Result<Bytes, ErrorCode>;

/// Kafka's `MemberMetadata`.
#[derive(Debug)]
pub struct Member {
    /// Member id (`<client id>-<uuid>`).
    pub member_id: String,
    /// Static membership id.
    pub group_instance_id: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client host as `/address`.
    pub client_host: String,
    /// Rebalance timeout (max.poll.interval.ms for consumers).
    pub rebalance_timeout_ms: i32,
    /// Session timeout.
    pub session_timeout_ms: i32,
    /// Protocol type, e.g. `consumer`.
    pub protocol_type: String,
    /// Supported protocols (name, metadata) in preference order.
    pub protocols: Vec<(String, Bytes)>,
    /// The assignment from the last SyncGroup.
    pub assignment: Bytes,
    /// The parked JoinGroup, while the group rebalances.
    pub awaiting_join: Option<oneshot::Sender<JoinResult>>,
    /// The parked SyncGroup, while the leader has not synced.
    pub awaiting_sync: Option<oneshot::Sender<SyncResult>>,
    /// A member that has not yet completed a join (expires after the new-member timeout).
    pub is_new: bool,
    /// Session deadline (ms since the epoch); heartbeats, joins and syncs push it back.
    pub deadline_ms: i64,
    /// Identifies this member incarnation's expiry timer.
    pub timer_id: u64,
}

impl Member {
    /// Metadata for `protocol` (empty if the member does not support it).
    pub fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    /// Answers its parked JoinGroup and SyncGroup, if any, with `error`.
    pub fn fail_parked(&mut self, error: ErrorCode) {
        if let Some(join) = self.awaiting_join.take() {
            let _ = join.send(JoinResult::error(error, &self.member_id));
        }
        if let Some(sync) = self.awaiting_sync.take() {
            let _ = sync.send(Err(error));
        }
    }

    /// Same protocols with the same metadata, in the same order.
    pub fn matches(&self, protocols: &[(String, Bytes)]) -> bool {
        self.protocols == protocols
    }
}

/// Kafka's `GroupMetadata`.
#[derive(Debug)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// `__consumer_offsets` partition holding the group.
    pub partition: i32,
    /// Current state.
    pub state: GroupState,
    /// When the state was entered (ms).
    pub state_timestamp: i64,
    /// Protocol type of the members; `None` for groups that only commit offsets.
    pub protocol_type: Option<String>,
    /// Generation, incremented at each completed join.
    pub generation: i32,
    /// Selected protocol of the current generation.
    pub protocol: Option<String>,
    /// Leader member id.
    pub leader: Option<String>,
    /// Members by id, in join order kept in `join_order`.
    pub members: HashMap<String, Member>,
    /// Member ids in the order they joined (the first is the leader when one is needed).
    pub join_order: Vec<String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED and not yet joined.
    pub pending_members: HashSet<String>,
    /// Static members: instance id → member id.
    pub static_members: HashMap<String, String>,
    /// A new member arrived during the initial delay (extends it).
    pub new_member_added: bool,
    /// Identifies the current rebalance (its timer checks it).
    pub rebalance_id: u64,
    /// The current rebalance is Kafka's "initial delayed join" (completes only on its timer).
    pub initial_delay_active: bool,
    /// Committed offsets by (topic, partition).
    pub offsets: BTreeMap<(String, i32), OffsetValue>,
}

impl Group {
    /// A new group in state Empty.
    pub fn new(id: &str, partition: i32, now_ms: i64) -> Group {
        Group {
            id: id.to_string(),
            partition,
            state: GroupState::Empty,
            state_timestamp: now_ms,
            protocol_type: None,
            generation: 0,
            protocol: None,
            leader: None,
            members: HashMap::new(),
            join_order: Vec::new(),
            pending_members: HashSet::new(),
            static_members: HashMap::new(),
            new_member_added: false,
            rebalance_id: 0,
            initial_delay_active: false,
            offsets: BTreeMap::new(),
        }
    }

    /// Moves to `state`; Kafka's transition table is checked in debug builds.
    pub fn transition_to(&mut self, state: GroupState, now_ms: i64) {
        debug_assert!(
            state.can_follow(self.state),
            "group {} cannot go from {} to {state}",
            self.id,
            self.state
        );
        self.state = state;
        self.state_timestamp = now_ms;
    }

    /// Is the state `state`?
    pub fn is(&self, state: GroupState) -> bool {
        self.state == state
    }

    /// Kafka's `canRebalance`.
    pub fn can_rebalance(&self) -> bool {
        matches!(
            self.state,
            GroupState::Stable | GroupState::CompletingRebalance | GroupState::Empty
        )
    }

    /// Adds a member; the first member becomes leader.
    pub fn add(&mut self, member: Member) {
        if self.members.is_empty() {
            self.protocol_type = Some(member.protocol_type.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member.member_id.clone());
        }
        if let Some(instance) = &member.group_instance_id {
            self.static_members
                .insert(instance.clone(), member.member_id.clone());
        }
        self.pending_members.remove(&member.member_id);
        self.join_order.push(member.member_id.clone());
        self.members.insert(member.member_id.clone(), member);
    }

    /// Removes a member, answering its parked requests with UNKNOWN_MEMBER_ID; a new leader
    /// is the earliest remaining member.
    pub fn remove(&mut self, member_id: &str) -> Option<Member> {
        let mut member = self.members.remove(member_id)?;
        self.join_order.retain(|id| id != member_id);
        if let Some(instance) = &member.group_instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        member.fail_parked(ErrorCode::UnknownMemberId);
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.join_order.first().cloned();
        }
        Some(member)
    }

    /// Kafka's `hasAllMembersJoined`: every member has a parked JoinGroup and no member id
    /// handed out is still outstanding.
    pub fn all_members_joined(&self) -> bool {
        self.members.values().all(|m| m.awaiting_join.is_some()) && self.pending_members.is_empty()
    }

    /// The group's rebalance timeout: the largest of its members'.
    pub fn rebalance_timeout_ms(&self) -> i32 {
        self.members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    /// Kafka's `supportsProtocols`: a new group needs a type and protocols; otherwise the type
    /// must match and at least one protocol must be supported by every member.
    pub fn supports_protocols(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols.iter().any(|(name, _)| {
                self.members
                    .values()
                    .all(|m| m.protocols.iter().any(|(n, _)| n == name))
            })
    }

    /// Kafka's `selectProtocol`: among the protocols every member supports, the one most
    /// members list first (each votes for its earliest candidate); ties go to the candidate
    /// listed first by the earliest member.
    pub fn select_protocol(&self) -> Option<String> {
        let first = self
            .join_order
            .first()
            .and_then(|id| self.members.get(id))?;
        let candidates: Vec<&String> = first
            .protocols
            .iter()
            .map(|(name, _)| name)
            .filter(|name| {
                self.members
                    .values()
                    .all(|m| m.protocols.iter().any(|(n, _)| n == *name))
            })
            .collect();
        let mut votes: Vec<(usize, &String)> = candidates.iter().map(|c| (0, *c)).collect();
        for member in self.members.values() {
            if let Some(choice) = member
                .protocols
                .iter()
                .find(|(n, _)| candidates.contains(&n))
            {
                if let Some(entry) = votes.iter_mut().find(|(_, c)| **c == choice.0) {
                    entry.0 += 1;
                }
            }
        }
        let best = votes.iter().map(|(n, _)| *n).max()?;
        votes
            .into_iter()
            .find(|(n, _)| *n == best)
            .map(|(_, c)| c.clone())
    }

    /// The group metadata record of the current generation, with assignments.
    pub fn to_value(&self) -> GroupValue {
        let protocol = self.protocol.clone().unwrap_or_default();
        GroupValue {
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            current_state_timestamp: Some(self.state_timestamp),
            members: self
                .join_order
                .iter()
                .filter_map(|id| self.members.get(id))
                .map(|m| MemberValue {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    session_timeout_ms: m.session_timeout_ms,
                    subscription: m.metadata(&protocol),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, protocols: &[&str]) -> Member {
        Member {
            member_id: id.into(),
            group_instance_id: None,
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            rebalance_timeout_ms: 1000,
            session_timeout_ms: 1000,
            protocol_type: "consumer".into(),
            protocols: protocols
                .iter()
                .map(|p| (p.to_string(), Bytes::from_static(b"m")))
                .collect(),
            assignment: Bytes::new(),
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            deadline_ms: 0,
            timer_id: 0,
        }
    }

    #[test]
    fn protocol_is_chosen_by_vote_among_common_ones() {
        let mut g = Group::new("g", 0, 0);
        g.add(member("a", &["roundrobin", "range"]));
        g.add(member("b", &["range", "roundrobin"]));
        g.add(member("c", &["range", "sticky"]));
        assert_eq!(g.select_protocol().as_deref(), Some("range"));
        assert!(g.supports_protocols("consumer", &[("range".into(), Bytes::new())]));
        assert!(!g.supports_protocols("consumer", &[("sticky".into(), Bytes::new())]));
        assert!(!g.supports_protocols("connect", &[("range".into(), Bytes::new())]));
    }

    #[test]
    fn first_member_leads_and_leadership_passes_on_removal() {
        let mut g = Group::new("g", 0, 0);
        g.add(member("a", &["range"]));
        g.add(member("b", &["range"]));
        assert_eq!(g.leader.as_deref(), Some("a"));
        g.remove("a");
        assert_eq!(g.leader.as_deref(), Some("b"));
        g.remove("b");
        assert_eq!(g.leader, None);
    }

    #[test]
    fn removal_answers_parked_requests() {
        let mut g = Group::new("g", 0, 0);
        let mut m = member("a", &["range"]);
        let (tx, mut rx) = oneshot::channel();
        m.awaiting_join = Some(tx);
        g.add(m);
        assert!(g.all_members_joined());
        g.remove("a");
        assert_eq!(rx.try_recv().unwrap().error, ErrorCode::UnknownMemberId);
    }
}
