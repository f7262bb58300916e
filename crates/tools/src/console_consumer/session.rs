//! [`ConsumerSession`]: how the console consumer gets its partitions and keeps its offsets,
//! as Kafka 2.4's `KafkaConsumer` does for `ConsoleConsumer`:
//!
//! * `--partition`: that partition is assigned (no group membership), starting at `--offset`;
//! * `--topic`: the consumer subscribes to the topic in its group ([`GroupMember`]);
//! * `--whitelist`: it subscribes to every topic whose whole name matches the pattern
//!   (internal topics excluded unless `exclude.internal.topics=false`), looking at the full
//!   topic list before the first join and every `metadata.max.age.ms` after; a changed list
//!   means a rejoin with the new subscription, as the Java consumer's pattern subscription does.
//!
//! After each (re)join every assigned partition starts at the group's committed offset, else
//! where `auto.offset.reset` says. With `enable.auto.commit` the positions are committed every
//! `auto.commit.interval.ms` (when a poll starts), before a rejoin, and on close; without a group
//! membership the commit is a standalone one (generation -1). A position is always the offset
//! after the last record handed to the output ([`ConsumerSession::consumed`]), so records
//! fetched but never printed (`--max-messages`, Ctrl-C) are not committed, as
//! `ConsoleConsumer`'s `resetUnconsumedOffsets` ensures. Closing leaves the group.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use gregor_client::group::{GroupMember, PartitionOffsets, TopicPartitions};
use gregor_client::{ClientError, FetchOptions, KafkaClient};

use super::consumer::{AssignedConsumer, ConsumedRecord, StartPosition};
use super::options::ConsoleConsumerConfig;

/// How partitions are obtained.
enum Mode {
    /// `--partition`: this partition from this start.
    Assigned(i32, StartPosition),
    /// Group subscription to `--topic`, or to the `--whitelist` matches.
    Subscribed(GroupMember),
}

/// Next offset by topic, then partition.
type Positions = BTreeMap<String, BTreeMap<i32, i64>>;

/// The consumer's partitions, positions and group state.
pub struct ConsumerSession {
    /// The cluster client.
    client: Arc<KafkaClient>,
    /// `--topic` ("" with `--whitelist`).
    topic: String,
    /// `--whitelist`, anchored.
    whitelist: Option<regex::Regex>,
    /// `exclude.internal.topics`.
    exclude_internal_topics: bool,
    /// `metadata.max.age.ms`.
    metadata_max_age: Duration,
    /// When the whitelist was last matched against the topic list; `None` before the first time.
    last_metadata: Option<Instant>,
    /// `group.id` (random when the user named none).
    group_id: String,
    /// Assigned or subscribed.
    mode: Mode,
    /// `enable.auto.commit`.
    auto_commit: bool,
    /// `auto.commit.interval.ms`.
    auto_commit_interval: Duration,
    /// Bound on commits and offset lookups (`default.api.timeout.ms`).
    api_timeout_ms: u64,
    /// When offsets were last committed (or the partitions assigned).
    last_commit: Instant,
    /// Fetch settings.
    fetch: FetchOptions,
    /// `auto.offset.reset=earliest`.
    reset_to_earliest: bool,
    /// Partitions the group gave this member at its last join; `None` before a join.
    assigned: Option<TopicPartitions>,
    /// One consumer per assigned topic; `None` until the positions are known.
    consumers: Option<BTreeMap<String, AssignedConsumer>>,
    /// Positions before a poll that has not returned yet: restored if it is cancelled.
    polling_from: Option<Positions>,
}

impl ConsumerSession {
    /// A session for the checked options; nothing is sent yet.
    pub fn new(client: Arc<KafkaClient>, config: &ConsoleConsumerConfig) -> ConsumerSession {
        let mode = match config.partition {
            Some(partition) => Mode::Assigned(partition, config.start),
            None => {
                let topics = match config.whitelist {
                    Some(_) => Vec::new(),
                    None => vec![config.topic.clone()],
                };
                Mode::Subscribed(GroupMember::new(
                    Arc::clone(&client),
                    config.group.clone(),
                    topics,
                ))
            }
        };
        ConsumerSession {
            client,
            topic: config.topic.clone(),
            whitelist: config.whitelist.clone(),
            exclude_internal_topics: config.exclude_internal_topics,
            metadata_max_age: Duration::from_millis(config.metadata_max_age_ms),
            last_metadata: None,
            group_id: config.group.group_id.clone(),
            mode,
            auto_commit: config.auto_commit,
            auto_commit_interval: Duration::from_millis(config.auto_commit_interval_ms),
            api_timeout_ms: config.group.default_api_timeout_ms,
            last_commit: Instant::now(),
            fetch: config.fetch.clone(),
            reset_to_earliest: config.reset_to_earliest,
            assigned: None,
            consumers: None,
            polling_from: None,
        }
    }

