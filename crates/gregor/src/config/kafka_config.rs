//! `KafkaConfig`: the broker's typed, validated configuration (Kafka's `kafka.server.KafkaConfig`).
//!
//! Field names are Kafka's Scala names in Rust case (`brokerId` → `broker_id`,
//! `logRetentionTimeMillis` → `log_retention_time_millis`); the key each comes from is in its
//! doc line. Derived values (listeners, retention from ms/minutes/hours) are resolved here once,
//! with Kafka's precedence, so the broker never re-reads raw keys. Building and checking live
//! in `config::build`.

use std::collections::BTreeMap;

use super::api_version::ApiVersion;
use super::listeners::{EndPoint, ListenerName, SecurityProtocol};
use super::value::Value;

/// Which timestamp a log indexes (`log.message.timestamp.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// The producer's timestamp.
    CreateTime,
    /// The broker's clock at append.
    LogAppendTime,
}

impl TimestampType {
    /// Kafka's spelling.
    pub fn name(self) -> &'static str {
        match self {
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        }
    }
}

/// The broker configuration. Immutable after start-up except `broker_id`, which start-up
/// replaces with the generated id when it is -1 (as Kafka's `config.brokerId = ...`).
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    // ---- ZooKeeper
    /// `zookeeper.connect`: `host:port[,host:port...][/chroot]`.
    pub zk_connect: String,
    /// `zookeeper.session.timeout.ms`.
    pub zk_session_timeout_ms: i32,
    /// `zookeeper.connection.timeout.ms`, defaulting to the session timeout.
    pub zk_connection_timeout_ms: i32,
    /// `zookeeper.sync.time.ms`.
    pub zk_sync_time_ms: i32,
    /// `zookeeper.set.acl`.
    pub zk_enable_secure_acls: bool,
    /// `zookeeper.max.in.flight.requests`.
    pub zk_max_in_flight_requests: i32,

    // ---- General
    /// `broker.id` (-1: generate from `/brokers/seqid`).
    pub broker_id: i32,
    /// `broker.id.generation.enable`.
    pub broker_id_generation_enable: bool,
    /// `reserved.broker.max.id`: generated ids start above it.
    pub max_reserved_broker_id: i32,
    /// `broker.rack`.
    pub rack: Option<String>,
    /// `message.max.bytes`: the largest record batch accepted.
    pub message_max_bytes: i32,
    /// `num.network.threads`.
    pub num_network_threads: i32,
    /// `num.io.threads`.
    pub num_io_threads: i32,
    /// `background.threads`.
    pub background_threads: i32,
    /// `queued.max.requests`: requests buffered before the network stops reading.
    pub queued_max_requests: i32,
    /// `queued.max.request.bytes` (-1: unbounded).
    pub queued_max_bytes: i64,
    /// `request.timeout.ms`.
    pub request_timeout_ms: i32,

    // ---- Socket server
    /// `listeners`, or `PLAINTEXT://<host.name>:<port>` when unset.
    pub listeners: Vec<EndPoint>,
    /// `advertised.listeners`, else legacy `advertised.host.name`/`port`, else `listeners`
    /// (minus the control-plane listener): what goes to ZooKeeper and Metadata.
    pub advertised_listeners: Vec<EndPoint>,
    /// `listener.security.protocol.map`.
    pub listener_security_protocol_map: BTreeMap<ListenerName, SecurityProtocol>,
    /// `inter.broker.listener.name`, or the name of `security.inter.broker.protocol`.
    pub inter_broker_listener_name: ListenerName,
    /// The security protocol of the inter-broker listener.
    pub inter_broker_security_protocol: SecurityProtocol,
    /// `control.plane.listener.name` (KIP-291).
    pub control_plane_listener_name: Option<ListenerName>,
    /// `socket.send.buffer.bytes` (-1: OS default).
    pub socket_send_buffer_bytes: i32,
    /// `socket.receive.buffer.bytes` (-1: OS default).
    pub socket_receive_buffer_bytes: i32,
    /// `socket.request.max.bytes`: the largest request frame.
    pub socket_request_max_bytes: i32,
    /// `max.connections.per.ip`.
    pub max_connections_per_ip: i32,
    /// `max.connections.per.ip.overrides`: host or IP → limit.
    pub max_connections_per_ip_overrides: BTreeMap<String, i32>,
    /// `max.connections`.
    pub max_connections: i32,
    /// `connections.max.idle.ms`.
    pub connections_max_idle_ms: i64,

    // ---- Log
    /// `num.partitions`: for auto-created topics and creation without a count.
    pub num_partitions: i32,
    /// `log.dirs`, else `log.dir`.
    pub log_dirs: Vec<String>,
    /// `log.segment.bytes`.
    pub log_segment_bytes: i32,
    /// `log.roll.ms`, else `log.roll.hours`.
    pub log_roll_time_millis: i64,
    /// `log.roll.jitter.ms`, else `log.roll.jitter.hours`.
    pub log_roll_time_jitter_millis: i64,
    /// `log.retention.ms`, else `.minutes`, else `.hours`; any negative value means -1 (forever).
    pub log_retention_time_millis: i64,
    /// `log.retention.bytes` (-1: unbounded).
    pub log_retention_bytes: i64,
    /// `log.retention.check.interval.ms`.
    pub log_cleanup_interval_ms: i64,
    /// `log.cleanup.policy`: `delete` and/or `compact`.
    pub log_cleanup_policy: Vec<String>,
    /// `log.cleaner.enable`.
    pub log_cleaner_enable: bool,
    /// `log.cleaner.threads`.
    pub log_cleaner_threads: i32,
    /// `log.cleaner.delete.retention.ms`.
    pub log_cleaner_delete_retention_ms: i64,
    /// `log.cleaner.min.compaction.lag.ms`.
    pub log_cleaner_min_compaction_lag_ms: i64,
    /// `log.cleaner.max.compaction.lag.ms`.
    pub log_cleaner_max_compaction_lag_ms: i64,
    /// `log.cleaner.min.cleanable.ratio`.
    pub log_cleaner_min_clean_ratio: f64,
    /// `log.index.size.max.bytes`.
    pub log_index_size_max_bytes: i32,
    /// `log.index.interval.bytes`.
    pub log_index_interval_bytes: i32,
    /// `log.flush.interval.messages`.
    pub log_flush_interval_messages: i64,
    /// `log.segment.delete.delay.ms`.
    pub log_delete_delay_ms: i64,
    /// `log.flush.scheduler.interval.ms`.
    pub log_flush_scheduler_interval_ms: i64,
    /// `log.flush.interval.ms`, else `log.flush.scheduler.interval.ms`.
    pub log_flush_interval_ms: i64,
    /// `log.flush.offset.checkpoint.interval.ms`: recovery-point checkpoint period.
    pub log_flush_offset_checkpoint_interval_ms: i32,
    /// `log.flush.start.offset.checkpoint.interval.ms`.
    pub log_flush_start_offset_checkpoint_interval_ms: i32,
    /// `log.preallocate`.
    pub log_pre_allocate_enable: bool,
    /// `num.recovery.threads.per.data.dir`.
    pub num_recovery_threads_per_data_dir: i32,
    /// `auto.create.topics.enable`.
    pub auto_create_topics_enable: bool,
    /// `min.insync.replicas`.
    pub min_in_sync_replicas: i32,
    /// `log.message.format.version`.
    pub log_message_format_version: ApiVersion,
    /// `log.message.timestamp.type`.
    pub log_message_timestamp_type: TimestampType,
    /// `log.message.timestamp.difference.max.ms`.
    pub log_message_timestamp_difference_max_ms: i64,
    /// `log.message.downconversion.enable`.
    pub log_message_down_conversion_enable: bool,
    /// `compression.type`: `producer` keeps what the producer sent.
    pub compression_type: String,

    // ---- Replication and controller
    /// `controller.socket.timeout.ms`.
    pub controller_socket_timeout_ms: i32,
    /// `default.replication.factor`.
    pub default_replication_factor: i32,
    /// `replica.lag.time.max.ms`: a follower behind this long leaves the ISR.
    pub replica_lag_time_max_ms: i64,
    /// `replica.socket.timeout.ms`.
    pub replica_socket_timeout_ms: i32,
    /// `replica.socket.receive.buffer.bytes`.
    pub replica_socket_receive_buffer_bytes: i32,
    /// `replica.fetch.max.bytes`: per partition.
    pub replica_fetch_max_bytes: i32,
    /// `replica.fetch.wait.max.ms`.
    pub replica_fetch_wait_max_ms: i32,
    /// `replica.fetch.min.bytes`.
    pub replica_fetch_min_bytes: i32,
    /// `replica.fetch.response.max.bytes`.
    pub replica_fetch_response_max_bytes: i32,
    /// `replica.fetch.backoff.ms`.
    pub replica_fetch_backoff_ms: i32,
    /// `num.replica.fetchers`.
    pub num_replica_fetchers: i32,
    /// `replica.high.watermark.checkpoint.interval.ms`.
    pub replica_high_watermark_checkpoint_interval_ms: i64,
    /// `fetch.purgatory.purge.interval.requests`.
    pub fetch_purgatory_purge_interval_requests: i32,
    /// `producer.purgatory.purge.interval.requests`.
    pub producer_purgatory_purge_interval_requests: i32,
    /// `delete.records.purgatory.purge.interval.requests`.
    pub delete_records_purgatory_purge_interval_requests: i32,
    /// `auto.leader.rebalance.enable`.
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.per.broker.percentage`.
    pub leader_imbalance_per_broker_percentage: i32,
    /// `leader.imbalance.check.interval.seconds`.
    pub leader_imbalance_check_interval_seconds: i64,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election_enable: bool,
    /// `inter.broker.protocol.version`.
    pub inter_broker_protocol_version: ApiVersion,
    /// `controlled.shutdown.enable`.
    pub controlled_shutdown_enable: bool,
    /// `controlled.shutdown.max.retries`.
    pub controlled_shutdown_max_retries: i32,
    /// `controlled.shutdown.retry.backoff.ms`.
    pub controlled_shutdown_retry_backoff_ms: i64,
    /// `delete.topic.enable`.
    pub delete_topic_enable: bool,

    // ---- Group coordinator and offsets
    /// `group.min.session.timeout.ms`.
    pub group_min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`.
    pub group_max_session_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`.
    pub group_initial_rebalance_delay_ms: i32,
    /// `group.max.size`.
    pub group_max_size: i32,
    /// `offset.metadata.max.bytes`.
    pub offset_metadata_max_size: i32,
    /// `offsets.load.buffer.size`.
    pub offsets_load_buffer_size: i32,
    /// `offsets.topic.replication.factor`.
    pub offsets_topic_replication_factor: i16,
    /// `offsets.topic.num.partitions`.
    pub offsets_topic_partitions: i32,
    /// `offsets.topic.segment.bytes`.
    pub offsets_topic_segment_bytes: i32,
    /// `offsets.topic.compression.codec` (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
    pub offsets_topic_compression_codec: i32,
    /// `offsets.retention.minutes`.
    pub offsets_retention_minutes: i32,
    /// `offsets.retention.check.interval.ms`.
    pub offsets_retention_check_interval_ms: i64,
    /// `offsets.commit.timeout.ms`.
    pub offset_commit_timeout_ms: i32,
    /// `offsets.commit.required.acks`.
    pub offset_commit_required_acks: i16,

    // ---- Transactions and fetch sessions
    /// `transactional.id.expiration.ms`.
    pub transactional_id_expiration_ms: i32,
    /// `transaction.max.timeout.ms`.
    pub transaction_max_timeout_ms: i32,
    /// `transaction.state.log.min.isr`.
    pub transaction_topic_min_isr: i32,
    /// `transaction.state.log.replication.factor`.
    pub transaction_topic_replication_factor: i16,
    /// `transaction.state.log.num.partitions`.
    pub transaction_topic_partitions: i32,
    /// `transaction.state.log.segment.bytes`.
    pub transaction_topic_segment_bytes: i32,
    /// `transaction.state.log.load.buffer.size`.
    pub transactions_load_buffer_size: i32,
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`.
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: i32,
    /// `transaction.remove.expired.transaction.cleanup.interval.ms`.
    pub transaction_remove_expired_transaction_cleanup_interval_ms: i32,
    /// `max.incremental.fetch.session.cache.slots`.
    pub max_incremental_fetch_session_cache_slots: i32,

    // ---- What was parsed, for the values dump and DescribeConfigs
    /// Every defined key with its parsed (or default) value.
    pub(crate) values: BTreeMap<&'static str, Value>,
    /// Every supplied key with its raw string, known or not.
    pub(crate) originals: BTreeMap<String, String>,
}
