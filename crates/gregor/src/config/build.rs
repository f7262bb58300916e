//! Step two of building a `KafkaConfig`: typed fields from parsed values, with Kafka's
//! derivations (listeners, retention precedence, fallbacks), then `validate::validate_values`.

use std::collections::BTreeMap;

use super::api_version::ApiVersion;
use super::error::ConfigError;
use super::kafka_config::{KafkaConfig, TimestampType};
use super::listeners::{
    listener_list_to_end_points, parse_csv_list, parse_security_protocol_map, EndPoint,
    ListenerName, SecurityProtocol,
};
use super::parsed::Parsed;
use super::validate::validate_values;

const MILLIS_PER_MINUTE: i64 = 60 * 1000;
const MILLIS_PER_HOUR: i64 = 60 * MILLIS_PER_MINUTE;

/// Listener settings resolved together because they depend on each other.
struct Listeners {
    listeners: Vec<EndPoint>,
    advertised: Vec<EndPoint>,
    protocol_map: BTreeMap<ListenerName, SecurityProtocol>,
    inter_broker_name: ListenerName,
    inter_broker_protocol: SecurityProtocol,
    control_plane_name: Option<ListenerName>,
}

fn resolve_listeners(
    p: &Parsed,
    originals: &BTreeMap<String, String>,
) -> Result<Listeners, ConfigError> {
    let protocol_map = parse_security_protocol_map(&p.string("listener.security.protocol.map")?)?;
    let host_name = p.string("host.name")?;
    let port = p.int("port")?;
    let listeners = match p.opt_string("listeners")? {
        Some(text) => listener_list_to_end_points("listeners", &text, &protocol_map)?,
        // Pre-0.9 style: host.name and port make one PLAINTEXT listener.
        None => listener_list_to_end_points(
            "listeners",
            &format!("PLAINTEXT://{host_name}:{port}"),
            &protocol_map,
        )?,
    };
    let control_plane_name = match p.opt_string("control.plane.listener.name")? {
        Some(name) => {
            let name = name.to_ascii_uppercase();
            if !protocol_map.contains_key(&name) {
                return Err(ConfigError::Invalid(format!(
                    "Listener with {name} defined in control.plane.listener.name not found in \
                     listener.security.protocol.map."
                )));
            }
            Some(name)
        }
        None => None,
    };
    let advertised_host = p.opt_string("advertised.host.name")?;
    let advertised_port = p.opt_int("advertised.port")?;
    let advertised = match p.opt_string("advertised.listeners")? {
        Some(text) => listener_list_to_end_points("advertised.listeners", &text, &protocol_map)?,
        None if advertised_host.is_some() || advertised_port.is_some() => {
            let host = advertised_host.unwrap_or(host_name);
            let port = advertised_port.unwrap_or(port);
            listener_list_to_end_points(
                "advertised.listeners",
                &format!("PLAINTEXT://{host}:{port}"),
                &protocol_map,
            )?
        }
        None => listeners
            .iter()
            .filter(|l| Some(&l.listener_name) != control_plane_name.as_ref())
            .cloned()
            .collect(),
    };
    let (inter_broker_name, inter_broker_protocol) = match p.opt_string("inter.broker.listener.name")? {
        Some(_) if originals.contains_key("security.inter.broker.protocol") => {
            return Err(ConfigError::Invalid(
                "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."
                    .to_string(),
            ))
        }
        Some(name) => {
            let name = name.to_ascii_uppercase();
            let protocol = *protocol_map.get(&name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "Listener with name {name} defined in inter.broker.listener.name not found in \
                     listener.security.protocol.map."
                ))
            })?;
            (name, protocol)
        }
        None => {
            let protocol = SecurityProtocol::from_config(
                &p.string("security.inter.broker.protocol")?,
                "security.inter.broker.protocol",
            )?;
            (protocol.name().to_string(), protocol)
        }
    };
    Ok(Listeners {
        listeners,
        advertised,
        protocol_map,
        inter_broker_name,
        inter_broker_protocol,
        control_plane_name,
    })
}

