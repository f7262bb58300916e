//! [`ConsumerSession`]: how the console consumer gets its partitions and keeps its offsets,
//! as Kafka 2.4's `KafkaConsumer` does for `ConsoleConsumer`:
//!
//! * `--partition`: that partition is assigned (no group membership), starting at `--offset`;
//! * otherwise the consumer subscribes to `--topic` in its group ([`GroupMember`]); after each
//!   (re)join it starts every assigned partition at the group's committed offset, else where
//!   `auto.offset.reset` says.
//!
//! With `enable.auto.commit` the positions are committed every `auto.commit.interval.ms` (when
//! a poll starts), before a rejoin, and on close; without a group membership the commit is a
//! standalone one (generation -1). A position is always the offset after the last record
//! handed to the output ([`ConsumerSession::consumed`]), so records fetched but never printed
//! (`--max-messages`, Ctrl-C) are not committed, as `ConsoleConsumer`'s
//! `resetUnconsumedOffsets` ensures. Closing leaves the group.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gregor_client::group::{GroupMember, PartitionOffsets};
use gregor_client::{ClientError, FetchOptions, KafkaClient};

use super::consumer::{AssignedConsumer, ConsumedRecord, StartPosition};
use super::options::ConsoleConsumerConfig;

/// How partitions are obtained.
enum Mode {
    /// `--partition`: this partition from this start.
    Assigned(i32, StartPosition),
    /// Group subscription to the topic.
    Subscribed(GroupMember),
}

/// The consumer's partitions, positions and group state.
pub struct ConsumerSession {
    /// The cluster client.
    client: Arc<KafkaClient>,
    /// The topic.
    topic: String,
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
    assigned: Option<Vec<i32>>,
    /// The assigned partitions and their positions; `None` until their positions are known.
    consumer: Option<AssignedConsumer>,
    /// Positions before a poll that has not returned yet: restored if it is cancelled.
    polling_from: Option<BTreeMap<i32, i64>>,
}

impl ConsumerSession {
    /// A session for the checked options; nothing is sent yet.
    pub fn new(client: Arc<KafkaClient>, config: &ConsoleConsumerConfig) -> ConsumerSession {
        let mode = match config.partition {
            Some(partition) => Mode::Assigned(partition, config.start),
            None => Mode::Subscribed(GroupMember::new(
                Arc::clone(&client),
                config.group.clone(),
                vec![config.topic.clone()],
            )),
        };
        ConsumerSession {
            client,
            topic: config.topic.clone(),
            group_id: config.group.group_id.clone(),
            mode,
            auto_commit: config.auto_commit,
            auto_commit_interval: Duration::from_millis(config.auto_commit_interval_ms),
            api_timeout_ms: config.group.default_api_timeout_ms,
            last_commit: Instant::now(),
            fetch: config.fetch.clone(),
            reset_to_earliest: config.reset_to_earliest,
            assigned: None,
            consumer: None,
            polling_from: None,
        }
    }

    /// (Re)assigns if needed, auto-commits if due, then fetches once. Returned records are
    /// not consumed until passed to [`Self::consumed`].
    pub async fn poll(&mut self) -> Result<Vec<ConsumedRecord>, ClientError> {
        self.ensure_assigned().await?;
        if self.auto_commit && self.last_commit.elapsed() >= self.auto_commit_interval {
            self.commit().await;
        }
        let Some(consumer) = self.consumer.as_mut() else {
            return Ok(Vec::new());
        };
        if consumer.positions().is_empty() {
            // Nothing assigned (more members than partitions): wait like an empty fetch.
            let wait_ms = u64::try_from(self.fetch.max_wait_ms).unwrap_or(0).min(100);
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            return Ok(Vec::new());
        }
        self.polling_from = Some(consumer.positions().clone());
        let records = consumer.poll().await;
        let before = self.polling_from.take().unwrap_or_default();
        let records = match records {
            Ok(records) => records,
            Err(error) => {
                for (partition, offset) in before {
                    consumer.seek(partition, offset);
                }
                return Err(error);
            }
        };
        // Until a record is consumed, its partition stays at it.
        let mut first_offsets: BTreeMap<i32, i64> = BTreeMap::new();
        for record in &records {
            first_offsets
                .entry(record.partition)
                .or_insert(record.offset);
        }
        for (partition, offset) in first_offsets {
            consumer.seek(partition, offset);
        }
        Ok(records)
    }

