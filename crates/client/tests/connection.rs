//! `BrokerConnection` against a real gregor-network server: version negotiation and the
//! KIP-511 fallback (§2), pipelining matched by correlation id (§1.1), per-request timeouts,
//! disconnects, and Produce acks = 0 having no response (§4.3).

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use gregor_client::{BrokerConnection, ClientError, ConnectionConfig};
use gregor_protocol::{
    ApiKey, ErrorCode, MetadataRequest, MetadataRequestTopic, ProduceRequest,
    ProduceRequestPartition, ProduceRequestTopic,
};
use tokio::task::JoinSet;

fn metadata_for(topic: &str) -> MetadataRequest {
    MetadataRequest {
        topics: Some(vec![MetadataRequestTopic {
            name: topic.to_string(),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

#[tokio::test]
async fn negotiation_uses_the_highest_version_the_broker_lists() {
    let mut broker = TestBroker::new(0, Arc::default());
    broker.ranges.insert(ApiKey::Metadata, 0..=5);
    let server = start(broker).await;
    let connection = BrokerConnection::connect(&server.addr(), ConnectionConfig::default())
        .await
        .unwrap();
    assert_eq!(
        connection.api_versions().range(ApiKey::Metadata),
        Some((0, 5))
    );
    assert_eq!(connection.version_for(ApiKey::Metadata).unwrap(), 5);
    connection.send(metadata_for("a")).await.unwrap();
    // The handshake went out as ApiVersions v3 (2.4.1 knows it), Metadata at v5.
    assert_eq!(server.broker.versions_seen(ApiKey::ApiVersions), vec![3]);
    assert_eq!(server.broker.versions_seen(ApiKey::Metadata), vec![5]);
}

#[tokio::test]
async fn callers_can_pin_or_cap_versions() {
    let server = start_one().await;
    let mut config = ConnectionConfig::default();
    config.max_versions.insert(ApiKey::Metadata, 4);
    let connection = BrokerConnection::connect(&server.addr(), config)
        .await
        .unwrap();
    connection.send(metadata_for("a")).await.unwrap();
    connection.send_at(metadata_for("a"), 1).await.unwrap();
    assert_eq!(server.broker.versions_seen(ApiKey::Metadata), vec![4, 1]);
    let unsupported = connection.send_at(metadata_for("a"), 10).await.unwrap_err();
    assert!(matches!(
        unsupported,
        ClientError::UnsupportedVersion {
            api: ApiKey::Metadata,
            ..
        }
    ));
    // An API the broker does not list is refused locally, before anything is sent.
    let error = connection.version_for(ApiKey::JoinGroup).unwrap_err();
    assert!(matches!(
        error,
        ClientError::UnsupportedVersion { broker: None, .. }
    ));
}

#[tokio::test]
async fn kip_511_fallback_retries_at_the_version_the_broker_lists() {
    let mut broker = TestBroker::new(0, Arc::default());
    broker.ranges.insert(ApiKey::ApiVersions, 0..=2);
    broker.ranges.insert(ApiKey::Metadata, 0..=7);
    let server = start(broker).await;
    let connection = BrokerConnection::connect(&server.addr(), ConnectionConfig::default())
        .await
        .unwrap();
    // The network layer answered v3 with error 35; only the v2 retry reached the service.
    assert_eq!(server.broker.versions_seen(ApiKey::ApiVersions), vec![2]);
    assert_eq!(connection.version_for(ApiKey::Metadata).unwrap(), 7);
    let response = connection.send(metadata_for("a")).await.unwrap();
    assert_eq!(
        response.topics[0].error_code,
        ErrorCode::UnknownTopicOrPartition
    );
}

#[tokio::test]
async fn one_hundred_pipelined_requests_get_their_own_responses() {
    let server = start_one().await;
    let connection = Arc::new(
        BrokerConnection::connect(&server.addr(), ConnectionConfig::default())
            .await
            .unwrap(),
    );
    let mut tasks = JoinSet::new();
    for index in 0..100 {
        let connection = Arc::clone(&connection);
        tasks.spawn(async move {
            let topic = format!("topic-{index}");
            let response = connection.send(metadata_for(&topic)).await.unwrap();
            assert_eq!(response.topics.len(), 1);
            assert_eq!(response.topics[0].name, topic);
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
    assert_eq!(server.broker.versions_seen(ApiKey::Metadata).len(), 100);
    assert!(!connection.is_closed());
}

#[tokio::test]
async fn a_timed_out_request_fails_alone_and_other_connections_carry_on() {
    let server = start_one().await;
    let stuck = BrokerConnection::connect(&server.addr(), short_timeouts())
        .await
        .unwrap();
    let healthy = BrokerConnection::connect(&server.addr(), short_timeouts())
        .await
        .unwrap();
    let (stuck_result, healthy_result) = tokio::join!(
        stuck.send(metadata_for(HANG_TOPIC)),
        healthy.send(metadata_for("ok"))
    );
    assert!(matches!(
        stuck_result.unwrap_err(),
        ClientError::Timeout {
            api: ApiKey::Metadata,
            ..
        }
    ));
    assert_eq!(healthy_result.unwrap().topics[0].name, "ok");
    // As in the Java client, the late connection is closed; the other one still works.
    assert!(stuck.is_closed());
    assert!(matches!(
        stuck.send(metadata_for("again")).await.unwrap_err(),
        ClientError::Disconnected { .. }
    ));
    assert_eq!(
        healthy.send(metadata_for("more")).await.unwrap().topics[0].name,
        "more"
    );
}

#[tokio::test]
async fn a_disconnect_fails_every_request_in_flight() {
    let server = start_one().await;
    let connection = Arc::new(
        BrokerConnection::connect(&server.addr(), ConnectionConfig::default())
            .await
            .unwrap(),
    );
    let mut tasks = JoinSet::new();
    let closer = Arc::clone(&connection);
    tasks.spawn(async move { closer.send(metadata_for(CLOSE_TOPIC)).await });
    // The closing request must be first in line; the others queue behind it on the broker.
    while connection.in_flight_count() < 1 {
        tokio::task::yield_now().await;
    }
    for index in 0..4 {
        let sender = Arc::clone(&connection);
        tasks.spawn(async move { sender.send(metadata_for(&format!("t{index}"))).await });
    }
    while connection.in_flight_count() < 5 {
        tokio::task::yield_now().await;
    }
    server.broker.gate.add_permits(1);
    let mut failures = 0;
    while let Some(result) = tasks.join_next().await {
        let error = result.unwrap().unwrap_err();
        assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
        failures += 1;
    }
    assert_eq!(failures, 5);
    assert!(connection.is_closed());
}

#[tokio::test]
async fn produce_with_acks_0_does_not_wait_for_a_response() {
    let server = start_one().await;
    server.broker.view.set_leader("t", 0, 0);
    let connection = BrokerConnection::connect(&server.addr(), ConnectionConfig::default())
        .await
        .unwrap();
    let request = ProduceRequest {
        acks: 0,
        timeout_ms: 1_000,
        topics: vec![ProduceRequestTopic {
            name: "t".to_string(),
            partitions: vec![ProduceRequestPartition {
                partition_index: 0,
                records: Some(Bytes::from_static(b"opaque")),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    // The broker's handler is still blocked on the gate: the send must not wait for it.
    let response = connection.send(request).await.unwrap();
    assert!(response.responses.is_empty());
    assert_eq!(connection.in_flight_count(), 0);
    assert_eq!(server.broker.view.log_len("t", 0), 0);
    // A later request is matched correctly although the produce never gets an answer.
    server.broker.gate.add_permits(1);
    let metadata = connection.send(metadata_for("t")).await.unwrap();
    assert_eq!(metadata.topics[0].partitions.len(), 1);
    assert_eq!(server.broker.view.log_len("t", 0), 1);
}

#[tokio::test]
async fn connecting_to_a_closed_port_is_an_io_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let error = BrokerConnection::connect(&addr, short_timeouts())
        .await
        .err()
        .unwrap();
    assert!(matches!(error, ClientError::Io { .. }), "{error}");
}

#[tokio::test]
async fn no_more_than_max_in_flight_requests_are_written() {
    let server = start_one().await;
    let config = ConnectionConfig {
        max_in_flight: 2,
        ..ConnectionConfig::default()
    };
    let connection = Arc::new(
        BrokerConnection::connect(&server.addr(), config)
            .await
            .unwrap(),
    );
    let mut tasks = JoinSet::new();
    for _ in 0..5 {
        let sender = Arc::clone(&connection);
        tasks.spawn(async move { sender.send(metadata_for(GATED_TOPIC)).await });
    }
    while connection.in_flight_count() < 2 {
        tokio::task::yield_now().await;
    }
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert_eq!(connection.in_flight_count(), 2);
    server.broker.gate.add_permits(5);
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap().topics[0].name, GATED_TOPIC);
    }
    assert_eq!(server.broker.versions_seen(ApiKey::Metadata).len(), 5);
}
