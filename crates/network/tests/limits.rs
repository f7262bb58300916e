//! Kafka's connection limits: `max.connections` (the acceptor waits for a free slot),
//! `max.connections.per.ip` (closed right after accept) and `connections.max.idle.ms`.

mod common;

use std::time::Duration;

use common::*;
use gregor_protocol::ApiKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn max_connections_makes_the_next_client_wait_for_a_free_slot() {
    let mut config = test_config();
    config.max_connections = Some(2);
    let server = start(config).await;
    let first = connect_and_check(server.addr).await;
    let mut second = connect_and_check(server.addr).await;
    // The third TCP handshake completes in the backlog, but Kafka's acceptor does not take the
    // connection on until a slot frees up, so its request is not served yet.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third
        .write_all(&request(ApiKey::ApiVersions, 1, 3, "third"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.metrics.snapshot().connections_active, 2);
    assert_served(&mut second, 2).await;
    drop(first);
    assert_eq!(correlation_id(&read_frame(&mut third).await), 3);
    assert_eq!(server.metrics.snapshot().connections_accepted, 3);
}

#[tokio::test]
async fn max_connections_per_ip_closes_the_extra_connection() {
    let mut config = test_config();
    config.apply("max.connections.per.ip", "1").unwrap();
    let server = start(config).await;
    let mut first = connect_and_check(server.addr).await;
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    expect_closed(&mut second).await;
    assert_served(&mut first, 5).await;
    assert_eq!(server.metrics.snapshot().connections_rejected, 1);
    drop(first);
    // Once the first is gone the address has room again.
    let mut retried = None;
    for _ in 0..100 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(&request(ApiKey::ApiVersions, 0, 6, "again"))
            .await
            .unwrap();
        let mut size = [0u8; 4];
        if stream.read_exact(&mut size).await.is_ok() {
            retried = Some(size);
            break;
        }
        // The server may not have noticed the first close yet.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        retried.is_some(),
        "a new connection should be served after the first closed"
    );
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let mut config = test_config();
    config.connections_max_idle_ms = 200;
    let server = start(config).await;
    let mut used = connect_and_check(server.addr).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    expect_closed(&mut silent).await;
    expect_closed(&mut used).await;
    assert!(server.metrics.snapshot().idle_closed >= 2);
}

#[tokio::test]
async fn a_connection_waiting_for_its_response_is_not_idle() {
    let mut config = test_config();
    config.connections_max_idle_ms = 200;
    let server = start(config).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&request(ApiKey::Metadata, 4, 11, "block"))
        .await
        .unwrap();
    // Several idle periods pass while the handler waits (a long-poll fetch, say).
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.service.release(1);
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 11);
}