/// `log.retention.ms` > `.minutes` > `.hours`; negative means unlimited (-1).
fn log_retention_time_millis(p: &Parsed) -> Result<i64, ConfigError> {
    let millis = match (
        p.opt_long("log.retention.ms")?,
        p.opt_int("log.retention.minutes")?,
    ) {
        (Some(ms), _) => ms,
        (None, Some(minutes)) => MILLIS_PER_MINUTE * i64::from(minutes),
        (None, None) => MILLIS_PER_HOUR * i64::from(p.int("log.retention.hours")?),
    };
    Ok(if millis < 0 { -1 } else { millis })
}

fn api_version(p: &Parsed, name: &str) -> Result<ApiVersion, ConfigError> {
    let text = p.string(name)?;
    ApiVersion::parse(&text).ok_or_else(|| {
        ConfigError::invalid_value(
            name,
            &text,
            format!("Version `{text}` is not a valid version"),
        )
    })
}

fn connection_overrides(p: &Parsed) -> Result<BTreeMap<String, i32>, ConfigError> {
    let name = "max.connections.per.ip.overrides";
    let text = p.string(name)?;
    let mut overrides = BTreeMap::new();
    for entry in parse_csv_list(&text) {
        let parsed = entry
            .rsplit_once(':')
            .and_then(|(host, limit)| Some((host.trim().to_string(), limit.trim().parse().ok()?)));
        let Some((host, limit)) = parsed else {
            return Err(ConfigError::invalid_value(
                name,
                &text,
                format!("Error parsing configuration property '{name}': bad entry '{entry}'"),
            ));
        };
        overrides.insert(host, limit);
    }
    Ok(overrides)
}

