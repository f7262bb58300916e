//! Data-plane helpers of [`KafkaClient`]: Produce, Fetch and ListOffsets to a partition's leader,
//! and FindCoordinator. Each returns the partition's result; a Kafka error that persists after
//! the retries comes back as [`ClientError::Kafka`] carrying the [`ErrorCode`].

use bytes::Bytes;
use gregor_protocol::{
    ApiKey, ErrorCode, FetchRequest, FetchRequestPartition, FetchRequestTopic,
    FetchResponsePartition, FindCoordinatorRequest, ListOffsetsRequest,
    ListOffsetsRequestPartition, ListOffsetsRequestTopic, ListOffsetsResponsePartition,
    ProduceRequest, ProduceRequestPartition, ProduceRequestTopic, ProduceResponsePartition,
};

use crate::client::KafkaClient;
use crate::error::ClientError;

/// ListOffsets timestamp asking for the log start offset.
pub const EARLIEST_TIMESTAMP: i64 = -2;
/// ListOffsets timestamp asking for the log end offset (high watermark for consumers).
pub const LATEST_TIMESTAMP: i64 = -1;

/// Fetch settings, with the Java consumer's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// `fetch.max.wait.ms`.
    pub max_wait_ms: i32,
    /// `fetch.min.bytes`.
    pub min_bytes: i32,
    /// `fetch.max.bytes`.
    pub max_bytes: i32,
    /// `max.partition.fetch.bytes`.
    pub partition_max_bytes: i32,
    /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED.
    pub isolation_level: i8,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: 52_428_800,
            partition_max_bytes: 1_048_576,
            isolation_level: 0,
        }
    }
}

/// A group (or transaction) coordinator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinator {
    /// Broker id.
    pub node_id: i32,
    /// Host.
    pub host: String,
    /// Port.
    pub port: i32,
}

/// Ok for `ErrorCode::None`, else the Kafka error.
fn check(api: ApiKey, error: ErrorCode, message: Option<String>) -> Result<(), ClientError> {
    if error.is_ok() {
        Ok(())
    } else {
        Err(ClientError::Kafka {
            api,
            error,
            message,
        })
    }
}

fn missing_partition(api: ApiKey, topic: &str, partition: i32) -> ClientError {
    ClientError::Protocol {
        addr: String::new(),
        reason: format!("{api:?} response has no result for {topic}-{partition}"),
    }
}

impl KafkaClient {
    /// Writes a record set (already encoded batches) to a partition's leader. With acks = 0
    /// nothing comes back: the result has `base_offset` -1 once the request is written. As with
    /// the Java producer without idempotence, a retry after a lost connection may write twice.
    pub async fn produce(
        &self,
        topic: &str,
        partition: i32,
        records: Bytes,
        acks: i16,
        timeout_ms: i32,
    ) -> Result<ProduceResponsePartition, ClientError> {
        let topics = [topic.to_string()];
        self.with_retries(Some(&topics), || async {
            let leader = self.leader_for(topic, partition).await?;
            let request = ProduceRequest {
                acks,
                timeout_ms,
                topics: vec![ProduceRequestTopic {
                    name: topic.to_string(),
                    partitions: vec![ProduceRequestPartition {
                        partition_index: partition,
                        records: Some(records.clone()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let response = self.send_to(leader, request).await?;
            if acks == 0 {
                return Ok(ProduceResponsePartition {
                    partition_index: partition,
                    base_offset: -1,
                    ..Default::default()
                });
            }
            let result = response
                .responses
                .into_iter()
                .filter(|entry| entry.name == topic)
                .flat_map(|entry| entry.partitions)
                .find(|entry| entry.partition_index == partition)
                .ok_or_else(|| missing_partition(ApiKey::Produce, topic, partition))?;
            check(
                ApiKey::Produce,
                result.error_code,
                result.error_message.clone(),
            )?;
            Ok(result)
        })
        .await
    }

    /// Reads from a partition's leader as a consumer (replica id -1, no fetch session).
    pub async fn fetch(
        &self,
        topic: &str,
        partition: i32,
        fetch_offset: i64,
        options: &FetchOptions,
    ) -> Result<FetchResponsePartition, ClientError> {
        let topics = [topic.to_string()];
        self.with_retries(Some(&topics), || async {
            let leader = self.leader_for(topic, partition).await?;
            let request = FetchRequest {
                replica_id: -1,
                max_wait_ms: options.max_wait_ms,
                min_bytes: options.min_bytes,
                max_bytes: options.max_bytes,
                isolation_level: options.isolation_level,
                session_id: 0,
                session_epoch: -1,
                topics: vec![FetchRequestTopic {
                    topic: topic.to_string(),
                    partitions: vec![FetchRequestPartition {
                        partition,
                        fetch_offset,
                        partition_max_bytes: options.partition_max_bytes,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let response = self.send_to(leader, request).await?;
            check(ApiKey::Fetch, response.error_code, None)?;
            let result = response
                .responses
                .into_iter()
                .filter(|entry| entry.topic == topic)
                .flat_map(|entry| entry.partitions)
                .find(|entry| entry.partition == partition)
                .ok_or_else(|| missing_partition(ApiKey::Fetch, topic, partition))?;
            check(ApiKey::Fetch, result.error_code, None)?;
            Ok(result)
        })
        .await
    }

    /// Looks up an offset by timestamp ([`EARLIEST_TIMESTAMP`], [`LATEST_TIMESTAMP`] or a time
    /// in ms). A v0 answer's `offsets[0]` is moved into `offset`, so callers read one field.
    pub async fn list_offsets(
        &self,
        topic: &str,
        partition: i32,
        timestamp: i64,
    ) -> Result<ListOffsetsResponsePartition, ClientError> {
        let topics = [topic.to_string()];
        self.with_retries(Some(&topics), || async {
            let leader = self.leader_for(topic, partition).await?;
            let request = ListOffsetsRequest {
                replica_id: -1,
                topics: vec![ListOffsetsRequestTopic {
                    topic: topic.to_string(),
                    partitions: vec![ListOffsetsRequestPartition {
                        partition,
                        timestamp,
                        max_num_offsets: 1,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let response = self.send_to(leader, request).await?;
            let mut result = response
                .topics
                .into_iter()
                .filter(|entry| entry.topic == topic)
                .flat_map(|entry| entry.partitions)
                .find(|entry| entry.partition == partition)
                .ok_or_else(|| missing_partition(ApiKey::ListOffsets, topic, partition))?;
            check(ApiKey::ListOffsets, result.error_code, None)?;
            if let Some(&offset) = result.offsets.first() {
                result.offset = offset;
            }
            Ok(result)
        })
        .await
    }

    /// Finds the coordinator of a group (`key_type` 0) or transactional id (1), retrying while
    /// the coordinator is not yet available.
    pub async fn find_coordinator(
        &self,
        key: &str,
        key_type: i8,
    ) -> Result<Coordinator, ClientError> {
        self.with_retries(Some(&[]), || async {
            let request = FindCoordinatorRequest {
                key: key.to_string(),
                key_type,
                ..Default::default()
            };
            let response = self.send_to_any(request).await?;
            check(
                ApiKey::FindCoordinator,
                response.error_code,
                response.error_message.clone(),
            )?;
            Ok(Coordinator {
                node_id: response.node_id,
                host: response.host,
                port: response.port,
            })
        })
        .await
    }
}
