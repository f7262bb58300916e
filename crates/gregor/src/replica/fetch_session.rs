//! Fetch sessions (KIP-227, Fetch v7+; Kafka's `FetchSessionCache` / `FetchManager`).
//!
//! A request's `(session_id, session_epoch)` decides the context:
//! - epoch -1 (FINAL): sessionless full fetch; a named session is closed first;
//! - epoch 0 (INITIAL): full fetch that opens a new session (if a slot is free; otherwise
//!   the answer carries session id 0 and the client keeps sending full fetches; a session
//!   idle for 120 s is evicted to make room);
//! - epoch > 0: incremental fetch of an existing session: the request only lists changed
//!   partitions, `forgotten_topics_data` removes some, and the response lists only partitions
//!   with news (data, an error, or a moved high watermark / log start offset). An unknown id is
//!   FETCH_SESSION_ID_NOT_FOUND, a wrong epoch INVALID_FETCH_SESSION_EPOCH.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use gregor_protocol::ErrorCode;

use super::read::{PartitionData, PartitionFetch};
use gregor_log::dir::TopicPartition;

/// `max.incremental.fetch.session.cache.slots` default.
pub const DEFAULT_SESSION_CACHE_SLOTS: usize = 1000;

/// A session unused this long may be evicted to make room (Kafka's fixed
/// `KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS`).
const EVICTION_AFTER: Duration = Duration::from_secs(120);

/// Session epoch of a full fetch that opens a session.
const INITIAL_EPOCH: i32 = 0;
/// Session epoch of a sessionless fetch (or one that closes its session).
const FINAL_EPOCH: i32 = -1;

/// One partition of a session: what the client last asked and what it was last told.
#[derive(Debug, Clone)]
struct SessionPartition {
    /// The client's fetch parameters for the partition.
    fetch: PartitionFetch,
    /// High watermark last sent (-1 = never), to know whether it changed.
    high_watermark: i64,
    /// Log start offset last sent.
    log_start_offset: i64,
}

/// One fetch session.
#[derive(Debug)]
struct Session {
    /// The epoch the next request must carry.
    next_epoch: i32,
    /// When the session was last used, for eviction.
    last_used: Instant,
    /// Partitions in the client's order.
    partitions: Vec<SessionPartition>,
}

/// How a request is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchContext {
    /// Session id for the response (0 = no session).
    pub session_id: i32,
    /// True when the response lists only partitions with news.
    pub incremental: bool,
}

/// Kafka's `FetchSessionCache`.
#[derive(Debug)]
pub struct FetchSessionCache {
    /// Most sessions kept at once.
    max_slots: usize,
    /// Live sessions by id.
    sessions: HashMap<i32, Session>,
    /// Source of random session ids.
    random: RandomState,
    /// Mixed into the id hash so successive ids differ.
    counter: u64,
}

impl FetchSessionCache {
    /// A cache of at most `max_slots` sessions.
    pub fn new(max_slots: usize) -> FetchSessionCache {
        FetchSessionCache {
            max_slots,
            sessions: HashMap::new(),
            random: RandomState::new(),
            counter: 0,
        }
    }

    /// Number of live sessions.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// True when there is no session.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Decides the context of a request and the partitions to read (Kafka's
    /// `FetchManager.newContext`).
    pub fn new_context(
        &mut self,
        session_id: i32,
        epoch: i32,
        requested: Vec<PartitionFetch>,
        forgotten: &[(String, i32)],
    ) -> Result<(FetchContext, Vec<PartitionFetch>), ErrorCode> {
        if epoch == FINAL_EPOCH || epoch == INITIAL_EPOCH {
            if session_id != 0 {
                self.sessions.remove(&session_id);
            }
            let mut context = FetchContext {
                session_id: 0,
                incremental: false,
            };
            if epoch == INITIAL_EPOCH && self.has_room() {
                let id = self.new_session_id();
                let partitions = requested.iter().map(new_session_partition).collect();
                self.sessions.insert(
                    id,
                    Session {
                        next_epoch: 1,
                        last_used: Instant::now(),
                        partitions,
                    },
                );
                context.session_id = id;
            }
            return Ok((context, requested));
        }
        let session = self
            .sessions
            .get_mut(&session_id)
            .ok_or(ErrorCode::FetchSessionIdNotFound)?;
        if session.next_epoch != epoch {
            return Err(ErrorCode::InvalidFetchSessionEpoch);
        }
        session.next_epoch = session.next_epoch.wrapping_add(1).max(1);
        session.last_used = Instant::now();
        session.partitions.retain(|p| {
            !forgotten
                .iter()
                .any(|(t, n)| p.fetch.tp.topic == *t && p.fetch.tp.partition == *n)
        });
        for fetch in requested {
            match session
                .partitions
                .iter_mut()
                .find(|p| p.fetch.tp == fetch.tp)
            {
                Some(existing) => existing.fetch = fetch,
                None => session.partitions.push(new_session_partition(&fetch)),
            }
        }
        let all = session.partitions.iter().map(|p| p.fetch.clone()).collect();
        let context = FetchContext {
            session_id,
            incremental: true,
        };
        Ok((context, all))
    }

