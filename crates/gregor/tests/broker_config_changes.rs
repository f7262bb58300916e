//! Dynamic topic configs (Kafka's `DynamicConfigManager` / `TopicConfigHandler`, kafka-2.4.md
//! §1.2 `/config/changes`): AlterConfigs writes `/config/topics/<t>` and a change notification,
//! and the running broker applies the new overrides to its live logs without a restart, also
//! after its ZooKeeper session expired and was replaced.

mod broker_harness;

use std::time::{Duration, Instant};

use broker_harness::{first_partition, produce_request, runtime, Broker};
use bytes::Bytes;
use gregor_client::BrokerConnection;
use gregor_protocol::records::{Compression, RecordBatchBuilder};
use gregor_protocol::{AlterConfigsRequest, AlterConfigsResource, AlterableConfig, ErrorCode};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client as zk_raw;
use gregor_zk::KafkaZkClient;

/// How long a config change may take to reach the logs (debug builds on a loaded machine).
const APPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// One record with `value_bytes` bytes of value, timestamped now (so that time-based
/// retention sees it as fresh).
fn record_batch(value_bytes: usize) -> Bytes {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let value = vec![b'v'; value_bytes];
    let batch = RecordBatchBuilder::new()
        .compression(Compression::None)
        .append(now_ms, Some(b"k"), Some(&value), &[])
        .build()
        .unwrap();
    Bytes::from(batch)
}

async fn produce_bytes(
    connection: &BrokerConnection,
    topic: &str,
    value_bytes: usize,
) -> ErrorCode {
    let request = produce_request(topic, 0, 1, record_batch(value_bytes));
    first_partition(&connection.send(request).await.unwrap()).0
}

/// AlterConfigs replacing all overrides of `topic`.
async fn alter_topic_config(connection: &BrokerConnection, topic: &str, entries: &[(&str, &str)]) {
    let request = AlterConfigsRequest {
        resources: vec![AlterConfigsResource {
            resource_type: 2,
            resource_name: topic.to_string(),
            config_entries: entries
                .iter()
                .map(|(k, v)| AlterableConfig {
                    config_name: k.to_string(),
                    config_value: Some(v.to_string()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        validate_only: false,
        ..Default::default()
    };
    let response = connection.send(request).await.unwrap();
    assert_eq!(
        response.resources[0].error_code,
        ErrorCode::None,
        "{response:?}"
    );
}

/// Produces `value_bytes` until the answer is `expected` (the change is applied
/// asynchronously, as in Kafka); a rejected produce appends nothing.
async fn produce_until(
    broker: &Broker,
    connection: &BrokerConnection,
    topic: &str,
    value_bytes: usize,
    expected: ErrorCode,
) {
    let deadline = Instant::now() + APPLY_TIMEOUT;
    loop {
        let error = produce_bytes(connection, topic, value_bytes).await;
        if error == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "produce of {value_bytes} bytes still answers {error:?}, not {expected:?}:\n{}",
            broker.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The max.message.bytes round trip: lowered, a large record is refused with
/// MESSAGE_TOO_LARGE while small ones pass; restored, the large one passes again.
async fn check_max_message_bytes_follows_alter_configs(broker: &mut Broker, topic: &str) {
    let connection = broker.connect().await;
    assert_eq!(
        produce_bytes(&connection, topic, 2000).await,
        ErrorCode::None
    );
    alter_topic_config(&connection, topic, &[("max.message.bytes", "500")]).await;
    produce_until(broker, &connection, topic, 2000, ErrorCode::MessageTooLarge).await;
    assert_eq!(
        produce_bytes(&connection, topic, 100).await,
        ErrorCode::None
    );
    let needle = format!(
        "INFO Processing override for entityPath: topics/{topic} with config: Map(max.message.bytes -> 500) (kafka.server.DynamicConfigManager)"
    );
    assert!(
        broker.wait_for_line(&needle, APPLY_TIMEOUT).is_some(),
        "{}",
        broker.output()
    );
    // Setting it back (AlterConfigs replaces the whole override set).
    alter_topic_config(&connection, topic, &[]).await;
    produce_until(broker, &connection, topic, 2000, ErrorCode::None).await;
}

#[test]
fn altered_max_message_bytes_applies_to_the_live_log_without_restart() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["limits"]).await;
        check_max_message_bytes_follows_alter_configs(&mut broker, "limits").await;
    });
    assert!(broker
        .output()
        .contains("Processing notification(s) to /config/changes"));
}

/// How many `.log` segment files a partition directory holds.
fn segment_count(partition_dir: &std::path::Path) -> usize {
    std::fs::read_dir(partition_dir)
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".log")
        })
        .count()
}

