//! The sender half of [`super::producer::Producer`] (the Java producer's `Sender`): takes ready
//! batches (full, lingered out, or flushed), groups them by partition leader into one Produce
//! request per broker with at most one batch per partition, keeps up to
//! `max.in.flight.requests.per.connection` requests in flight per broker, requeues retriable
//! failures after `retry.backoff.ms` and a metadata refresh, and completes each record's callback.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gregor_client::ClientError;
use gregor_protocol::{ProduceRequest, ProduceRequestPartition, ProduceRequestTopic};
use tokio::sync::Semaphore;

use super::producer::{lock, Batch, Inner, ProducerError, RecordMetadata};

/// Takes the batches that may be sent now: full or lingered out (or all when flushing), and
/// only for partitions whose leader has a free in-flight slot, as the Java `Sender` drains
/// only ready nodes; the others keep filling. Also says how long until the next open batch
/// lingers out.
fn drain(
    inner: &Inner,
    sendable: impl Fn(&str, i32) -> bool,
) -> (Vec<Batch>, Option<Duration>, bool) {
    let mut state = lock(&inner.state);
    let linger = Duration::from_millis(inner.config.linger_ms);
    let now = Instant::now();
    let flushing = state.flushing > 0;
    let expired: Vec<(String, i32)> = state
        .open
        .iter()
        .filter(|(_, batch)| flushing || now.duration_since(batch.created) >= linger)
        .filter(|((topic, partition), _)| sendable(topic, *partition))
        .map(|(key, _)| key.clone())
        .collect();
    for key in expired {
        if let Some(batch) = state.open.remove(&key) {
            state.ready.push_back(batch);
        }
    }
    let next_linger = state
        .open
        .values()
        .map(|batch| (batch.created + linger).saturating_duration_since(now))
        .filter(|remaining| !remaining.is_zero())
        .min();
    let (ready, blocked): (Vec<Batch>, Vec<Batch>) = state
        .ready
        .drain(..)
        .partition(|batch| sendable(&batch.topic, batch.partition));
    state.ready.extend(blocked);
    (ready, next_linger, state.closed)
}

pub(super) async fn sender_loop(inner: Arc<Inner>) {
    let mut in_flight: HashMap<i32, Arc<Semaphore>> = HashMap::new();
    loop {
        let wake = inner.wake_sender.notified();
        let cluster = inner.client.cluster();
        let sendable = |topic: &str, partition: i32| match cluster.leader_for(topic, partition) {
            Ok(leader) => in_flight
                .get(&leader)
                .map_or(true, |slots| slots.available_permits() > 0),
            // Unknown leaders are looked up (and retried) by `send_batches`.
            Err(_) => true,
        };
        let (ready, next_linger, closed) = drain(&inner, sendable);
        if closed && ready.is_empty() {
            return;
        }
        if !ready.is_empty() {
            send_batches(&inner, ready, &mut in_flight).await;
            continue;
        }
        match next_linger {
            Some(wait) => {
                let _ = tokio::time::timeout(wait, wake).await;
            }
            None => wake.await,
        }
    }
}

/// Groups batches by leader (one batch per partition per request) and sends each request in
/// its own task once the broker has a free in-flight slot.
async fn send_batches(
    inner: &Arc<Inner>,
    batches: Vec<Batch>,
    in_flight: &mut HashMap<i32, Arc<Semaphore>>,
) {
    let mut by_leader: BTreeMap<i32, Vec<Vec<Batch>>> = BTreeMap::new();
    for batch in batches {
        let leader = match inner.client.leader_for(&batch.topic, batch.partition).await {
            Ok(leader) => leader,
            Err(error) => {
                retry_or_fail(inner, batch, classify(&error));
                continue;
            }
        };
        let requests = by_leader.entry(leader).or_default();
        let slot = requests.iter().position(|request| {
            !request
                .iter()
                .any(|b| b.topic == batch.topic && b.partition == batch.partition)
        });
        match slot {
            Some(index) => requests[index].push(batch),
            None => requests.push(vec![batch]),
        }
    }
    for (leader, requests) in by_leader {
        let slots = in_flight
            .entry(leader)
            .or_insert_with(|| Arc::new(Semaphore::new(inner.config.max_in_flight.max(1))));
        for request in requests {
            let Ok(permit) = Arc::clone(slots).acquire_owned().await else {
                return;
            };
            let inner = Arc::clone(inner);
            tokio::spawn(async move {
                send_request(&inner, leader, request).await;
                drop(permit);
                // A free slot may let waiting batches go.
                inner.wake_sender.notify_one();
            });
        }
    }
}

