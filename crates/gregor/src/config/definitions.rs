//! Every broker key Kafka 2.4.1 defines, with its type, default and validator.
//!
//! The order is the order of `KafkaConfig.configDef` in Kafka 2.4.1, which matters: Kafka
//! reports the first bad key in this order (a missing `zookeeper.connect` is reported before a
//! bad `num.partitions`). Keys Gregor does not act on (SSL, SASL, quotas, metrics reporters)
//! are still defined so that they are accepted silently and appear in the values dump, as in
//! Kafka; the broker decides later which of them it honours.

use super::value::{ConfigType as T, DefaultValue, Validator as V};

/// One key of the broker's `ConfigDef`.
#[derive(Debug, Clone, Copy)]
pub struct ConfigKey {
    /// The key, verbatim as in `server.properties`.
    pub name: &'static str,
    /// How its string is parsed.
    pub config_type: T,
    /// What it holds when absent.
    pub default: DefaultValue,
    /// What is checked after parsing.
    pub validator: V,
}

const REQUIRED: DefaultValue = DefaultValue::Required;
const NULL: DefaultValue = DefaultValue::Null;

const fn d(text: &'static str) -> DefaultValue {
    DefaultValue::Text(text)
}

const fn k(name: &'static str, config_type: T, default: DefaultValue, validator: V) -> ConfigKey {
    ConfigKey {
        name,
        config_type,
        default,
        validator,
    }
}

const INT_MAX: &str = "2147483647";
const LONG_MAX: &str = "9223372036854775807";
/// `BrokerCompressionCodec.brokerCompressionOptions`, in Kafka's order (used in its message).
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// `PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL`.
pub const DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP: &str =
    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