#[test]
fn altered_segment_bytes_and_retention_ms_apply_to_the_live_log() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(
        tmp.path(),
        "b0",
        &zk.connect_string(),
        &[("log.retention.check.interval.ms", "300")],
    );
    broker.start();
    let partition_dir = broker.log_dir().join("aging-0");
    let first_segment = partition_dir.join("00000000000000000000.log");
    runtime().block_on(async {
        broker.wait_for_leaders(&["aging"]).await;
        let connection = broker.connect().await;
        alter_topic_config(&connection, "aging", &[("segment.bytes", "1024")]).await;
        // Rolls happen only once the new segment.bytes is applied: produce until a second
        // segment exists.
        let deadline = Instant::now() + APPLY_TIMEOUT;
        while segment_count(&partition_dir) < 2 {
            assert_eq!(
                produce_bytes(&connection, "aging", 600).await,
                ErrorCode::None
            );
            assert!(
                Instant::now() < deadline,
                "never rolled:\n{}",
                broker.output()
            );
        }
        assert!(first_segment.exists());
        alter_topic_config(
            &connection,
            "aging",
            &[("segment.bytes", "1024"), ("retention.ms", "1000")],
        )
        .await;
        // The retention task deletes the expired segments (renamed to `.deleted` first).
        while first_segment.exists() {
            assert!(
                Instant::now() < deadline,
                "retention.ms was not applied:\n{}",
                broker.output()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

#[test]
fn config_changes_still_apply_after_the_zookeeper_session_expired() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    let rt = runtime();
    rt.block_on(broker.wait_for_leaders(&["survivor"]));
    let client = rt
        .block_on(KafkaZkClient::connect(&zk.connect_string(), 10_000, 10_000))
        .unwrap();
    let (_, first_epoch) = rt.block_on(client.get_broker(0)).unwrap().unwrap();
    // Frozen longer than its 4 s session: ZooKeeper expires it and the broker reconnects.
    broker.signal("STOP");
    let deadline = Instant::now() + APPLY_TIMEOUT;
    while rt.block_on(client.get_broker(0)).unwrap().is_some() {
        assert!(Instant::now() < deadline, "session never expired");
        std::thread::sleep(Duration::from_millis(200));
    }
    broker.signal("CONT");
    loop {
        if let Some((_, epoch)) = rt.block_on(client.get_broker(0)).unwrap() {
            assert!(epoch > first_epoch);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never re-registered:\n{}",
            broker.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    rt.block_on(check_max_message_bytes_follows_alter_configs(
        &mut broker,
        "survivor",
    ));
}

#[test]
fn version_1_notifications_written_by_older_tools_are_applied() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["legacy"]).await;
        let client = KafkaZkClient::connect(&zk.connect_string(), 10_000, 10_000)
            .await
            .unwrap();
        // What a pre-0.10.1 TopicCommand wrote: the config, then a v1 notification.
        let config = br#"{"version":1,"config":{"max.message.bytes":"500"}}"#;
        client
            .raw()
            .set_data("/config/topics/legacy", config, None)
            .await
            .unwrap();
        let notification = br#"{"version":1,"entity_type":"topics","entity_name":"legacy"}"#;
        let options =
            zk_raw::CreateMode::PersistentSequential.with_acls(zk_raw::Acls::anyone_all());
        client
            .raw()
            .create("/config/changes/config_change_", notification, &options)
            .await
            .unwrap();
        let connection = broker.connect().await;
        produce_until(
            &broker,
            &connection,
            "legacy",
            2000,
            ErrorCode::MessageTooLarge,
        )
        .await;
        assert_eq!(
            produce_bytes(&connection, "legacy", 100).await,
            ErrorCode::None
        );
    });
    let needle = "Processing override for entityPath: topics/legacy with config: Map(max.message.bytes -> 500)";
    assert!(broker.output().contains(needle), "{}", broker.output());
}
