//! Kafka answers a connection's requests in request order, even when the client pipelines them
//! (protocol §1.1), and one connection's slow request never holds up another connection.

mod common;

use common::*;
use gregor_protocol::{decode_response, ApiKey, ResponseBody};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Alternates ApiVersions (v0–v3) and Metadata (v0–v9) so every header version is in the mix.
fn key_and_version(correlation: i32) -> (ApiKey, i16) {
    let step = (correlation / 2) as i16;
    if correlation % 2 == 0 {
        (ApiKey::ApiVersions, step % 4)
    } else {
        (ApiKey::Metadata, step % 10)
    }
}

#[tokio::test]
async fn fifty_pipelined_requests_are_answered_in_order() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = Vec::new();
    for correlation in 0..50 {
        let (key, version) = key_and_version(correlation);
        burst.extend(request(key, version, correlation, "pipeline"));
    }
    stream.write_all(&burst).await.unwrap();
    for correlation in 0..50 {
        let payload = read_frame(&mut stream).await;
        assert_eq!(correlation_id(&payload), correlation);
        let (key, version) = key_and_version(correlation);
        // Each response decodes at its request's version, so header versions are right too.
        decode_response(key, version, payload).unwrap();
    }
    assert_eq!(server.service.calls(), (0..50).collect::<Vec<_>>());
    assert_eq!(server.metrics.snapshot().requests_by_key[3], 25);
}

#[tokio::test]
async fn a_slow_first_request_is_still_answered_before_the_second() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = request(ApiKey::Metadata, 1, 1, "slow");
    burst.extend(request(ApiKey::ApiVersions, 0, 2, "fast"));
    stream.write_all(&burst).await.unwrap();
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 1);
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 2);
}

#[tokio::test]
async fn a_waiting_handler_does_not_block_other_connections() {
    let server = start(test_config()).await;
    let mut waiting = TcpStream::connect(server.addr).await.unwrap();
    waiting
        .write_all(&request(ApiKey::Metadata, 5, 7, "block"))
        .await
        .unwrap();
    // The blocked handler holds its own connection only.
    let mut other = connect_and_check(server.addr).await;
    assert_served(&mut other, 8).await;
    server.service.release(1);
    assert_eq!(correlation_id(&read_frame(&mut waiting).await), 7);
}

#[tokio::test]
async fn requests_without_response_keep_the_order_of_the_rest() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = request(ApiKey::ApiVersions, 1, 1, "a");
    burst.extend(request(ApiKey::Metadata, 2, 2, "silent"));
    burst.extend(request(ApiKey::Metadata, 2, 3, "b"));
    stream.write_all(&burst).await.unwrap();
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 1);
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 3);
    assert_eq!(server.service.calls(), vec![1, 2, 3]);
}

#[tokio::test]
async fn handler_close_sends_earlier_responses_then_closes() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = request(ApiKey::ApiVersions, 1, 1, "a");
    burst.extend(request(ApiKey::Metadata, 2, 2, "close"));
    burst.extend(request(ApiKey::Metadata, 2, 3, "b"));
    stream.write_all(&burst).await.unwrap();
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 1);
    expect_closed(&mut stream).await;
    assert!(!server.service.calls().contains(&3));
}

#[tokio::test]
async fn metadata_names_this_broker_and_echoes_topics() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for version in 0..=9 {
        stream
            .write_all(&request(
                ApiKey::Metadata,
                version,
                i32::from(version),
                "md",
            ))
            .await
            .unwrap();
        let payload = read_frame(&mut stream).await;
        let (header, body) = decode_response(ApiKey::Metadata, version, payload).unwrap();
        assert_eq!(header.correlation_id, i32::from(version));
        let ResponseBody::Metadata(metadata) = body else {
            panic!("not metadata")
        };
        assert_eq!(metadata.brokers.len(), 1);
        assert_eq!(metadata.brokers[0].port, i32::from(server.addr.port()));
        assert_eq!(metadata.brokers[0].host, "127.0.0.1");
    }
}

#[tokio::test]
async fn a_full_request_queue_stops_reading_instead_of_failing() {
    let mut config = test_config();
    config.queued_max_requests_per_connection = 2;
    let server = start(config).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = Vec::new();
    for correlation in 0..10 {
        burst.extend(request(ApiKey::Metadata, 1, correlation, "block"));
    }
    stream.write_all(&burst).await.unwrap();
    // While the first request is blocked, at most the queue bound may have been read.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(server.metrics.snapshot().requests_by_key[3] <= 2);
    server.service.release(10);
    for correlation in 0..10 {
        assert_eq!(correlation_id(&read_frame(&mut stream).await), correlation);
    }
}
