//! Bad configurations as a user meets them: each stops start-up with Kafka's message, and
//! the message names the key.

use std::collections::BTreeMap;

use super::tests::{config, error, props};
use super::*;

#[test]
fn listener_errors_name_their_key() {
    assert!(error(&[("listeners", "nonsense")]).contains("for configuration listeners"));
    assert!(error(&[("advertised.listeners", "PLAINTEXT://x")]).contains("advertised.listeners"));
    let e = error(&[
        ("inter.broker.listener.name", "PLAINTEXT"),
        ("security.inter.broker.protocol", "PLAINTEXT"),
    ]);
    assert_eq!(
        e,
        "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."
    );
    let e = error(&[("inter.broker.listener.name", "NOPE")]);
    assert!(
        e.contains("inter.broker.listener.name not found in listener.security.protocol.map"),
        "{e}"
    );
    let e = error(&[
        ("listeners", "PLAINTEXT://:9092,SSL://:9093"),
        ("inter.broker.listener.name", "SSL"),
        ("advertised.listeners", "PLAINTEXT://h:9092"),
    ]);
    assert!(e.starts_with("requirement failed: inter.broker.listener.name must be a listener name defined in advertised.listeners"), "{e}");
    let e = error(&[("advertised.listeners", "PLAINTEXT://h:9092,SSL://h:9093")]);
    assert!(
        e.contains("advertised.listeners listener names must be equal to or a subset"),
        "{e}"
    );
    let e = error(&[("security.inter.broker.protocol", "TLS")]);
    assert!(e.contains("security.inter.broker.protocol"), "{e}");
}

#[test]
fn invalid_values_stop_start_up_naming_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("num.partitions", "abc", "Invalid value abc for configuration num.partitions: Not a number of type INT"),
        ("num.partitions", "-1", "Invalid value -1 for configuration num.partitions: Value must be at least 1"),
        ("num.partitions", "0", "Invalid value 0 for configuration num.partitions: Value must be at least 1"),
        ("broker.id", "x", "Invalid value x for configuration broker.id: Not a number of type INT"),
        ("log.retention.bytes", "1k", "Invalid value 1k for configuration log.retention.bytes: Not a number of type LONG"),
        ("auto.create.topics.enable", "maybe", "Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false"),
        ("offsets.topic.replication.factor", "0", "Invalid value 0 for configuration offsets.topic.replication.factor: Value must be at least 1"),
        ("min.insync.replicas", "0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"),
        ("log.segment.bytes", "10", "Invalid value 10 for configuration log.segment.bytes: Value must be at least 14"),
        ("log.cleanup.policy", "delete,shred", "Invalid value shred for configuration log.cleanup.policy: String must be one of: compact, delete"),
        ("inter.broker.protocol.version", "3.0", "Invalid value 3.0 for configuration inter.broker.protocol.version: Version `3.0` is not a valid version"),
        ("log.message.timestamp.type", "Wallclock", "Invalid value Wallclock for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime"),
        ("zookeeper.session.timeout.ms", "6s", "Invalid value 6s for configuration zookeeper.session.timeout.ms: Not a number of type INT"),
    ];
    for (key, value, message) in cases {
        assert_eq!(error(&[(key, value)]), *message, "for {key}={value}");
    }
}

#[test]
fn missing_zookeeper_connect_is_reported_in_kafkas_words() {
    let err = KafkaConfig::from_props(BTreeMap::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Missing required configuration \"zookeeper.connect\" which has no default value."
    );
    assert_eq!(
        err.java_class(),
        "org.apache.kafka.common.config.ConfigException"
    );
}

#[test]
fn cross_key_rules() {
    let e = error(&[("broker.id", "1001")]);
    assert_eq!(e, "requirement failed: broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id");
    assert!(KafkaConfig::from_props(props(&[
        ("broker.id", "1001"),
        ("reserved.broker.max.id", "2000")
    ]))
    .is_ok());
    let e = error(&[
        ("broker.id", "-1"),
        ("broker.id.generation.enable", "false"),
    ]);
    assert_eq!(
        e,
        "requirement failed: broker.id must be equal or greater than 0"
    );
    let e = error(&[("replica.fetch.wait.max.ms", "40000")]);
    assert!(
        e.contains("replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms"),
        "{e}"
    );
    let e = error(&[("offsets.commit.required.acks", "5")]);
    assert!(
        e.contains("offsets.commit.required.acks must be greater or equal -1"),
        "{e}"
    );
    let e = error(&[
        ("log.message.format.version", "2.4"),
        ("inter.broker.protocol.version", "0.10.2"),
    ]);
    assert_eq!(e, "requirement failed: log.message.format.version 2.4-IV1 can only be used when inter.broker.protocol.version is set to version 0.11.0 or higher");
    let e = error(&[("compression.type", "brotli")]);
    assert_eq!(e, "requirement failed: compression.type : brotli is not valid. Valid options are uncompressed,zstd,lz4,snappy,gzip,producer");
    let e = error(&[("max.connections.per.ip", "0")]);
    assert!(
        e.contains("max.connections.per.ip can be set to zero only if"),
        "{e}"
    );
    let c = config(&[
        ("max.connections.per.ip", "0"),
        ("max.connections.per.ip.overrides", "127.0.0.1:5, host:7"),
    ]);
    assert_eq!(c.max_connections_per_ip_overrides["host"], 7);
}

#[test]
fn more_invalid_values_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "log.cleaner.min.cleanable.ratio",
            "half",
            "Invalid value half for configuration log.cleaner.min.cleanable.ratio: Not a number of type DOUBLE",
        ),
        (
            "transaction.state.log.replication.factor",
            "40000",
            "Invalid value 40000 for configuration transaction.state.log.replication.factor: Not a number of type SHORT",
        ),
        (
            "zookeeper.max.in.flight.requests",
            "0",
            "Invalid value 0 for configuration zookeeper.max.in.flight.requests: Value must be at least 1",
        ),
        (
            "ssl.client.auth",
            "maybe",
            "Invalid value maybe for configuration ssl.client.auth: String must be one of: required, requested, none",
        ),
    ];
    for (key, value, message) in cases {
        assert_eq!(error(&[(key, value)]), *message, "for {key}={value}");
    }
    let e = error(&[("max.connections.per.ip.overrides", "host:lots")]);
    assert!(
        e.contains("for configuration max.connections.per.ip.overrides"),
        "{e}"
    );
    let e = error(&[("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,BAD")]);
    assert!(e.contains("listener.security.protocol.map"), "{e}");
    let e = error(&[("control.plane.listener.name", "CONTROLLER")]);
    assert!(e.contains("control.plane.listener.name"), "{e}");
}
