//! `KafkaClient` against two in-memory brokers sharing one cluster view: leader routing from
//! Metadata, retries after NOT_LEADER_FOR_PARTITION / UNKNOWN_TOPIC_OR_PARTITION with a
//! metadata refresh, ListOffsets and Fetch, CreateTopics re-routed after NOT_CONTROLLER.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use gregor_client::{
    ClientConfig, ClientError, FetchOptions, KafkaClient, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP,
    RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC,
};
use gregor_protocol::{
    ApiKey, CreatableTopic, CreatePartitionsTopic, DescribeConfigsResource, ErrorCode,
};

async fn two_brokers() -> (Running, Running) {
    let view = Arc::new(ClusterView::default());
    let zero = start(TestBroker::new(0, Arc::clone(&view))).await;
    let one = start(TestBroker::new(1, view)).await;
    (zero, one)
}

fn records(text: &'static str) -> Bytes {
    Bytes::from_static(text.as_bytes())
}

#[tokio::test]
async fn produce_goes_to_each_partitions_leader() {
    let (zero, one) = two_brokers().await;
    zero.broker.view.set_leader("t", 0, 0);
    zero.broker.view.set_leader("t", 1, 1);
    // Only broker 0 is a bootstrap server; broker 1 is found through Metadata.
    let client = KafkaClient::connect(client_config(&[&zero])).await.unwrap();
    assert_eq!(client.cluster().brokers.len(), 2);
    assert_eq!(client.leader_for("t", 1).await.unwrap(), 1);

    let result = client
        .produce("t", 1, records("a"), 1, 1_000)
        .await
        .unwrap();
    assert_eq!(result.base_offset, 0);
    assert!(zero.broker.versions_seen(ApiKey::Produce).is_empty());
    assert_eq!(one.broker.versions_seen(ApiKey::Produce), vec![8]);

    client
        .produce("t", 0, records("b"), -1, 1_000)
        .await
        .unwrap();
    assert_eq!(zero.broker.versions_seen(ApiKey::Produce), vec![8]);
    assert_eq!(one.broker.versions_seen(ApiKey::Produce).len(), 1);
}

#[tokio::test]
async fn not_leader_refreshes_metadata_and_retries_at_the_new_leader() {
    let (zero, one) = two_brokers().await;
    zero.broker.view.set_leader("t", 0, 0);
    let client = KafkaClient::connect(client_config(&[&zero])).await.unwrap();
    client
        .produce("t", 0, records("a"), 1, 1_000)
        .await
        .unwrap();
    let metadata_before = zero.broker.versions_seen(ApiKey::Metadata).len();

    // Leadership moves; the client's cache still says broker 0.
    zero.broker.view.set_leader("t", 0, 1);
    let result = client
        .produce("t", 0, records("b"), 1, 1_000)
        .await
        .unwrap();
    assert_eq!(result.base_offset, 1);
    assert_eq!(zero.broker.versions_seen(ApiKey::Produce).len(), 2);
    assert_eq!(one.broker.versions_seen(ApiKey::Produce).len(), 1);
    let metadata_requests = zero.broker.versions_seen(ApiKey::Metadata).len()
        + one.broker.versions_seen(ApiKey::Metadata).len();
    assert!(metadata_requests > metadata_before);
    assert_eq!(client.cluster().leader_for("t", 0).unwrap(), 1);
}

#[tokio::test]
async fn a_topic_that_appears_late_is_retried_until_it_exists() {
    let server = start_one().await;
    // Unknown for the first two Metadata requests that name it, as right after a create.
    server.broker.view.appear_after("fresh", 3, 0);
    let client = KafkaClient::new(client_config(&[&server]));
    let result = client
        .produce("fresh", 0, records("x"), 1, 1_000)
        .await
        .unwrap();
    assert_eq!(result.base_offset, 0);
}

