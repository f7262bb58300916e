//! A consumer of explicitly assigned partitions (the Java consumer's `assign` + `seek` mode,
//! no group): start positions from ListOffsets, one Fetch request per partition leader per
//! poll (sent concurrently), records decoded from every batch format, `OffsetOutOfRange`
//! handled by `auto.offset.reset`. Shared by the console consumer and the consumer perf tool.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use gregor_client::{
    ClientError, ErrorCode, FetchOptions, KafkaClient, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP,
};
use gregor_protocol::records::{
    entries, ControlRecordType, RecordSetEntry, TimestampType, DEFAULT_MAX_DECOMPRESSED_BYTES,
};
use gregor_protocol::{FetchRequest, FetchRequestPartition, FetchRequestTopic, RecordsData};
use tokio::task::JoinSet;

/// Where consumption of a partition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// The log start offset.
    Earliest,
    /// The end of the log when assigned.
    Latest,
    /// An explicit offset (reset by `auto.offset.reset` when out of range).
    Offset(i64),
}

/// One consumed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedRecord {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Timestamp (-1 for none).
    pub timestamp: i64,
    /// Which clock the timestamp comes from.
    pub timestamp_type: TimestampType,
    /// Key; `None` for null.
    pub key: Option<Bytes>,
    /// Value; `None` for null.
    pub value: Option<Bytes>,
}

/// Assigned partitions of one topic and the next offset of each.
pub struct AssignedConsumer {
    /// The cluster client.
    client: Arc<KafkaClient>,
    /// The topic.
    topic: String,
    /// Next offset to fetch, by partition.
    positions: BTreeMap<i32, i64>,
    /// Fetch settings.
    options: FetchOptions,
    /// `auto.offset.reset=earliest` (else latest).
    reset_to_earliest: bool,
}

/// The partitions of `topic` once it has leaders, asking for auto-creation like the Java
/// consumer (`allow.auto.create.topics`); `None` while the topic does not exist.
pub async fn topic_partitions(
    client: &KafkaClient,
    topic: &str,
) -> Result<Option<Vec<i32>>, ClientError> {
    client.metadata(Some(&[topic.to_string()]), true).await?;
    let cluster = client.cluster();
    Ok(cluster
        .topics
        .get(topic)
        .filter(|info| info.error_code.is_ok() && !info.partitions.is_empty())
        .map(|info| info.partitions.keys().copied().collect()))
}

impl AssignedConsumer {
    /// Assigns `partitions` of `topic` and looks up their start offsets.
    pub async fn assign(
        client: Arc<KafkaClient>,
        topic: &str,
        partitions: &[i32],
        start: StartPosition,
        options: FetchOptions,
        reset_to_earliest: bool,
    ) -> Result<AssignedConsumer, ClientError> {
        let mut consumer = AssignedConsumer {
            client,
            topic: topic.to_string(),
            positions: BTreeMap::new(),
            options,
            reset_to_earliest,
        };
        for &partition in partitions {
            let offset = match start {
                StartPosition::Earliest => {
                    consumer.offset_at(partition, EARLIEST_TIMESTAMP).await?
                }
                StartPosition::Latest => consumer.offset_at(partition, LATEST_TIMESTAMP).await?,
                StartPosition::Offset(offset) => offset,
            };
            consumer.positions.insert(partition, offset);
        }
        Ok(consumer)
    }

    /// Assigns partitions at positions the caller already knows (committed offsets); add the
    /// others with [`Self::reset_position`].
    pub fn at_positions(
        client: Arc<KafkaClient>,
        topic: &str,
        positions: BTreeMap<i32, i64>,
        options: FetchOptions,
        reset_to_earliest: bool,
    ) -> AssignedConsumer {
        AssignedConsumer {
            client,
            topic: topic.to_string(),
            positions,
            options,
            reset_to_earliest,
        }
    }

    /// Next offset per partition.
    pub fn positions(&self) -> &BTreeMap<i32, i64> {
        &self.positions
    }

    /// Moves the next fetch of an assigned `partition` to `offset` (Java's `seek`); assigns it
    /// if it was not.
    pub fn seek(&mut self, partition: i32, offset: i64) {
        self.positions.insert(partition, offset);
    }

    /// Starts `partition` where `auto.offset.reset` says (earliest or latest), as the Java
    /// consumer does for a partition without a committed offset.
    pub async fn reset_position(&mut self, partition: i32) -> Result<(), ClientError> {
        let timestamp = if self.reset_to_earliest {
            EARLIEST_TIMESTAMP
        } else {
            LATEST_TIMESTAMP
        };
        let offset = self.offset_at(partition, timestamp).await?;
        self.positions.insert(partition, offset);
        Ok(())
    }

    async fn offset_at(&self, partition: i32, timestamp: i64) -> Result<i64, ClientError> {
        Ok(self
            .client
            .list_offsets(&self.topic, partition, timestamp)
            .await?
            .offset)
    }

