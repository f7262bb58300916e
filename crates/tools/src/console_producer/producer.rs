//! A batching, pipelining producer (the parts of the Java `KafkaProducer` the console and perf
//! tools need): records are appended to one open batch per partition (`batch.size`), a batch
//! is sent when full, after `linger.ms`, or on flush; the sender groups ready batches by
//! partition leader into one Produce request per broker, keeps several requests in flight,
//! retries retriable errors after a metadata refresh, and reports each record through its
//! callback. `buffer.memory` bounds the bytes waiting, so a fast caller is slowed, not
//! allowed to exhaust memory.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gregor_client::KafkaClient;
use gregor_protocol::records::{Compression, RecordBatchBuilder};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

pub use super::delivery::{Callback, ProducerError, RecordMetadata};
use super::partitioner::{partition_for_key, StickyPartitionCache};

/// Producer settings (Java names in the field docs).
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// `acks`: 0, 1 or -1 (`all`).
    pub acks: i16,
    /// `linger.ms`.
    pub linger_ms: u64,
    /// `batch.size`.
    pub batch_size: usize,
    /// `compression.type`.
    pub compression: Compression,
    /// `request.timeout.ms`, also the Produce request's broker-side timeout.
    pub request_timeout_ms: u64,
    /// `retries`.
    pub retries: u32,
    /// `retry.backoff.ms`.
    pub retry_backoff_ms: u64,
    /// `buffer.memory`.
    pub buffer_memory: usize,
    /// `max.block.ms`: how long `send` waits for metadata.
    pub max_block_ms: u64,
    /// `max.in.flight.requests.per.connection`, applied per broker.
    pub max_in_flight: usize,
    /// `max.request.size`: larger records fail at once.
    pub max_request_size: usize,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        Self {
            acks: 1,
            linger_ms: 0,
            batch_size: 16_384,
            compression: Compression::None,
            request_timeout_ms: 30_000,
            retries: 2_147_483_647,
            retry_backoff_ms: 100,
            buffer_memory: 33_554_432,
            max_block_ms: 60_000,
            max_in_flight: 5,
            max_request_size: 1_048_576,
        }
    }
}

/// One batch being filled or waiting to be sent.
pub(super) struct Batch {
    pub(super) topic: String,
    pub(super) partition: i32,
    pub(super) builder: RecordBatchBuilder,
    pub(super) callbacks: Vec<Callback>,
    /// Estimated encoded size, compared with `batch.size`.
    pub(super) size_bytes: usize,
    /// When the first record arrived: the start of `linger.ms`.
    pub(super) created: Instant,
    /// Sends so far (retries count).
    pub(super) attempts: u32,
    /// The encoded batch, once built for its first send (retries resend the same bytes).
    pub(super) encoded: Option<Bytes>,
    /// `buffer.memory` held until the batch completes.
    pub(super) _memory: Vec<OwnedSemaphorePermit>,
}

/// State shared by callers and the sender task.
#[derive(Default)]
pub(super) struct Accumulator {
    pub(super) open: HashMap<(String, i32), Batch>,
    pub(super) ready: VecDeque<Batch>,
    pub(super) sticky: Option<StickyPartitionCache>,
    /// Flush requests outstanding: while > 0 every open batch is ready.
    pub(super) flushing: usize,
    pub(super) closed: bool,
}

pub(super) struct Inner {
    pub(super) client: Arc<KafkaClient>,
    pub(super) config: ProducerConfig,
    pub(super) state: Mutex<Accumulator>,
    pub(super) memory: Arc<Semaphore>,
    /// Woken when a batch becomes ready (or on flush/close).
    pub(super) wake_sender: Notify,
    /// Records accepted and not yet completed.
    pub(super) pending: AtomicUsize,
    /// Woken when `pending` drops to 0.
    pub(super) idle: Notify,
    /// Partition count and partitions with a leader per topic, so a send does not copy the
    /// client's metadata; refreshed after `METADATA_MAX_AGE`.
    pub(super) topic_cache: std::sync::Mutex<HashMap<String, TopicPartitions>>,
}