#[tokio::test]
async fn retries_are_bounded_and_the_kafka_error_is_returned() {
    let server = start_one().await;
    let mut config = client_config(&[&server]);
    config.retries = 2;
    let client = KafkaClient::new(config);
    let error = client
        .produce("missing", 0, records("x"), 1, 1_000)
        .await
        .unwrap_err();
    assert_eq!(error.error_code(), Some(ErrorCode::UnknownTopicOrPartition));
    // One lookup per attempt plus one refresh per retry: bounded, not endless.
    assert!(server.broker.versions_seen(ApiKey::Metadata).len() <= 6);
}

#[tokio::test]
async fn list_offsets_and_fetch_read_what_was_produced() {
    let server = start_one().await;
    server.broker.view.set_leader("t", 0, 0);
    let client = KafkaClient::new(client_config(&[&server]));
    for text in ["a", "b", "c"] {
        client
            .produce("t", 0, records(text), 1, 1_000)
            .await
            .unwrap();
    }
    let earliest = client
        .list_offsets("t", 0, EARLIEST_TIMESTAMP)
        .await
        .unwrap();
    let latest = client.list_offsets("t", 0, LATEST_TIMESTAMP).await.unwrap();
    assert_eq!((earliest.offset, latest.offset), (0, 3));

    let fetched = client
        .fetch("t", 0, 1, &FetchOptions::default())
        .await
        .unwrap();
    assert_eq!(fetched.high_watermark, 3);
    let records = fetched.records.unwrap();
    assert_eq!(
        records,
        gregor_protocol::RecordsData::Bytes(Bytes::from_static(b"bc"))
    );
}

#[tokio::test]
async fn list_offsets_v0_answers_read_like_later_versions() {
    let server = start_one().await;
    server.broker.view.set_leader("t", 0, 0);
    let mut config = client_config(&[&server]);
    config
        .connection
        .max_versions
        .insert(ApiKey::ListOffsets, 0);
    let client = KafkaClient::new(config);
    client
        .produce("t", 0, records("a"), 1, 1_000)
        .await
        .unwrap();
    let latest = client.list_offsets("t", 0, LATEST_TIMESTAMP).await.unwrap();
    assert_eq!(latest.offset, 1);
    assert_eq!(server.broker.versions_seen(ApiKey::ListOffsets), vec![0]);
}

#[tokio::test]
async fn create_topics_follows_the_controller() {
    let (zero, one) = two_brokers().await;
    let client = KafkaClient::connect(client_config(&[&zero])).await.unwrap();
    assert_eq!(client.controller_id().await.unwrap(), 0);
    zero.broker.view.set_controller(1);
    let topic = CreatableTopic {
        name: "new".to_string(),
        num_partitions: 2,
        replication_factor: 1,
        ..Default::default()
    };
    let results = client
        .create_topics(vec![topic.clone()], 1_000, false)
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].error_code, ErrorCode::None);
    assert_eq!(one.broker.versions_seen(ApiKey::CreateTopics).len(), 1);
    // A second create reports Kafka's per-topic error for the caller to print.
    let again = client
        .create_topics(vec![topic], 1_000, false)
        .await
        .unwrap();
    assert_eq!(again[0].error_code, ErrorCode::TopicAlreadyExists);
    let metadata = client
        .metadata(Some(&["new".to_string()]), false)
        .await
        .unwrap();
    assert_eq!(metadata.topics[0].partitions.len(), 2);
}

#[tokio::test]
async fn a_dead_bootstrap_server_is_skipped() {
    let server = start_one().await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap().to_string();
    drop(dead);
    let config = ClientConfig::new(&format!("{dead_addr},{}", server.addr())).unwrap();
    let client = KafkaClient::connect(config).await.unwrap();
    assert_eq!(client.cluster().cluster_id.as_deref(), Some("client-test"));
}

#[tokio::test]
async fn bad_bootstrap_lists_are_config_errors() {
    assert!(matches!(ClientConfig::new(""), Err(ClientError::Config(_))));
    assert!(matches!(
        ClientConfig::new("localhost"),
        Err(ClientError::Config(_))
    ));
    let config = ClientConfig::new("a:1, b:2").unwrap();
    assert_eq!(config.bootstrap_servers, vec!["a:1", "b:2"]);
}