    /// (Re)assigns if needed, auto-commits if due, then fetches once from every assigned
    /// topic (concurrently). Returned records are not consumed until passed to
    /// [`Self::consumed`].
    pub async fn poll(&mut self) -> Result<Vec<(String, ConsumedRecord)>, ClientError> {
        self.ensure_assigned().await?;
        if self.auto_commit && self.last_commit.elapsed() >= self.auto_commit_interval {
            self.commit().await;
        }
        let Some(consumers) = self.consumers.as_mut() else {
            return Ok(Vec::new());
        };
        consumers.retain(|_, consumer| !consumer.positions().is_empty());
        if consumers.is_empty() {
            // Nothing assigned (more members than partitions): wait like an empty fetch.
            let wait_ms = u64::try_from(self.fetch.max_wait_ms).unwrap_or(0).min(100);
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            return Ok(Vec::new());
        }
        self.polling_from = Some(positions_of(consumers));
        let results = poll_all(consumers).await;
        let before = self.polling_from.take().unwrap_or_default();
        let mut records = Vec::new();
        let mut failure = None;
        for (topic, result) in results {
            match result {
                Ok(polled) => records.extend(polled.into_iter().map(|r| (topic.clone(), r))),
                Err(error) => failure = Some(error),
            }
        }
        if let Some(error) = failure {
            restore(consumers, before);
            return Err(error);
        }
        // Until a record is consumed, its partition stays at it.
        let mut first_offsets: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for (topic, record) in &records {
            first_offsets
                .entry((topic.as_str(), record.partition))
                .or_insert(record.offset);
        }
        for ((topic, partition), offset) in first_offsets {
            if let Some(consumer) = consumers.get_mut(topic) {
                consumer.seek(partition, offset);
            }
        }
        Ok(records)
    }

    /// Marks `record` of `topic` as handed to the output.
    pub fn consumed(&mut self, topic: &str, record: &ConsumedRecord) {
        if let Some(consumer) = self.consumers.as_mut().and_then(|c| c.get_mut(topic)) {
            consumer.seek(record.partition, record.offset + 1);
        }
    }

    /// Commits (with auto-commit) and leaves the group; failures are logged, as the Java
    /// consumer's `close` logs them.
    pub async fn close(&mut self) {
        if let (Some(before), Some(consumers)) = (self.polling_from.take(), self.consumers.as_mut())
        {
            restore(consumers, before);
        }
        if self.auto_commit {
            self.commit().await;
        }
        if let Mode::Subscribed(member) = &mut self.mode {
            if let Err(error) = member.leave().await {
                log::warn!(
                    "[Consumer groupId={}] LeaveGroup failed: {error}",
                    self.group_id
                );
            }
        }
    }

    /// Assigns `--partition`, or joins the group when it asks for a (re)join.
    async fn ensure_assigned(&mut self) -> Result<(), ClientError> {
        if let Mode::Assigned(partition, start) = self.mode {
            if self.consumers.is_none() {
                let consumer = AssignedConsumer::assign(
                    Arc::clone(&self.client),
                    &self.topic,
                    &[partition],
                    start,
                    self.fetch.clone(),
                    self.reset_to_earliest,
                )
                .await?;
                self.consumers = Some(BTreeMap::from([(self.topic.clone(), consumer)]));
                self.last_commit = Instant::now();
            }
            return Ok(());
        }
        self.update_pattern_subscription().await?;
        if matches!(&self.mode, Mode::Subscribed(member) if member.rejoin_needed()) {
            self.rejoin().await?;
        }
        match (&self.consumers, self.assigned.clone()) {
            (None, Some(partitions)) => self.start_positions(partitions).await,
            _ => Ok(()),
        }
    }

    /// `--whitelist`: when the metadata is older than `metadata.max.age.ms`, lists every topic
    /// and subscribes to the matching ones (a different list makes the member rejoin).
    async fn update_pattern_subscription(&mut self) -> Result<(), ClientError> {
        let Some(pattern) = &self.whitelist else {
            return Ok(());
        };
        if self
            .last_metadata
            .is_some_and(|at| at.elapsed() < self.metadata_max_age)
        {
            return Ok(());
        }
        let response = self.client.metadata(None, false).await?;
        self.last_metadata = Some(Instant::now());
        let mut topics: Vec<String> = response
            .topics
            .into_iter()
            .filter(|topic| topic.error_code.is_ok())
            .filter(|topic| !(self.exclude_internal_topics && topic.is_internal))
            .map(|topic| topic.name)
            .filter(|name| pattern.is_match(name))
            .collect();
        topics.sort();
        if let Mode::Subscribed(member) = &mut self.mode {
            if member.topics() != topics.as_slice() {
                log::debug!(
                    "[Consumer groupId={}] subscribed to pattern topics {topics:?}",
                    self.group_id
                );
            }
            member.subscribe(topics);
        }
        Ok(())
    }