/// The broker's keys, in Kafka's definition order.
#[rustfmt::skip]
pub const BROKER_KEYS: &[ConfigKey] = &[
    // ZooKeeper
    k("zookeeper.connect", T::String, REQUIRED, V::None),
    k("zookeeper.session.timeout.ms", T::Int, d("6000"), V::None),
    k("zookeeper.connection.timeout.ms", T::Int, NULL, V::None),
    k("zookeeper.sync.time.ms", T::Int, d("2000"), V::None),
    k("zookeeper.set.acl", T::Boolean, d("false"), V::None),
    k("zookeeper.max.in.flight.requests", T::Int, d("10"), V::AtLeast(1)),
    // General
    k("broker.id.generation.enable", T::Boolean, d("true"), V::None),
    k("reserved.broker.max.id", T::Int, d("1000"), V::AtLeast(0)),
    k("broker.id", T::Int, d("-1"), V::None),
    k("message.max.bytes", T::Int, d("1000012"), V::AtLeast(0)),
    k("num.network.threads", T::Int, d("3"), V::AtLeast(1)),
    k("num.io.threads", T::Int, d("8"), V::AtLeast(1)),
    k("background.threads", T::Int, d("10"), V::AtLeast(1)),
    k("queued.max.requests", T::Int, d("500"), V::AtLeast(1)),
    k("queued.max.request.bytes", T::Long, d("-1"), V::None),
    k("request.timeout.ms", T::Int, d("30000"), V::None),
    k("connection.failed.authentication.delay.ms", T::Int, d("100"), V::AtLeast(0)),
    k("authorizer.class.name", T::String, d(""), V::None),
    // Socket server
    k("port", T::Int, d("9092"), V::None),
    k("host.name", T::String, d(""), V::None),
    k("listeners", T::String, NULL, V::None),
    k("advertised.host.name", T::String, NULL, V::None),
    k("advertised.port", T::Int, NULL, V::None),
    k("advertised.listeners", T::String, NULL, V::None),
    k("listener.security.protocol.map", T::String, d(DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP), V::None),
    k("control.plane.listener.name", T::String, NULL, V::None),
    k("socket.send.buffer.bytes", T::Int, d("102400"), V::None),
    k("socket.receive.buffer.bytes", T::Int, d("102400"), V::None),
    k("socket.request.max.bytes", T::Int, d("104857600"), V::AtLeast(1)),
    k("max.connections.per.ip", T::Int, d(INT_MAX), V::AtLeast(0)),
    k("max.connections.per.ip.overrides", T::String, d(""), V::None),
    k("max.connections", T::Int, d(INT_MAX), V::AtLeast(0)),
    k("connections.max.idle.ms", T::Long, d("600000"), V::None),
    // Rack
    k("broker.rack", T::String, NULL, V::None),
    // Log
    k("num.partitions", T::Int, d("1"), V::AtLeast(1)),
    k("log.dir", T::String, d("/tmp/kafka-logs"), V::None),
    k("log.dirs", T::String, NULL, V::None),
    // LegacyRecord.RECORD_OVERHEAD_V0: a segment must hold at least one v0 record header.
    k("log.segment.bytes", T::Int, d("1073741824"), V::AtLeast(14)),
    k("log.roll.ms", T::Long, NULL, V::None),
    k("log.roll.hours", T::Int, d("168"), V::AtLeast(1)),
    k("log.roll.jitter.ms", T::Long, NULL, V::None),
    k("log.roll.jitter.hours", T::Int, d("0"), V::AtLeast(0)),
    k("log.retention.ms", T::Long, NULL, V::None),
    k("log.retention.minutes", T::Int, NULL, V::None),
    k("log.retention.hours", T::Int, d("168"), V::None),
    k("log.retention.bytes", T::Long, d("-1"), V::None),
    k("log.retention.check.interval.ms", T::Long, d("300000"), V::AtLeast(1)),
    k("log.cleanup.policy", T::List, d("delete"), V::EachOneOf(&["compact", "delete"])),
    k("log.cleaner.threads", T::Int, d("1"), V::AtLeast(0)),
    k("log.cleaner.io.max.bytes.per.second", T::Double, d("1.7976931348623157E308"), V::None),
    k("log.cleaner.dedupe.buffer.size", T::Long, d("134217728"), V::None),
    k("log.cleaner.io.buffer.size", T::Int, d("524288"), V::AtLeast(0)),
    k("log.cleaner.io.buffer.load.factor", T::Double, d("0.9"), V::None),
    k("log.cleaner.backoff.ms", T::Long, d("15000"), V::AtLeast(0)),
    k("log.cleaner.min.cleanable.ratio", T::Double, d("0.5"), V::None),
    k("log.cleaner.enable", T::Boolean, d("true"), V::None),
    k("log.cleaner.delete.retention.ms", T::Long, d("86400000"), V::None),
    k("log.cleaner.min.compaction.lag.ms", T::Long, d("0"), V::None),
    k("log.cleaner.max.compaction.lag.ms", T::Long, d(LONG_MAX), V::AtLeast(1)),
    k("log.index.size.max.bytes", T::Int, d("10485760"), V::AtLeast(4)),
    k("log.index.interval.bytes", T::Int, d("4096"), V::AtLeast(0)),
    k("log.flush.interval.messages", T::Long, d(LONG_MAX), V::AtLeast(1)),
    k("log.segment.delete.delay.ms", T::Long, d("60000"), V::AtLeast(0)),
    k("log.flush.scheduler.interval.ms", T::Long, d(LONG_MAX), V::None),
    k("log.flush.interval.ms", T::Long, NULL, V::None),
    k("log.flush.offset.checkpoint.interval.ms", T::Int, d("60000"), V::AtLeast(0)),
    k("log.flush.start.offset.checkpoint.interval.ms", T::Int, d("60000"), V::AtLeast(0)),
    k("log.preallocate", T::Boolean, d("false"), V::None),
    k("num.recovery.threads.per.data.dir", T::Int, d("1"), V::AtLeast(1)),
    k("auto.create.topics.enable", T::Boolean, d("true"), V::None),
    k("min.insync.replicas", T::Int, d("1"), V::AtLeast(1)),
    k("log.message.format.version", T::String, d("2.4-IV1"), V::ApiVersion),
    k("log.message.timestamp.type", T::String, d("CreateTime"), V::OneOf(&["CreateTime", "LogAppendTime"])),
    k("log.message.timestamp.difference.max.ms", T::Long, d(LONG_MAX), V::AtLeast(0)),
    k("create.topic.policy.class.name", T::Class, NULL, V::None),
    k("alter.config.policy.class.name", T::Class, NULL, V::None),
    k("log.message.downconversion.enable", T::Boolean, d("true"), V::None),
    // Replication
    k("controller.socket.timeout.ms", T::Int, d("30000"), V::None),
    k("default.replication.factor", T::Int, d("1"), V::None),
    k("replica.lag.time.max.ms", T::Long, d("10000"), V::None),
    k("replica.socket.timeout.ms", T::Int, d("30000"), V::None),
    k("replica.socket.receive.buffer.bytes", T::Int, d("65536"), V::None),
    k("replica.fetch.max.bytes", T::Int, d("1048576"), V::AtLeast(0)),
    k("replica.fetch.wait.max.ms", T::Int, d("500"), V::None),
    k("replica.fetch.backoff.ms", T::Int, d("1000"), V::AtLeast(0)),
    k("replica.fetch.min.bytes", T::Int, d("1"), V::None),
    k("replica.fetch.response.max.bytes", T::Int, d("10485760"), V::AtLeast(0)),
    k("num.replica.fetchers", T::Int, d("1"), V::None),
    k("replica.high.watermark.checkpoint.interval.ms", T::Long, d("5000"), V::None),
    k("fetch.purgatory.purge.interval.requests", T::Int, d("1000"), V::None),
    k("producer.purgatory.purge.interval.requests", T::Int, d("1000"), V::None),
    k("delete.records.purgatory.purge.interval.requests", T::Int, d("1"), V::None),
    k("auto.leader.rebalance.enable", T::Boolean, d("true"), V::None),
    k("leader.imbalance.per.broker.percentage", T::Int, d("10"), V::None),
    k("leader.imbalance.check.interval.seconds", T::Long, d("300"), V::None),
    k("unclean.leader.election.enable", T::Boolean, d("false"), V::None),
    // Checked when the inter-broker listener is resolved, with Kafka's own message.
    k("security.inter.broker.protocol", T::String, d("PLAINTEXT"), V::None),
    k("inter.broker.listener.name", T::String, NULL, V::None),
    k("inter.broker.protocol.version", T::String, d("2.4-IV1"), V::ApiVersion),
    k("replica.selector.class", T::String, NULL, V::None),
    // Controlled shutdown
    k("controlled.shutdown.max.retries", T::Int, d("3"), V::None),
    k("controlled.shutdown.retry.backoff.ms", T::Long, d("5000"), V::None),
    k("controlled.shutdown.enable", T::Boolean, d("true"), V::None),
    // Group coordinator
    k("group.min.session.timeout.ms", T::Int, d("6000"), V::None),
    k("group.max.session.timeout.ms", T::Int, d("1800000"), V::None),
    k("group.initial.rebalance.delay.ms", T::Int, d("3000"), V::None),
    k("group.max.size", T::Int, d(INT_MAX), V::AtLeast(1)),
    // Offset management
    k("offset.metadata.max.bytes", T::Int, d("4096"), V::None),
    k("offsets.load.buffer.size", T::Int, d("5242880"), V::AtLeast(1)),
    k("offsets.topic.replication.factor", T::Short, d("3"), V::AtLeast(1)),
    k("offsets.topic.num.partitions", T::Int, d("50"), V::AtLeast(1)),
    k("offsets.topic.segment.bytes", T::Int, d("104857600"), V::AtLeast(1)),
    k("offsets.topic.compression.codec", T::Int, d("0"), V::None),
    k("offsets.retention.minutes", T::Int, d("10080"), V::AtLeast(1)),
    k("offsets.retention.check.interval.ms", T::Long, d("600000"), V::AtLeast(1)),
    k("offsets.commit.timeout.ms", T::Int, d("5000"), V::AtLeast(1)),
    k("offsets.commit.required.acks", T::Short, d("-1"), V::None),
    k("delete.topic.enable", T::Boolean, d("true"), V::None),
    // Checked in `validate` (Kafka 2.4 has no validator on the key itself).
    k("compression.type", T::String, d("producer"), V::None),
    // Transaction management
    k("transactional.id.expiration.ms", T::Int, d("604800000"), V::AtLeast(1)),
    k("transaction.max.timeout.ms", T::Int, d("900000"), V::AtLeast(1)),
    k("transaction.state.log.min.isr", T::Int, d("2"), V::AtLeast(1)),
    k("transaction.state.log.load.buffer.size", T::Int, d("5242880"), V::AtLeast(1)),
    k("transaction.state.log.replication.factor", T::Short, d("3"), V::AtLeast(1)),
    k("transaction.state.log.num.partitions", T::Int, d("50"), V::AtLeast(1)),
    k("transaction.state.log.segment.bytes", T::Int, d("104857600"), V::AtLeast(1)),
    k("transaction.abort.timed.out.transaction.cleanup.interval.ms", T::Int, d("60000"), V::AtLeast(1)),
    k("transaction.remove.expired.transaction.cleanup.interval.ms", T::Int, d("3600000"), V::AtLeast(1)),
    // Fetch sessions
    k("max.incremental.fetch.session.cache.slots", T::Int, d("1000"), V::AtLeast(0)),
    // Metrics
    k("metrics.num.samples", T::Int, d("2"), V::AtLeast(1)),
    k("metrics.sample.window.ms", T::Long, d("30000"), V::AtLeast(1)),
    k("metric.reporters", T::List, d(""), V::None),
    k("metrics.recording.level", T::String, d("INFO"), V::None),
    k("kafka.metrics.reporters", T::List, d(""), V::None),
    k("kafka.metrics.polling.interval.secs", T::Int, d("10"), V::AtLeast(1)),
    // Quotas
    k("quota.producer.default", T::Long, d(LONG_MAX), V::AtLeast(1)),
    k("quota.consumer.default", T::Long, d(LONG_MAX), V::AtLeast(1)),
    k("quota.window.num", T::Int, d("11"), V::AtLeast(1)),
    k("replication.quota.window.num", T::Int, d("11"), V::AtLeast(1)),
    k("alter.log.dirs.replication.quota.window.num", T::Int, d("11"), V::AtLeast(1)),
    k("quota.window.size.seconds", T::Int, d("1"), V::AtLeast(1)),
    k("replication.quota.window.size.seconds", T::Int, d("1"), V::AtLeast(1)),
    k("alter.log.dirs.replication.quota.window.size.seconds", T::Int, d("1"), V::AtLeast(1)),
    k("client.quota.callback.class", T::Class, NULL, V::None),
    k("num.replica.alter.log.dirs.threads", T::Int, NULL, V::None),
    // Security (accepted and shown; Gregor serves PLAINTEXT only)
    k("connections.max.reauth.ms", T::Long, d("0"), V::None),
    k("security.providers", T::String, NULL, V::None),
    k("principal.builder.class", T::Class, NULL, V::None),
    k("ssl.protocol", T::String, d("TLS"), V::None),
    k("ssl.provider", T::String, NULL, V::None),
    k("ssl.enabled.protocols", T::List, d("TLSv1.2,TLSv1.1,TLSv1"), V::None),
    k("ssl.keystore.type", T::String, d("JKS"), V::None),
    k("ssl.keystore.location", T::String, NULL, V::None),
    k("ssl.keystore.password", T::Password, NULL, V::None),
    k("ssl.key.password", T::Password, NULL, V::None),
    k("ssl.truststore.type", T::String, d("JKS"), V::None),
    k("ssl.truststore.location", T::String, NULL, V::None),
    k("ssl.truststore.password", T::Password, NULL, V::None),
    k("ssl.keymanager.algorithm", T::String, d("SunX509"), V::None),
    k("ssl.trustmanager.algorithm", T::String, d("PKIX"), V::None),
    k("ssl.endpoint.identification.algorithm", T::String, d("https"), V::None),
    k("ssl.secure.random.implementation", T::String, NULL, V::None),
    k("ssl.client.auth", T::String, d("none"), V::OneOf(&["required", "requested", "none"])),
    k("ssl.cipher.suites", T::List, d(""), V::None),
    k("ssl.principal.mapping.rules", T::String, d("DEFAULT"), V::None),
    k("sasl.mechanism.inter.broker.protocol", T::String, d("GSSAPI"), V::None),
    k("sasl.jaas.config", T::Password, NULL, V::None),
    k("sasl.enabled.mechanisms", T::List, d("GSSAPI"), V::None),
    k("sasl.server.callback.handler.class", T::Class, NULL, V::None),
    k("sasl.client.callback.handler.class", T::Class, NULL, V::None),
    k("sasl.login.class", T::Class, NULL, V::None),
    k("sasl.login.callback.handler.class", T::Class, NULL, V::None),
    k("sasl.kerberos.service.name", T::String, NULL, V::None),
    k("sasl.kerberos.kinit.cmd", T::String, d("/usr/bin/kinit"), V::None),
    k("sasl.kerberos.ticket.renew.window.factor", T::Double, d("0.8"), V::None),
    k("sasl.kerberos.ticket.renew.jitter", T::Double, d("0.05"), V::None),
    k("sasl.kerberos.min.time.before.relogin", T::Long, d("60000"), V::None),
    k("sasl.kerberos.principal.to.local.rules", T::List, d("DEFAULT"), V::None),
    k("sasl.login.refresh.window.factor", T::Double, d("0.8"), V::None),
    k("sasl.login.refresh.window.jitter", T::Double, d("0.05"), V::None),
    k("sasl.login.refresh.min.period.seconds", T::Short, d("60"), V::None),
    k("sasl.login.refresh.buffer.seconds", T::Short, d("300"), V::None),
    // Delegation tokens
    k("delegation.token.master.key", T::Password, NULL, V::None),
    k("delegation.token.max.lifetime.ms", T::Long, d("604800000"), V::AtLeast(1)),
    k("delegation.token.expiry.time.ms", T::Long, d("86400000"), V::AtLeast(1)),
    k("delegation.token.expiry.check.interval.ms", T::Long, d("3600000"), V::AtLeast(1)),
    // Password encoder for dynamic configs
    k("password.encoder.secret", T::Password, NULL, V::None),
    k("password.encoder.old.secret", T::Password, NULL, V::None),
    k("password.encoder.keyfactory.algorithm", T::String, NULL, V::None),
    k("password.encoder.cipher.algorithm", T::String, d("AES/CBC/PKCS5Padding"), V::None),
    k("password.encoder.key.length", T::Int, d("128"), V::AtLeast(8)),
    k("password.encoder.iterations", T::Int, d("4096"), V::AtLeast(1024)),
];

/// The definition of `name`, if the broker knows the key.
pub fn find(name: &str) -> Option<&'static ConfigKey> {
    BROKER_KEYS.iter().find(|key| key.name == name)
}
