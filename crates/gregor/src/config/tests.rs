//! `KafkaConfig` as a user sees it: defaults, overrides, precedence, and the error text that
//! stops start-up for each kind of bad value.

use std::collections::BTreeMap;
use std::io::Write;

use super::*;

pub(super) fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = [(
        "zookeeper.connect".to_string(),
        "localhost:2181".to_string(),
    )]
    .into();
    for (k, v) in pairs {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

pub(super) fn config(pairs: &[(&str, &str)]) -> KafkaConfig {
    KafkaConfig::from_props(props(pairs)).unwrap()
}

pub(super) fn error(pairs: &[(&str, &str)]) -> String {
    KafkaConfig::from_props(props(pairs))
        .unwrap_err()
        .to_string()
}

#[test]
fn defaults_are_kafka_2_4s() {
    let c = config(&[]);
    assert_eq!(c.broker_id, -1);
    assert!(c.broker_id_generation_enable);
    assert_eq!(c.max_reserved_broker_id, 1000);
    assert_eq!(c.zk_session_timeout_ms, 6000);
    assert_eq!(
        c.zk_connection_timeout_ms, 6000,
        "falls back to the session timeout"
    );
    assert_eq!(c.zk_max_in_flight_requests, 10);
    assert_eq!(c.log_dirs, vec!["/tmp/kafka-logs"]);
    assert_eq!(c.num_partitions, 1);
    assert_eq!(c.default_replication_factor, 1);
    assert_eq!(c.offsets_topic_replication_factor, 3);
    assert_eq!(c.offsets_topic_partitions, 50);
    assert_eq!(c.offsets_retention_minutes, 10080);
    assert_eq!(c.group_initial_rebalance_delay_ms, 3000);
    assert_eq!(c.group_max_session_timeout_ms, 1_800_000);
    assert_eq!(c.transaction_topic_min_isr, 2);
    assert_eq!(c.replica_lag_time_max_ms, 10_000);
    assert_eq!(c.message_max_bytes, 1_000_012);
    assert_eq!(c.log_segment_bytes, 1_073_741_824);
    assert_eq!(c.log_retention_time_millis, 168 * 3_600_000);
    assert_eq!(c.log_roll_time_millis, 168 * 3_600_000);
    assert_eq!(c.log_flush_interval_ms, i64::MAX);
    assert_eq!(c.inter_broker_protocol_version.version(), "2.4-IV1");
    assert_eq!(c.log_message_format_version.version(), "2.4-IV1");
    assert!(c.auto_create_topics_enable && c.delete_topic_enable && c.auto_leader_rebalance_enable);
    assert!(!c.unclean_leader_election_enable);
    assert_eq!(c.compression_type, "producer");
    assert_eq!(c.socket_request_max_bytes, 104_857_600);
    assert_eq!(c.max_connections, i32::MAX);
}

#[test]
fn no_listeners_means_plaintext_on_9092_from_legacy_keys() {
    let c = config(&[]);
    assert_eq!(c.listeners.len(), 1);
    assert_eq!(c.listeners[0].to_string(), "PLAINTEXT://:9092");
    assert_eq!(c.advertised_listeners, c.listeners);
    assert_eq!(c.inter_broker_listener_name, "PLAINTEXT");
    let legacy = config(&[("host.name", "10.0.0.5"), ("port", "19092")]);
    assert_eq!(
        legacy.listeners[0].to_string(),
        "PLAINTEXT://10.0.0.5:19092"
    );
    let adv = config(&[
        ("advertised.host.name", "public.example"),
        ("advertised.port", "1"),
    ]);
    assert_eq!(
        adv.advertised_listeners[0].to_string(),
        "PLAINTEXT://public.example:1"
    );
}

#[test]
fn listeners_with_custom_names() {
    let c = config(&[
        ("listeners", "INTERNAL://:19092,EXTERNAL://0.0.0.0:9092"),
        (
            "advertised.listeners",
            "INTERNAL://kafka1:19092,EXTERNAL://localhost:9092",
        ),
        (
            "listener.security.protocol.map",
            "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
        ),
        ("inter.broker.listener.name", "internal"),
    ]);
    assert_eq!(c.inter_broker_listener_name, "INTERNAL");
    assert_eq!(
        c.inter_broker_security_protocol,
        SecurityProtocol::Plaintext
    );
    assert_eq!(c.advertised_listeners[1].host.as_deref(), Some("localhost"));
}

#[test]
fn retention_precedence_is_ms_then_minutes_then_hours() {
    assert_eq!(
        config(&[("log.retention.hours", "1")]).log_retention_time_millis,
        3_600_000
    );
    let c = config(&[("log.retention.hours", "1"), ("log.retention.minutes", "2")]);
    assert_eq!(c.log_retention_time_millis, 120_000);
    let c = config(&[
        ("log.retention.hours", "1"),
        ("log.retention.minutes", "2"),
        ("log.retention.ms", "5"),
    ]);
    assert_eq!(c.log_retention_time_millis, 5);
    assert_eq!(
        config(&[("log.retention.ms", "-7")]).log_retention_time_millis,
        -1
    );
    let e = error(&[("log.retention.ms", "0")]);
    assert_eq!(
        e,
        "requirement failed: log.retention.ms must be unlimited (-1) or, equal or greater than 1"
    );
    assert_eq!(
        config(&[("log.roll.hours", "2")]).log_roll_time_millis,
        7_200_000
    );
    assert_eq!(
        config(&[("log.roll.hours", "2"), ("log.roll.ms", "9")]).log_roll_time_millis,
        9
    );
}

#[test]
fn log_dirs_wins_over_log_dir() {
    assert_eq!(config(&[("log.dir", "/a")]).log_dirs, vec!["/a"]);
    assert_eq!(
        config(&[("log.dir", "/a"), ("log.dirs", "/b, /c")]).log_dirs,
        vec!["/b", "/c"]
    );
    let e = error(&[("log.dirs", " , ")]);
    assert!(
        e.contains("At least one log directory must be defined via log.dirs or log.dir."),
        "{e}"
    );
}

#[test]
fn unknown_keys_are_kept_reported_and_ignored() {
    let c = config(&[
        ("no.such.key", "1"),
        ("log.segment.bytes", "1048576"),
        ("log.bogus", "x"),
    ]);
    assert_eq!(c.unknown_keys(), vec!["log.bogus", "no.such.key"]);
    assert_eq!(
        KafkaConfig::unknown_key_warning("no.such.key"),
        "The configuration 'no.such.key' was supplied but isn't a known config."
    );
    let log = c.log_originals();
    assert_eq!(log.len(), 2);
    assert_eq!(log["log.segment.bytes"], "1048576");
}

#[test]
fn values_dump_lists_every_key_sorted_like_kafka() {
    let c = config(&[
        ("broker.id", "0"),
        ("log.dirs", "/tmp/kafka-logs"),
        ("ssl.key.password", "pw"),
    ]);
    let dump = c.values_dump();
    assert!(dump.starts_with(
        "KafkaConfig values: \n\tadvertised.host.name = null\n\tadvertised.listeners = null\n"
    ));
    for line in [
        "\tbroker.id = 0\n",
        "\tlog.cleanup.policy = [delete]\n",
        "\tlog.cleaner.io.max.bytes.per.second = 1.7976931348623157E308\n",
        "\tlog.retention.ms = null\n",
        "\tssl.enabled.protocols = [TLSv1.2, TLSv1.1, TLSv1]\n",
        "\tssl.key.password = [hidden]\n",
        "\tinter.broker.protocol.version = 2.4-IV1\n",
        "\tzookeeper.connection.timeout.ms = null\n",
        "\tauthorizer.class.name = \n",
    ] {
        assert!(dump.contains(line), "missing {line:?}");
    }
    let keys: Vec<&str> = dump
        .lines()
        .skip(1)
        .filter_map(|l| l.trim_start().split(" = ").next())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert!(dump.ends_with("\tzookeeper.sync.time.ms = 2000\n"));
}

#[test]
fn load_reads_a_file_and_overrides_win() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        file,
        "# stock\nbroker.id=0\nzookeeper.connect=localhost:2181\nnum.partitions=3"
    )
    .unwrap();
    let overrides = vec![
        ("num.partitions".to_string(), "4".to_string()),
        ("num.partitions".to_string(), "5".to_string()),
        ("broker.id".to_string(), "7".to_string()),
    ];
    let c = KafkaConfig::load(file.path(), &overrides).unwrap();
    assert_eq!(c.num_partitions, 5);
    assert_eq!(c.broker_id, 7);
    let err =
        KafkaConfig::load(std::path::Path::new("/no/such/server.properties"), &[]).unwrap_err();
    assert_eq!(err.java_class(), "java.io.FileNotFoundException");
    assert!(err.to_string().starts_with("/no/such/server.properties ("));
}