#[tokio::test]
async fn describe_configs_asks_the_broker_a_resource_names() {
    let (zero, one) = two_brokers().await;
    let client = KafkaClient::connect(client_config(&[&zero])).await.unwrap();
    let resource = |resource_type, name: &str| DescribeConfigsResource {
        resource_type,
        resource_name: name.to_string(),
        config_names: None,
        ..Default::default()
    };
    let results = client
        .describe_configs(
            vec![
                resource(RESOURCE_TYPE_BROKER, "1"),
                resource(RESOURCE_TYPE_TOPIC, "t"),
            ],
            true,
        )
        .await
        .unwrap();
    let answered_by = |name: &str| {
        let result = results.iter().find(|r| r.resource_name == name).unwrap();
        result.config_entries[0].config_value.clone().unwrap()
    };
    assert_eq!(answered_by("1"), "1");
    assert_eq!(results.len(), 2);
    assert_eq!(one.broker.versions_seen(ApiKey::DescribeConfigs), vec![2]);
    let error = client
        .describe_configs(vec![resource(RESOURCE_TYPE_BROKER, "one")], false)
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Config(_)));
}

#[tokio::test]
async fn find_coordinator_retries_while_the_coordinator_loads() {
    let (zero, one) = two_brokers().await;
    *zero.broker.view.coordinator_loading.lock().unwrap() = 2;
    let client = KafkaClient::new(client_config(&[&zero]));
    let coordinator = client.find_coordinator("group", 0).await.unwrap();
    assert_eq!(coordinator.node_id, 1);
    assert_eq!(coordinator.port, i32::from(one.addr.port()));
    assert_eq!(zero.broker.versions_seen(ApiKey::FindCoordinator).len(), 3);
}

#[tokio::test]
async fn topic_lifecycle_create_grow_delete() {
    let server = start_one().await;
    let client = KafkaClient::new(client_config(&[&server]));
    let topic = CreatableTopic {
        name: "life".to_string(),
        num_partitions: 1,
        replication_factor: 1,
        ..Default::default()
    };
    let created = client
        .create_topics(vec![topic], 1_000, false)
        .await
        .unwrap();
    assert_eq!(created[0].error_code, ErrorCode::None);

    let grow = CreatePartitionsTopic {
        name: "life".to_string(),
        count: 3,
        assignments: None,
        ..Default::default()
    };
    let grown = client
        .create_partitions(vec![grow], 1_000, false)
        .await
        .unwrap();
    assert_eq!(grown[0].error_code, ErrorCode::None);
    client
        .refresh_metadata(&["life".to_string()])
        .await
        .unwrap();
    assert_eq!(client.cluster().partition_count("life"), Some(3));

    let names = ["life".to_string(), "never".to_string()];
    let deleted = client.delete_topics(&names, 1_000).await.unwrap();
    let codes: Vec<ErrorCode> = deleted.iter().map(|result| result.error_code).collect();
    assert_eq!(codes, [ErrorCode::None, ErrorCode::UnknownTopicOrPartition]);
    let metadata = client.metadata(Some(&names[..1]), false).await.unwrap();
    assert_eq!(
        metadata.topics[0].error_code,
        ErrorCode::UnknownTopicOrPartition
    );
    assert_eq!(client.cluster().partition_count("life"), None);
}

#[tokio::test]
async fn partitions_group_by_their_leaders() {
    let (zero, _one) = two_brokers().await;
    for (partition, leader) in [(0, 0), (1, 1), (2, 0)] {
        zero.broker.view.set_leader("t", partition, leader);
    }
    let client = KafkaClient::new(client_config(&[&zero]));
    let wanted: Vec<(String, i32)> = (0..3).map(|p| ("t".to_string(), p)).collect();
    let groups = client.group_by_leader(&wanted).await.unwrap();
    let partitions_of = |leader| -> Vec<i32> { groups[&leader].iter().map(|(_, p)| *p).collect() };
    assert_eq!(partitions_of(0), [0, 2]);
    assert_eq!(partitions_of(1), [1]);
    let missing = client
        .group_by_leader(&[("t".to_string(), 9)])
        .await
        .unwrap_err();
    assert_eq!(
        missing.error_code(),
        Some(ErrorCode::UnknownTopicOrPartition)
    );
}