    /// Java's `onJoinPrepare` (commit, revoke) and the join.
    async fn rejoin(&mut self) -> Result<(), ClientError> {
        if self.auto_commit && self.consumers.is_some() {
            self.commit().await;
        }
        self.consumers = None;
        self.assigned = None;
        let Mode::Subscribed(member) = &mut self.mode else {
            return Ok(());
        };
        let assignment = member.join().await?;
        self.assigned = Some(assignment);
        Ok(())
    }

    /// Java's `onJoinComplete` and first poll: each assigned partition starts at the group's
    /// committed offset, else where the reset policy says.
    async fn start_positions(&mut self, assigned: TopicPartitions) -> Result<(), ClientError> {
        let wanted: Vec<(String, i32)> = assigned
            .iter()
            .flat_map(|(topic, partitions)| partitions.iter().map(|p| (topic.clone(), *p)))
            .collect();
        let committed = if wanted.is_empty() {
            PartitionOffsets::new()
        } else {
            self.client
                .fetch_committed_offsets(&self.group_id, Some(&wanted), self.api_timeout_ms)
                .await?
        };
        let mut consumers = BTreeMap::new();
        for (topic, partitions) in assigned {
            let positions: BTreeMap<i32, i64> = committed
                .iter()
                .filter(|((t, p), _)| *t == topic && partitions.contains(p))
                .map(|((_, partition), offset)| (*partition, *offset))
                .collect();
            let mut consumer = AssignedConsumer::at_positions(
                Arc::clone(&self.client),
                &topic,
                positions,
                self.fetch.clone(),
                self.reset_to_earliest,
            );
            for partition in partitions {
                if !consumer.positions().contains_key(&partition) {
                    consumer.reset_position(partition).await?;
                }
            }
            log::debug!(
                "[Consumer groupId={}] assigned {topic}: {:?}",
                self.group_id,
                consumer.positions()
            );
            consumers.insert(topic, consumer);
        }
        self.consumers = Some(consumers);
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Commits every position: with the member's generation in a group, else standalone.
    async fn commit(&mut self) {
        self.last_commit = Instant::now();
        let Some(consumers) = self.consumers.as_ref() else {
            return;
        };
        let offsets: PartitionOffsets = positions_of(consumers)
            .into_iter()
            .flat_map(|(topic, positions)| {
                positions
                    .into_iter()
                    .map(move |(partition, offset)| ((topic.clone(), partition), offset))
            })
            .collect();
        if offsets.is_empty() {
            return;
        }
        let result = match &self.mode {
            Mode::Subscribed(member) => member.commit(&offsets).await,
            Mode::Assigned(..) => {
                self.client
                    .commit_offsets(&self.group_id, -1, "", &offsets, self.api_timeout_ms)
                    .await
            }
        };
        if let Err(error) = result {
            log::warn!(
                "[Consumer groupId={}] Offset commit failed: {error}",
                self.group_id
            );
        }
    }
}

/// Every consumer's positions.
fn positions_of(consumers: &BTreeMap<String, AssignedConsumer>) -> Positions {
    consumers
        .iter()
        .map(|(topic, consumer)| (topic.clone(), consumer.positions().clone()))
        .collect()
}

/// Puts the positions of `before` back (a poll that failed or was cancelled).
fn restore(consumers: &mut BTreeMap<String, AssignedConsumer>, before: Positions) {
    for (topic, positions) in before {
        if let Some(consumer) = consumers.get_mut(&topic) {
            for (partition, offset) in positions {
                consumer.seek(partition, offset);
            }
        }
    }
}

/// The boxed poll of one topic's consumer.
type TopicPoll<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<ConsumedRecord>, ClientError>> + Send + 'a>>;

/// Polls every consumer at once (each long-polls its leaders) and waits for all; dropping the
/// future cancels them all and leaves the consumers in place.
async fn poll_all(
    consumers: &mut BTreeMap<String, AssignedConsumer>,
) -> Vec<(String, Result<Vec<ConsumedRecord>, ClientError>)> {
    let mut polls: Vec<(String, TopicPoll<'_>)> = consumers
        .iter_mut()
        .map(|(topic, consumer)| (topic.clone(), Box::pin(consumer.poll()) as TopicPoll<'_>))
        .collect();
    let mut results: Vec<Option<Result<Vec<ConsumedRecord>, ClientError>>> =
        polls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for ((_, poll), result) in polls.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                if let Poll::Ready(done) = poll.as_mut().poll(cx) {
                    *result = Some(done);
                }
            }
        }
        if results.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    polls
        .into_iter()
        .zip(results)
        .filter_map(|((topic, _), result)| result.map(|r| (topic, r)))
        .collect()
}