fn classify(error: &ClientError) -> (ProducerError, bool) {
    match error.error_code() {
        Some(code) => (ProducerError::Kafka(code), error.is_retriable()),
        None => (
            ProducerError::Client(error.to_string()),
            error.is_retriable(),
        ),
    }
}

async fn send_request(inner: &Arc<Inner>, leader: i32, batches: Vec<Batch>) {
    let mut topics: BTreeMap<String, Vec<ProduceRequestPartition>> = BTreeMap::new();
    let mut built: Vec<(Batch, Bytes)> = Vec::with_capacity(batches.len());
    for mut batch in batches {
        let records = match batch.encoded.clone() {
            Some(records) => records,
            None => match std::mem::take(&mut batch.builder).build() {
                Ok(records) => {
                    let records = Bytes::from(records);
                    batch.encoded = Some(records.clone());
                    records
                }
                Err(error) => {
                    complete(inner, batch, Err(ProducerError::Client(error.to_string())));
                    continue;
                }
            },
        };
        topics
            .entry(batch.topic.clone())
            .or_default()
            .push(ProduceRequestPartition {
                partition_index: batch.partition,
                records: Some(records.clone()),
                ..Default::default()
            });
        built.push((batch, records));
    }
    let request = ProduceRequest {
        acks: inner.config.acks,
        timeout_ms: i32::try_from(inner.config.request_timeout_ms).unwrap_or(i32::MAX),
        topics: topics
            .into_iter()
            .map(|(name, partitions)| ProduceRequestTopic {
                name,
                partitions,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let response = match inner.client.send_to(leader, request).await {
        Ok(response) => response,
        Err(error) => {
            let outcome = classify(&error);
            for (batch, _) in built {
                retry_or_fail(inner, batch, outcome.clone());
            }
            return;
        }
    };
    for (batch, _) in built {
        if inner.config.acks == 0 {
            complete(inner, batch, Ok(-1));
            continue;
        }
        let result = response
            .responses
            .iter()
            .filter(|topic| topic.name == batch.topic)
            .flat_map(|topic| topic.partitions.iter())
            .find(|p| p.partition_index == batch.partition);
        match result {
            Some(p) if p.error_code.is_ok() => complete(inner, batch, Ok(p.base_offset)),
            Some(p) => {
                let code = p.error_code;
                retry_or_fail(
                    inner,
                    batch,
                    (ProducerError::Kafka(code), code.is_retriable()),
                );
            }
            None => complete(
                inner,
                batch,
                Err(ProducerError::Client(
                    "Produce response without the partition".into(),
                )),
            ),
        }
    }
}

/// Requeues a batch after `retry.backoff.ms` and a metadata refresh, or fails it for good.
fn retry_or_fail(inner: &Arc<Inner>, mut batch: Batch, (error, retriable): (ProducerError, bool)) {
    if !retriable || batch.attempts >= inner.config.retries {
        complete(inner, batch, Err(error));
        return;
    }
    batch.attempts += 1;
    let inner = Arc::clone(inner);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(inner.config.retry_backoff_ms)).await;
        let _ = inner.client.refresh_metadata(&[batch.topic.clone()]).await;
        lock(&inner.state).ready.push_back(batch);
        inner.wake_sender.notify_one();
    });
}

/// Runs the callbacks of a finished batch and releases its memory.
fn complete(inner: &Inner, batch: Batch, result: Result<i64, ProducerError>) {
    let count = batch.callbacks.len();
    for (index, callback) in batch.callbacks.into_iter().enumerate() {
        let outcome = match &result {
            Ok(base_offset) => Ok(RecordMetadata {
                partition: batch.partition,
                offset: if *base_offset < 0 {
                    -1
                } else {
                    base_offset + index as i64
                },
            }),
            Err(error) => Err(error.clone()),
        };
        callback(outcome);
    }
    if inner.pending.fetch_sub(count, Ordering::AcqRel) == count {
        inner.idle.notify_waiters();
    }
}