    /// Records what is being sent and, for an incremental context, keeps only the partitions
    /// with news. Fetch offsets are not advanced here: the client sends each changed offset in
    /// its next request, as KIP-227 specifies.
    pub fn update_and_filter(
        &mut self,
        context: FetchContext,
        results: Vec<(TopicPartition, PartitionData)>,
    ) -> Vec<(TopicPartition, PartitionData)> {
        let Some(session) = self.sessions.get_mut(&context.session_id) else {
            return results;
        };
        results
            .into_iter()
            .filter(|(tp, data)| {
                let Some(cached) = session.partitions.iter_mut().find(|p| p.fetch.tp == *tp) else {
                    return true;
                };
                let news = data.error != ErrorCode::None
                    || data.size_bytes() > 0
                    || cached.high_watermark != data.high_watermark
                    || cached.log_start_offset != data.log_start_offset;
                cached.high_watermark = data.high_watermark;
                cached.log_start_offset = data.log_start_offset;
                !context.incremental || news
            })
            .collect()
    }

    /// Removes a partition from every session (StopReplica).
    pub fn forget_partition(&mut self, topic: &str, partition: i32) {
        for session in self.sessions.values_mut() {
            session
                .partitions
                .retain(|p| !(p.fetch.tp.topic == topic && p.fetch.tp.partition == partition));
        }
    }

    /// True when a new session fits, after evicting the least recently used session if it
    /// has been idle for [`EVICTION_AFTER`].
    fn has_room(&mut self) -> bool {
        if self.sessions.len() < self.max_slots {
            return true;
        }
        let stale = self
            .sessions
            .iter()
            .filter(|(_, s)| s.last_used.elapsed() >= EVICTION_AFTER)
            .min_by_key(|(_, s)| s.last_used)
            .map(|(id, _)| *id);
        match stale {
            Some(id) => {
                self.sessions.remove(&id);
                true
            }
            None => false,
        }
    }

    /// A random positive id not in use.
    fn new_session_id(&mut self) -> i32 {
        loop {
            self.counter = self.counter.wrapping_add(1);
            let hash = self.random.hash_one(self.counter);
            let id = i32::try_from(hash & 0x7fff_ffff).unwrap_or(1);
            if id != 0 && !self.sessions.contains_key(&id) {
                return id;
            }
        }
    }
}

fn new_session_partition(fetch: &PartitionFetch) -> SessionPartition {
    SessionPartition {
        fetch: fetch.clone(),
        high_watermark: -1,
        log_start_offset: -1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(partition: i32, offset: i64) -> PartitionFetch {
        PartitionFetch {
            tp: TopicPartition::new("t", partition),
            fetch_offset: offset,
            partition_max_bytes: 1024,
            current_leader_epoch: -1,
        }
    }

    fn data(hw: i64) -> PartitionData {
        PartitionData {
            error: ErrorCode::None,
            high_watermark: hw,
            last_stable_offset: hw,
            log_start_offset: 0,
            records: None,
        }
    }

    #[test]
    fn sessionless_fetch_opens_no_session() {
        let mut cache = FetchSessionCache::new(10);
        let (ctx, parts) = cache.new_context(0, -1, vec![fetch(0, 0)], &[]).unwrap();
        assert_eq!(ctx.session_id, 0);
        assert_eq!(parts.len(), 1);
        assert!(cache.is_empty());
    }

    #[test]
    fn incremental_fetch_lists_only_partitions_with_news() {
        let mut cache = FetchSessionCache::new(10);
        let (ctx, parts) = cache
            .new_context(0, 0, vec![fetch(0, 0), fetch(1, 0)], &[])
            .unwrap();
        assert_ne!(ctx.session_id, 0);
        assert_eq!(parts.len(), 2);
        let sent = cache.update_and_filter(
            ctx,
            vec![
                (TopicPartition::new("t", 0), data(5)),
                (TopicPartition::new("t", 1), data(0)),
            ],
        );
        assert_eq!(sent.len(), 2, "a full fetch lists every partition");
        let (ctx2, parts2) = cache.new_context(ctx.session_id, 1, vec![], &[]).unwrap();
        assert!(ctx2.incremental);
        assert_eq!(parts2.len(), 2, "the session remembers both partitions");
        let sent = cache.update_and_filter(
            ctx2,
            vec![
                (TopicPartition::new("t", 0), data(6)),
                (TopicPartition::new("t", 1), data(0)),
            ],
        );
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0.partition, 0);
    }

    #[test]
    fn wrong_epoch_and_unknown_session_get_kafkas_errors() {
        let mut cache = FetchSessionCache::new(10);
        let (ctx, _) = cache.new_context(0, 0, vec![fetch(0, 0)], &[]).unwrap();
        assert_eq!(
            cache
                .new_context(ctx.session_id, 5, vec![], &[])
                .unwrap_err(),
            ErrorCode::InvalidFetchSessionEpoch
        );
        assert_eq!(
            cache
                .new_context(ctx.session_id.wrapping_add(1), 1, vec![], &[])
                .unwrap_err(),
            ErrorCode::FetchSessionIdNotFound
        );
    }

    #[test]
    fn a_full_cache_answers_without_a_session() {
        let mut cache = FetchSessionCache::new(1);
        let (first, _) = cache.new_context(0, 0, vec![fetch(0, 0)], &[]).unwrap();
        let (second, _) = cache.new_context(0, 0, vec![fetch(0, 0)], &[]).unwrap();
        assert_ne!(first.session_id, 0);
        assert_eq!(second.session_id, 0);
    }
}