/// Builds and checks the typed configuration from supplied key → raw value pairs.
pub(crate) fn build(originals: BTreeMap<String, String>) -> Result<KafkaConfig, ConfigError> {
    let p = Parsed::parse(&originals)?;
    let l = resolve_listeners(&p, &originals)?;
    let log_dirs = match p.opt_string("log.dirs")? {
        Some(dirs) => parse_csv_list(&dirs),
        None => parse_csv_list(&p.string("log.dir")?),
    };
    let log_flush_scheduler_interval_ms = p.long("log.flush.scheduler.interval.ms")?;
    let timestamp_type = match p.string("log.message.timestamp.type")?.as_str() {
        "LogAppendTime" => TimestampType::LogAppendTime,
        _ => TimestampType::CreateTime,
    };
    let session_timeout_ms = p.int("zookeeper.session.timeout.ms")?;
    let config = KafkaConfig {
        zk_connect: p.string("zookeeper.connect")?,
        zk_session_timeout_ms: session_timeout_ms,
        zk_connection_timeout_ms: p
            .opt_int("zookeeper.connection.timeout.ms")?
            .unwrap_or(session_timeout_ms),
        zk_sync_time_ms: p.int("zookeeper.sync.time.ms")?,
        zk_enable_secure_acls: p.boolean("zookeeper.set.acl")?,
        zk_max_in_flight_requests: p.int("zookeeper.max.in.flight.requests")?,
        broker_id: p.int("broker.id")?,
        broker_id_generation_enable: p.boolean("broker.id.generation.enable")?,
        max_reserved_broker_id: p.int("reserved.broker.max.id")?,
        rack: p.opt_string("broker.rack")?,
        message_max_bytes: p.int("message.max.bytes")?,
        num_network_threads: p.int("num.network.threads")?,
        num_io_threads: p.int("num.io.threads")?,
        background_threads: p.int("background.threads")?,
        queued_max_requests: p.int("queued.max.requests")?,
        queued_max_bytes: p.long("queued.max.request.bytes")?,
        request_timeout_ms: p.int("request.timeout.ms")?,
        listeners: l.listeners,
        advertised_listeners: l.advertised,
        listener_security_protocol_map: l.protocol_map,
        inter_broker_listener_name: l.inter_broker_name,
        inter_broker_security_protocol: l.inter_broker_protocol,
        control_plane_listener_name: l.control_plane_name,
        socket_send_buffer_bytes: p.int("socket.send.buffer.bytes")?,
        socket_receive_buffer_bytes: p.int("socket.receive.buffer.bytes")?,
        socket_request_max_bytes: p.int("socket.request.max.bytes")?,
        max_connections_per_ip: p.int("max.connections.per.ip")?,
        max_connections_per_ip_overrides: connection_overrides(&p)?,
        max_connections: p.int("max.connections")?,
        connections_max_idle_ms: p.long("connections.max.idle.ms")?,
        num_partitions: p.int("num.partitions")?,
        log_dirs,
        log_segment_bytes: p.int("log.segment.bytes")?,
        log_roll_time_millis: match p.opt_long("log.roll.ms")? {
            Some(ms) => ms,
            None => MILLIS_PER_HOUR * i64::from(p.int("log.roll.hours")?),
        },
        log_roll_time_jitter_millis: match p.opt_long("log.roll.jitter.ms")? {
            Some(ms) => ms,
            None => MILLIS_PER_HOUR * i64::from(p.int("log.roll.jitter.hours")?),
        },
        log_retention_time_millis: log_retention_time_millis(&p)?,
        log_retention_bytes: p.long("log.retention.bytes")?,
        log_cleanup_interval_ms: p.long("log.retention.check.interval.ms")?,
        log_cleanup_policy: p.list("log.cleanup.policy")?,
        log_cleaner_enable: p.boolean("log.cleaner.enable")?,
        log_cleaner_threads: p.int("log.cleaner.threads")?,
        log_cleaner_delete_retention_ms: p.long("log.cleaner.delete.retention.ms")?,
        log_cleaner_min_compaction_lag_ms: p.long("log.cleaner.min.compaction.lag.ms")?,
        log_cleaner_max_compaction_lag_ms: p.long("log.cleaner.max.compaction.lag.ms")?,
        log_cleaner_min_clean_ratio: p.double("log.cleaner.min.cleanable.ratio")?,
        log_index_size_max_bytes: p.int("log.index.size.max.bytes")?,
        log_index_interval_bytes: p.int("log.index.interval.bytes")?,
        log_flush_interval_messages: p.long("log.flush.interval.messages")?,
        log_delete_delay_ms: p.long("log.segment.delete.delay.ms")?,
        log_flush_scheduler_interval_ms,
        log_flush_interval_ms: p
            .opt_long("log.flush.interval.ms")?
            .unwrap_or(log_flush_scheduler_interval_ms),
        log_flush_offset_checkpoint_interval_ms: p
            .int("log.flush.offset.checkpoint.interval.ms")?,
        log_flush_start_offset_checkpoint_interval_ms: p
            .int("log.flush.start.offset.checkpoint.interval.ms")?,
        log_pre_allocate_enable: p.boolean("log.preallocate")?,
        num_recovery_threads_per_data_dir: p.int("num.recovery.threads.per.data.dir")?,
        auto_create_topics_enable: p.boolean("auto.create.topics.enable")?,
        min_in_sync_replicas: p.int("min.insync.replicas")?,
        log_message_format_version: api_version(&p, "log.message.format.version")?,
        log_message_timestamp_type: timestamp_type,
        log_message_timestamp_difference_max_ms: p
            .long("log.message.timestamp.difference.max.ms")?,
        log_message_down_conversion_enable: p.boolean("log.message.downconversion.enable")?,
        compression_type: p.string("compression.type")?,
        controller_socket_timeout_ms: p.int("controller.socket.timeout.ms")?,
        default_replication_factor: p.int("default.replication.factor")?,
        replica_lag_time_max_ms: p.long("replica.lag.time.max.ms")?,
        replica_socket_timeout_ms: p.int("replica.socket.timeout.ms")?,
        replica_socket_receive_buffer_bytes: p.int("replica.socket.receive.buffer.bytes")?,
        replica_fetch_max_bytes: p.int("replica.fetch.max.bytes")?,
        replica_fetch_wait_max_ms: p.int("replica.fetch.wait.max.ms")?,
        replica_fetch_min_bytes: p.int("replica.fetch.min.bytes")?,
        replica_fetch_response_max_bytes: p.int("replica.fetch.response.max.bytes")?,
        replica_fetch_backoff_ms: p.int("replica.fetch.backoff.ms")?,
        num_replica_fetchers: p.int("num.replica.fetchers")?,
        replica_high_watermark_checkpoint_interval_ms: p
            .long("replica.high.watermark.checkpoint.interval.ms")?,
        fetch_purgatory_purge_interval_requests: p
            .int("fetch.purgatory.purge.interval.requests")?,
        producer_purgatory_purge_interval_requests: p
            .int("producer.purgatory.purge.interval.requests")?,
        delete_records_purgatory_purge_interval_requests: p
            .int("delete.records.purgatory.purge.interval.requests")?,
        auto_leader_rebalance_enable: p.boolean("auto.leader.rebalance.enable")?,
        leader_imbalance_per_broker_percentage: p.int("leader.imbalance.per.broker.percentage")?,
        leader_imbalance_check_interval_seconds: p
            .long("leader.imbalance.check.interval.seconds")?,
        unclean_leader_election_enable: p.boolean("unclean.leader.election.enable")?,
        inter_broker_protocol_version: api_version(&p, "inter.broker.protocol.version")?,
        controlled_shutdown_enable: p.boolean("controlled.shutdown.enable")?,
        controlled_shutdown_max_retries: p.int("controlled.shutdown.max.retries")?,
        controlled_shutdown_retry_backoff_ms: p.long("controlled.shutdown.retry.backoff.ms")?,
        delete_topic_enable: p.boolean("delete.topic.enable")?,
        group_min_session_timeout_ms: p.int("group.min.session.timeout.ms")?,
        group_max_session_timeout_ms: p.int("group.max.session.timeout.ms")?,
        group_initial_rebalance_delay_ms: p.int("group.initial.rebalance.delay.ms")?,
        group_max_size: p.int("group.max.size")?,
        offset_metadata_max_size: p.int("offset.metadata.max.bytes")?,
        offsets_load_buffer_size: p.int("offsets.load.buffer.size")?,
        offsets_topic_replication_factor: p.short("offsets.topic.replication.factor")?,
        offsets_topic_partitions: p.int("offsets.topic.num.partitions")?,
        offsets_topic_segment_bytes: p.int("offsets.topic.segment.bytes")?,
        offsets_topic_compression_codec: p.int("offsets.topic.compression.codec")?,
        offsets_retention_minutes: p.int("offsets.retention.minutes")?,
        offsets_retention_check_interval_ms: p.long("offsets.retention.check.interval.ms")?,
        offset_commit_timeout_ms: p.int("offsets.commit.timeout.ms")?,
        offset_commit_required_acks: p.short("offsets.commit.required.acks")?,
        transactional_id_expiration_ms: p.int("transactional.id.expiration.ms")?,
        transaction_max_timeout_ms: p.int("transaction.max.timeout.ms")?,
        transaction_topic_min_isr: p.int("transaction.state.log.min.isr")?,
        transaction_topic_replication_factor: p
            .short("transaction.state.log.replication.factor")?,
        transaction_topic_partitions: p.int("transaction.state.log.num.partitions")?,
        transaction_topic_segment_bytes: p.int("transaction.state.log.segment.bytes")?,
        transactions_load_buffer_size: p.int("transaction.state.log.load.buffer.size")?,
        transaction_abort_timed_out_transaction_cleanup_interval_ms: p
            .int("transaction.abort.timed.out.transaction.cleanup.interval.ms")?,
        transaction_remove_expired_transaction_cleanup_interval_ms: p
            .int("transaction.remove.expired.transaction.cleanup.interval.ms")?,
        max_incremental_fetch_session_cache_slots: p
            .int("max.incremental.fetch.session.cache.slots")?,
        values: p.values,
        originals,
    };
    validate_values(&config, p_dedupe_buffer_size(&config)?)?;
    Ok(config)
}

/// `log.cleaner.dedupe.buffer.size` is not a field (the cleaner is not built yet) but one
/// cross-key rule needs it.
fn p_dedupe_buffer_size(config: &KafkaConfig) -> Result<i64, ConfigError> {
    match config.values.get("log.cleaner.dedupe.buffer.size") {
        Some(super::value::Value::Long(n)) => Ok(*n),
        _ => Err(ConfigError::Invalid(
            "configuration log.cleaner.dedupe.buffer.size is not defined as LONG".to_string(),
        )),
    }
}
