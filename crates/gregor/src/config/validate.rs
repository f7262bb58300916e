//! Rules across keys, checked after every key parsed (Kafka's `KafkaConfig.validateValues`).
//!
//! Messages are Kafka 2.4.1's `require(...)` texts; each names the keys involved. SASL rules
//! are left out because Gregor serves PLAINTEXT only.

use super::api_version::ApiVersion;
use super::definitions::COMPRESSION_TYPES;
use super::error::ConfigError;
use super::kafka_config::KafkaConfig;

fn require(ok: bool, message: impl FnOnce() -> String) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Requirement(message()))
    }
}

fn names(list: &[String]) -> String {
    list.join(",")
}

/// Checks the rules of `validateValues`; `dedupe_buffer_size` is
/// `log.cleaner.dedupe.buffer.size`, which has no field of its own.
pub(crate) fn validate_values(c: &KafkaConfig, dedupe_buffer_size: i64) -> Result<(), ConfigError> {
    if c.broker_id_generation_enable {
        require(
            c.broker_id >= -1 && c.broker_id <= c.max_reserved_broker_id,
            || {
                "broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id"
                .to_string()
            },
        )?;
    } else {
        require(c.broker_id >= 0, || {
            "broker.id must be equal or greater than 0".to_string()
        })?;
    }
    require(c.log_roll_time_millis >= 1, || {
        "log.roll.ms must be equal or greater than 1".into()
    })?;
    require(c.log_roll_time_jitter_millis >= 0, || {
        "log.roll.jitter.ms must be equal or greater than 0".into()
    })?;
    require(
        c.log_retention_time_millis >= 1 || c.log_retention_time_millis == -1,
        || "log.retention.ms must be unlimited (-1) or, equal or greater than 1".into(),
    )?;
    require(!c.log_dirs.is_empty(), || {
        "At least one log directory must be defined via log.dirs or log.dir.".into()
    })?;
    // Kafka divides by the thread count; with 0 threads there is no cleaner to size.
    if c.log_cleaner_threads > 0 {
        require(
            dedupe_buffer_size / i64::from(c.log_cleaner_threads) > 1024 * 1024,
            || "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.".into(),
        )?;
    }
    require(
        c.replica_fetch_wait_max_ms <= c.replica_socket_timeout_ms,
        || {
            "replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent \
         unnecessary socket timeouts"
            .into()
        },
    )?;
    require(
        i64::from(c.replica_fetch_wait_max_ms) <= c.replica_lag_time_max_ms,
        || {
            "replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms \
         to prevent frequent changes in ISR"
            .into()
        },
    )?;
    require(
        c.offset_commit_required_acks >= -1
            && c.offset_commit_required_acks <= c.offsets_topic_replication_factor,
        || {
            "offsets.commit.required.acks must be greater or equal -1 and less or equal to \
             offsets.topic.replication.factor"
                .into()
        },
    )?;
    require(
        COMPRESSION_TYPES.contains(&c.compression_type.as_str()),
        || {
            format!(
                "compression.type : {} is not valid. Valid options are {}",
                c.compression_type,
                COMPRESSION_TYPES.join(",")
            )
        },
    )?;
    validate_listeners(c)?;
    require(
        c.queued_max_bytes <= 0 || c.queued_max_bytes >= i64::from(c.socket_request_max_bytes),
        || "queued.max.request.bytes must be larger or equal to socket.request.max.bytes".into(),
    )?;
    if c.max_connections_per_ip == 0 {
        require(!c.max_connections_per_ip_overrides.is_empty(), || {
            "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides \
             property is set."
                .into()
        })?;
    }
    if c.connections_max_idle_ms >= 0 {
        let delay_ms = c.values.get("connection.failed.authentication.delay.ms");
        let delay_ms = match delay_ms {
            Some(super::value::Value::Int(n)) => i64::from(*n),
            _ => 0,
        };
        require(delay_ms < c.connections_max_idle_ms, || {
            format!(
                "connection.failed.authentication.delay.ms={delay_ms} should always be less than \
                 connections.max.idle.ms={} to prevent failed authentication responses from timing out",
                c.connections_max_idle_ms
            )
        })?;
    }
    let record_version = c.log_message_format_version.record_version();
    require(
        c.inter_broker_protocol_version.record_version() >= record_version,
        || {
            format!(
            "log.message.format.version {} can only be used when inter.broker.protocol.version is \
             set to version {} or higher",
            c.log_message_format_version,
            ApiVersion::min_supported_for(record_version).short_version()
        )
        },
    )
}

fn validate_listeners(c: &KafkaConfig) -> Result<(), ConfigError> {
    let mut advertised: Vec<String> = c
        .advertised_listeners
        .iter()
        .map(|e| e.listener_name.clone())
        .collect();
    advertised.dedup();
    let mut listeners: Vec<String> = c
        .listeners
        .iter()
        .map(|e| e.listener_name.clone())
        .collect();
    listeners.dedup();
    require(advertised.contains(&c.inter_broker_listener_name), || {
        format!(
            "inter.broker.listener.name must be a listener name defined in advertised.listeners. \
             The valid options based on currently configured listeners are {}",
            names(&advertised)
        )
    })?;
    require(
        advertised.iter().all(|name| listeners.contains(name)),
        || {
            format!(
            "advertised.listeners listener names must be equal to or a subset of the ones defined \
             in listeners. Found {}. The valid options based on the current configuration are {}",
            names(&advertised),
            names(&listeners)
        )
        },
    )
}