    /// One round of fetches (each leader long-polls up to `fetch.max.wait.ms`); returns the
    /// records in partition order, advancing the positions past them.
    pub async fn poll(&mut self) -> Result<Vec<ConsumedRecord>, ClientError> {
        let assigned: Vec<(String, i32)> = self
            .positions
            .keys()
            .map(|partition| (self.topic.clone(), *partition))
            .collect();
        let groups = self.client.group_by_leader(&assigned).await?;
        let mut fetches = JoinSet::new();
        for (leader, partitions) in groups {
            let request = self.fetch_request(&partitions);
            let client = Arc::clone(&self.client);
            fetches.spawn(async move { client.send_to(leader, request).await });
        }
        let mut records = Vec::new();
        let mut stale_metadata = false;
        while let Some(joined) = fetches.join_next().await {
            let Ok(response) = joined else { continue };
            let response = match response {
                Ok(response) => response,
                Err(error) if error.is_retriable() => {
                    stale_metadata = true;
                    continue;
                }
                Err(error) => return Err(error),
            };
            for partition in response.responses.into_iter().flat_map(|t| t.partitions) {
                match partition.error_code {
                    ErrorCode::None => {
                        let Some(RecordsData::Bytes(bytes)) = partition.records else {
                            continue;
                        };
                        let mut aborted: Vec<(i64, i64)> = partition
                            .aborted_transactions
                            .iter()
                            .flatten()
                            .map(|t| (t.first_offset, t.producer_id))
                            .collect();
                        aborted.sort_unstable();
                        self.take_records(partition.partition, &bytes, &aborted, &mut records);
                    }
                    ErrorCode::OffsetOutOfRange => {
                        let timestamp = if self.reset_to_earliest {
                            EARLIEST_TIMESTAMP
                        } else {
                            LATEST_TIMESTAMP
                        };
                        let offset = self.offset_at(partition.partition, timestamp).await?;
                        self.positions.insert(partition.partition, offset);
                    }
                    _ => stale_metadata = true,
                }
            }
        }
        if stale_metadata {
            let _ = self
                .client
                .refresh_metadata(std::slice::from_ref(&self.topic))
                .await;
        }
        records.sort_by_key(|record| record.partition);
        Ok(records)
    }

    fn fetch_request(&self, partitions: &[(String, i32)]) -> FetchRequest {
        FetchRequest {
            replica_id: -1,
            max_wait_ms: self.options.max_wait_ms,
            min_bytes: self.options.min_bytes,
            max_bytes: self.options.max_bytes,
            isolation_level: self.options.isolation_level,
            session_id: 0,
            session_epoch: -1,
            topics: vec![FetchRequestTopic {
                topic: self.topic.clone(),
                partitions: partitions
                    .iter()
                    .map(|(_, partition)| FetchRequestPartition {
                        partition: *partition,
                        fetch_offset: self.positions.get(partition).copied().unwrap_or(0),
                        partition_max_bytes: self.options.partition_max_bytes,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// Decodes the records at or after the partition's position; control batches are skipped
    /// (as the Java consumer does) but still move the position. With `read_committed`, batches
    /// of aborted transactions (`aborted` = (first offset, producer id), sorted) are skipped as
    /// the Java `Fetcher` does: a producer is aborted from its first offset until its ABORT marker.
    fn take_records(
        &mut self,
        partition: i32,
        bytes: &[u8],
        aborted: &[(i64, i64)],
        out: &mut Vec<ConsumedRecord>,
    ) {
        let Some(position) = self.positions.get(&partition).copied() else {
            return;
        };
        let read_committed = self.options.isolation_level == 1;
        let mut pending_aborts = aborted.iter().peekable();
        let mut aborted_producers: Vec<i64> = Vec::new();
        let mut next = position;
        for entry in entries(bytes) {
            let Ok(entry) = entry else { break };
            if entry.last_offset() < next {
                continue;
            }
            match entry {
                RecordSetEntry::V2(batch) => {
                    let next_after_batch = batch.next_offset();
                    let mut skip = false;
                    if read_committed && batch.has_producer_id() {
                        while let Some((_, producer)) =
                            pending_aborts.next_if(|(first, _)| *first <= batch.last_offset())
                        {
                            aborted_producers.push(*producer);
                        }
                        if batch.is_control() {
                            if is_abort_marker(&batch) {
                                aborted_producers.retain(|p| *p != batch.producer_id());
                            }
                        } else {
                            skip = batch.is_transactional()
                                && aborted_producers.contains(&batch.producer_id());
                        }
                    }
                    if !batch.is_control() && !skip {
                        let Ok(records) = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES) else {
                            break;
                        };
                        for record in records.iter() {
                            let Ok(record) = record else { break };
                            if record.offset < next {
                                continue;
                            }
                            out.push(ConsumedRecord {
                                partition,
                                offset: record.offset,
                                timestamp: record.timestamp,
                                timestamp_type: batch.timestamp_type(),
                                key: record.key.map(Bytes::copy_from_slice),
                                value: record.value.map(Bytes::copy_from_slice),
                            });
                        }
                    }
                    next = next_after_batch;
                }
                RecordSetEntry::Legacy(message) => {
                    let Ok(records) = message.records(DEFAULT_MAX_DECOMPRESSED_BYTES) else {
                        break;
                    };
                    for record in records.into_iter().filter(|r| r.offset >= next) {
                        out.push(ConsumedRecord {
                            partition,
                            offset: record.offset,
                            timestamp: record.timestamp,
                            timestamp_type: message.timestamp_type(),
                            key: record.key,
                            value: record.value,
                        });
                    }
                    next = message.offset() + 1;
                }
            }
        }
        self.positions.insert(partition, next);
    }
}

/// True for a control batch whose marker is ABORT.
fn is_abort_marker(batch: &gregor_protocol::records::RecordBatch<'_>) -> bool {
    let Ok(records) = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES) else {
        return false;
    };
    let first = records.iter().next();
    matches!(
        first
            .and_then(Result::ok)
            .and_then(|r| r.key)
            .map(ControlRecordType::parse_key),
        Some(Ok((_, ControlRecordType::Abort)))
    )
}