#[test]
fn values_are_trimmed_like_configdef_does() {
    let c = config(&[
        ("num.partitions", " 3 "),
        ("auto.create.topics.enable", " FALSE "),
    ]);
    assert_eq!(c.num_partitions, 3);
    assert!(!c.auto_create_topics_enable);
    assert_eq!(c.value("num.partitions"), Some(&Value::Int(3)));
}

#[test]
fn supplied_and_sensitive_keys_for_describe_configs() {
    let c = config(&[("num.partitions", "2")]);
    assert!(c.is_supplied("num.partitions") && c.is_supplied("zookeeper.connect"));
    assert!(!c.is_supplied("log.retention.hours"));
    assert!(KafkaConfig::is_sensitive("ssl.keystore.password"));
    assert!(KafkaConfig::is_sensitive("not.a.key"));
    assert!(!KafkaConfig::is_sensitive("num.partitions"));
}

#[test]
fn from_pairs_builds_a_test_broker_config() {
    let c = KafkaConfig::from_pairs(&[
        ("zookeeper.connect", "127.0.0.1:2181/gregor"),
        ("broker.id", "3"),
        ("listeners", "PLAINTEXT://127.0.0.1:0"),
    ])
    .unwrap();
    assert_eq!(c.broker_id, 3);
    assert_eq!(c.zk_connect, "127.0.0.1:2181/gregor");
    assert_eq!(c.listeners[0].port, 0);
}
