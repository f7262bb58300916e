//! The heartbeat task of a [`super::GroupMember`] (Java's `HeartbeatThread`): every
//! `heartbeat.interval.ms` it sends Heartbeat with the current generation and member id.
//!
//! | answer | what happens |
//! |---|---|
//! | NONE | nothing; the coordinator reset our session timer |
//! | REBALANCE_IN_PROGRESS | ask the owner to rejoin; stop |
//! | ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID | forget the generation, ask to rejoin; stop |
//! | NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, lost connection | forget the coordinator; the next beat finds it again |
//!
//! The task only reads and flags the shared state; the owner does the rejoining.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gregor_protocol::{ErrorCode, HeartbeatRequest};

use super::coordinator::coordinator_moved;
use super::member::{Generation, MemberConfig};
use crate::client::{lock, KafkaClient};

/// State a member shares with its heartbeat task.
pub(crate) struct MemberShared {
    /// Generation and member id; (-1, "") when not joined.
    generation: Mutex<Generation>,
    /// Set when the member must (re)join before going on.
    rejoin_needed: AtomicBool,
}

impl MemberShared {
    /// Not joined, rejoin needed.
    pub(crate) fn new() -> MemberShared {
        MemberShared {
            generation: Mutex::new(Generation::none()),
            rejoin_needed: AtomicBool::new(true),
        }
    }

    pub(crate) fn generation(&self) -> Generation {
        lock(&self.generation).clone()
    }

    pub(crate) fn set_generation(&self, generation: Generation) {
        *lock(&self.generation) = generation;
    }

    pub(crate) fn rejoin_needed(&self) -> bool {
        self.rejoin_needed.load(Ordering::SeqCst)
    }

    pub(crate) fn request_rejoin(&self) {
        self.rejoin_needed.store(true, Ordering::SeqCst);
    }

    /// A join completed.
    pub(crate) fn joined(&self) {
        self.rejoin_needed.store(false, Ordering::SeqCst);
    }
}

/// Heartbeats until the member must rejoin (or the task is aborted).
pub(crate) async fn heartbeat_loop(
    client: Arc<KafkaClient>,
    config: MemberConfig,
    shared: Arc<MemberShared>,
) {
    let interval = Duration::from_millis(config.heartbeat_interval_ms);
    let group = config.group_id;
    loop {
        tokio::time::sleep(interval).await;
        let generation = shared.generation();
        if generation.generation_id < 0 {
            return;
        }
        let request = HeartbeatRequest {
            group_id: group.clone(),
            generation_id: generation.generation_id,
            member_id: generation.member_id,
            ..Default::default()
        };
        let error = match client
            .send_to_group_coordinator(&group, request, None)
            .await
        {
            Ok(response) => response.error_code,
            Err(error) => {
                log::debug!("[Consumer groupId={group}] heartbeat failed: {error}");
                continue;
            }
        };
        match error {
            ErrorCode::None => {}
            ErrorCode::RebalanceInProgress => {
                log::debug!("[Consumer groupId={group}] rebalance started; rejoining");
                shared.request_rejoin();
                return;
            }
            ErrorCode::IllegalGeneration
            | ErrorCode::UnknownMemberId
            | ErrorCode::FencedInstanceId => {
                log::info!(
                    "[Consumer groupId={group}] heartbeat answered {}; rejoining",
                    error.name()
                );
                shared.set_generation(Generation::none());
                shared.request_rejoin();
                return;
            }
            error if coordinator_moved(error) => client.forget_group_coordinator(&group),
            error => log::warn!(
                "[Consumer groupId={group}] heartbeat answered {}",
                error.name()
            ),
        }
    }
}