    /// Marks `record` as handed to the output.
    pub fn consumed(&mut self, record: &ConsumedRecord) {
        if let Some(consumer) = self.consumer.as_mut() {
            consumer.seek(record.partition, record.offset + 1);
        }
    }

    /// Commits (with auto-commit) and leaves the group; failures are logged, as the Java
    /// consumer's `close` logs them.
    pub async fn close(&mut self) {
        if let (Some(before), Some(consumer)) = (self.polling_from.take(), self.consumer.as_mut()) {
            for (partition, offset) in before {
                consumer.seek(partition, offset);
            }
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
        match &self.mode {
            Mode::Assigned(partition, start) => {
                if self.consumer.is_none() {
                    let consumer = AssignedConsumer::assign(
                        Arc::clone(&self.client),
                        &self.topic,
                        &[*partition],
                        *start,
                        self.fetch.clone(),
                        self.reset_to_earliest,
                    )
                    .await?;
                    self.consumer = Some(consumer);
                    self.last_commit = Instant::now();
                }
                Ok(())
            }
            Mode::Subscribed(member) => {
                if member.rejoin_needed() {
                    self.rejoin().await?;
                }
                match (&self.consumer, self.assigned.clone()) {
                    (None, Some(partitions)) => self.start_positions(partitions).await,
                    _ => Ok(()),
                }
            }
        }
    }

    /// Java's `onJoinPrepare` (commit, revoke) and the join.
    async fn rejoin(&mut self) -> Result<(), ClientError> {
        if self.auto_commit && self.consumer.is_some() {
            self.commit().await;
        }
        self.consumer = None;
        self.assigned = None;
        let Mode::Subscribed(member) = &mut self.mode else {
            return Ok(());
        };
        let assignment = member.join().await?;
        self.assigned = Some(assignment.get(&self.topic).cloned().unwrap_or_default());
        Ok(())
    }

    /// Java's `onJoinComplete` and first poll: each assigned partition starts at the group's
    /// committed offset, else where the reset policy says.
    async fn start_positions(&mut self, partitions: Vec<i32>) -> Result<(), ClientError> {
        let wanted: Vec<(String, i32)> = partitions
            .iter()
            .map(|partition| (self.topic.clone(), *partition))
            .collect();
        let committed = if wanted.is_empty() {
            PartitionOffsets::new()
        } else {
            self.client
                .fetch_committed_offsets(&self.group_id, Some(&wanted), self.api_timeout_ms)
                .await?
        };
        let positions: BTreeMap<i32, i64> = committed
            .into_iter()
            .filter(|((topic, _), _)| *topic == self.topic)
            .map(|((_, partition), offset)| (partition, offset))
            .collect();
        let mut consumer = AssignedConsumer::at_positions(
            Arc::clone(&self.client),
            &self.topic,
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
            "[Consumer groupId={}] assigned {}: {:?}",
            self.group_id,
            self.topic,
            consumer.positions()
        );
        self.consumer = Some(consumer);
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Commits every position: with the member's generation in a group, else standalone.
    async fn commit(&mut self) {
        self.last_commit = Instant::now();
        let Some(consumer) = self.consumer.as_ref() else {
            return;
        };
        let offsets: PartitionOffsets = consumer
            .positions()
            .iter()
            .map(|(partition, offset)| ((self.topic.clone(), *partition), *offset))
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
