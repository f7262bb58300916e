//! Graceful shutdown: stop accepting, finish in-flight requests, write their responses, close.

mod common;

use std::time::Duration;

use common::*;
use gregor_protocol::ApiKey;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Correlation id of the request that is in flight when shutdown starts.
const CORRELATION: i32 = 21;

#[tokio::test]
async fn shutdown_delivers_the_in_flight_response_then_closes() {
    let server = start(test_config()).await;
    let mut idle = connect_and_check(server.addr).await;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(&request(ApiKey::Metadata, 3, CORRELATION, "block"))
        .await
        .unwrap();
    // Wait until the handler is running, then shut down while it waits.
    while !server.service.calls().contains(&CORRELATION) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.handle.shutdown();
    expect_closed(&mut idle).await;
    // New connections are no longer served.
    match TcpStream::connect(server.addr).await {
        Ok(mut late) => {
            let _ = late
                .write_all(&request(ApiKey::ApiVersions, 0, 1, "late"))
                .await;
            expect_closed(&mut late).await;
        }
        Err(_refused) => {}
    }
    server.service.release(1);
    assert_eq!(correlation_id(&read_frame(&mut busy).await), CORRELATION);
    expect_closed(&mut busy).await;
    tokio::time::timeout(PATIENCE, server.join)
        .await
        .expect("run() returns after shutdown")
        .unwrap();
}

#[tokio::test]
async fn shutdown_timeout_closes_a_handler_that_never_finishes() {
    let mut config = test_config();
    config.shutdown_timeout_ms = 100;
    let server = start(config).await;
    let mut stuck = TcpStream::connect(server.addr).await.unwrap();
    stuck
        .write_all(&request(ApiKey::Metadata, 3, CORRELATION, "block"))
        .await
        .unwrap();
    while !server.service.calls().contains(&CORRELATION) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.handle.shutdown();
    tokio::time::timeout(PATIENCE, server.join)
        .await
        .expect("run() returns once the timeout closes the rest")
        .unwrap();
    expect_closed(&mut stuck).await;
}