/// What `send` needs to know about a topic's partitions.
#[derive(Debug, Clone)]
pub(super) struct TopicPartitions {
    /// Number of partitions.
    count: i32,
    /// Partitions that have a leader (the sticky partitioner's choices).
    available: Vec<i32>,
    /// When this was read from the client's metadata.
    read_at: Instant,
}

/// How long cached partition facts are used (the Java producer's `metadata.max.age.ms` is
/// 5 minutes; new partitions are picked up sooner here because it costs nothing).
const METADATA_MAX_AGE: Duration = Duration::from_secs(10);

/// A producer; cheap to clone. Needs a tokio runtime.
#[derive(Clone)]
pub struct Producer {
    inner: Arc<Inner>,
}

/// Record overhead added to key and value sizes in the batch-size estimate (varints, attributes).
const RECORD_OVERHEAD_BYTES: usize = 21;
/// Batch header size.
const BATCH_OVERHEAD_BYTES: usize = 61;

pub(super) fn lock(state: &Mutex<Accumulator>) -> MutexGuard<'_, Accumulator> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Producer {
    /// Starts the sender task on the current runtime.
    pub fn new(client: Arc<KafkaClient>, config: ProducerConfig) -> Producer {
        let memory = Arc::new(Semaphore::new(config.buffer_memory.max(1)));
        let inner = Arc::new(Inner {
            client,
            config,
            state: Mutex::new(Accumulator {
                sticky: Some(StickyPartitionCache::default()),
                ..Default::default()
            }),
            memory,
            wake_sender: Notify::new(),
            pending: AtomicUsize::new(0),
            idle: Notify::new(),
            topic_cache: std::sync::Mutex::new(HashMap::new()),
        });
        tokio::spawn(super::sender::sender_loop(Arc::clone(&inner)));
        Producer { inner }
    }

    /// The partition count of `topic`, waiting up to `max.block.ms` for metadata (asking for
    /// auto-creation, as the Java producer does).
    pub async fn partitions_for(&self, topic: &str) -> Result<i32, ProducerError> {
        let client = &self.inner.client;
        let deadline = Instant::now() + Duration::from_millis(self.inner.config.max_block_ms);
        loop {
            if let Some(count) = client.cluster().partition_count(topic).filter(|c| *c > 0) {
                return Ok(count as i32);
            }
            let topics = [topic.to_string()];
            if let Err(error) = client.metadata(Some(&topics), true).await {
                log::debug!("metadata for {topic} failed: {error}");
            }
            if let Some(count) = client.cluster().partition_count(topic).filter(|c| *c > 0) {
                return Ok(count as i32);
            }
            if Instant::now() >= deadline {
                return Err(ProducerError::MetadataTimeout {
                    topic: topic.to_string(),
                    max_block_ms: self.inner.config.max_block_ms,
                });
            }
            tokio::time::sleep(Duration::from_millis(self.inner.config.retry_backoff_ms)).await;
        }
    }

    /// Appends a record; `callback` runs once it is acknowledged or failed. Waits when
    /// `buffer.memory` is used up or the topic's metadata is not yet known.
    pub async fn send(
        &self,
        topic: &str,
        partition: Option<i32>,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        timestamp_ms: i64,
        callback: Callback,
    ) {
        let (partition_count, available) = match self.cached_partitions(topic).await {
            Ok(facts) => facts,
            Err(error) => return callback(Err(error)),
        };
        let size =
            RECORD_OVERHEAD_BYTES + key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len);
        let serialized_bytes = size + BATCH_OVERHEAD_BYTES;
        if serialized_bytes > self.inner.config.max_request_size {
            return callback(Err(ProducerError::RecordTooLarge {
                size_bytes: serialized_bytes,
                limit: "the maximum request size you have configured with the max.request.size configuration.",
            }));
        }
        if serialized_bytes > self.inner.config.buffer_memory {
            return callback(Err(ProducerError::RecordTooLarge {
                size_bytes: serialized_bytes,
                limit: "the total memory buffer you have configured with the buffer.memory configuration.",
            }));
        }
        let permits =
            u32::try_from(size.min(self.inner.config.buffer_memory.max(1))).unwrap_or(u32::MAX);
        let memory = match Arc::clone(&self.inner.memory)
            .acquire_many_owned(permits)
            .await
        {
            Ok(permit) => permit,
            Err(_) => return callback(Err(ProducerError::Client("producer closed".into()))),
        };
        self.inner.pending.fetch_add(1, Ordering::AcqRel);
        let mut state = lock(&self.inner.state);
        let partition = match (partition, key) {
            (Some(partition), _) => partition,
            (None, Some(key)) => partition_for_key(key, partition_count),
            (None, None) => {
                let Accumulator { sticky, open, .. } = &mut *state;
                let sticky = sticky.get_or_insert_with(StickyPartitionCache::default);
                let current = sticky.partition(topic, partition_count, &available);
                // KIP-480: the record stays on the sticky partition while its open batch has
                // room; needing a new batch moves the topic to another partition.
                let batch_size = self.inner.config.batch_size;
                let has_room = open
                    .get(&(topic.to_string(), current))
                    .is_some_and(|batch| batch.size_bytes + size <= batch_size);
                if has_room {
                    current
                } else {
                    sticky.next_partition(topic, current, partition_count, &available)
                }
            }
        };
        let batch_key = (topic.to_string(), partition);
        let batch_size = self.inner.config.batch_size;
        let full = state
            .open
            .get(&batch_key)
            .is_some_and(|batch| batch.size_bytes + size > batch_size);
        if full {
            if let Some(batch) = state.open.remove(&batch_key) {
                state.ready.push_back(batch);
            }
        }
        let compression = self.inner.config.compression;
        // A new batch starts a linger deadline the sender must learn about.
        let new_batch = !state.open.contains_key(&batch_key);
        let batch = state
            .open
            .entry(batch_key.clone())
            .or_insert_with(|| Batch {
                topic: topic.to_string(),
                partition,
                builder: RecordBatchBuilder::new().compression(compression),
                callbacks: Vec::new(),
                size_bytes: BATCH_OVERHEAD_BYTES,
                created: Instant::now(),
                attempts: 0,
                encoded: None,
                _memory: Vec::new(),
            });
        batch.builder.push(timestamp_ms, key, value, &[]);
        batch.callbacks.push(callback);
        batch.size_bytes += size;
        batch._memory.push(memory);
        let now_full = batch.size_bytes >= batch_size;
        let linger_zero = self.inner.config.linger_ms == 0;
        if now_full {
            if let Some(batch) = state.open.remove(&batch_key) {
                state.ready.push_back(batch);
            }
        }
        drop(state);
        if full || now_full || linger_zero || new_batch {
            self.inner.wake_sender.notify_one();
        }
    }

    /// Partition count and partitions with a leader, from the cache or fresh metadata.
    async fn cached_partitions(&self, topic: &str) -> Result<(i32, Vec<i32>), ProducerError> {
        {
            let cache = self
                .inner
                .topic_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(facts) = cache
                .get(topic)
                .filter(|f| f.read_at.elapsed() < METADATA_MAX_AGE)
            {
                return Ok((facts.count, facts.available.clone()));
            }
        }
        let count = self.partitions_for(topic).await?;
        let available = self.available_partitions(topic);
        let facts = TopicPartitions {
            count,
            available: available.clone(),
            read_at: Instant::now(),
        };
        let mut cache = self
            .inner
            .topic_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache.insert(topic.to_string(), facts);
        Ok((count, available))
    }

    fn available_partitions(&self, topic: &str) -> Vec<i32> {
        self.inner
            .client
            .cluster()
            .topics
            .get(topic)
            .map(|info| {
                info.partitions
                    .values()
                    .filter(|p| p.leader_id >= 0)
                    .map(|p| p.partition)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends every waiting record now and waits until all accepted records are completed.
    pub async fn flush(&self) {
        lock(&self.inner.state).flushing += 1;
        self.inner.wake_sender.notify_one();
        loop {
            let idle = self.inner.idle.notified();
            if self.inner.pending.load(Ordering::Acquire) == 0 {
                break;
            }
            idle.await;
        }
        lock(&self.inner.state).flushing -= 1;
    }

    /// Flushes, then stops the sender task.
    pub async fn close(&self) {
        self.flush().await;
        lock(&self.inner.state).closed = true;
        self.inner.wake_sender.notify_one();
    }
}
