//! Listeners as Kafka configures them: several `NAME://host:port` entries, port 0 for an
//! ephemeral port, and a clear error naming the listener when a port is taken.

mod common;

use std::sync::Arc;

use common::*;
use gregor_network::{NetworkError, Server};
use gregor_protocol::{decode_response, ApiKey, ResponseBody};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn every_listener_is_served_and_requests_see_their_own_endpoint() {
    let mut config = test_config();
    config
        .apply(
            "listeners",
            "PLAINTEXT://127.0.0.1:0,REPLICATION://127.0.0.1:0",
        )
        .unwrap();
    let service = Arc::new(TestService::default());
    let server = Server::bind(config, service).await.unwrap();
    let addrs = server.local_addrs();
    assert_eq!(addrs.len(), 2);
    assert_eq!(addrs[1].0, "REPLICATION");
    assert_ne!(addrs[0].1.port(), addrs[1].1.port());
    let handle = server.handle();
    let running = tokio::spawn(server.run());
    for (_, addr) in &addrs {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(&request(ApiKey::Metadata, 1, 1, "md"))
            .await
            .unwrap();
        let payload = read_frame(&mut stream).await;
        let ResponseBody::Metadata(metadata) =
            decode_response(ApiKey::Metadata, 1, payload).unwrap().1
        else {
            panic!("not metadata")
        };
        assert_eq!(metadata.brokers[0].port, i32::from(addr.port()));
    }
    handle.shutdown();
    tokio::time::timeout(PATIENCE, running)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_taken_port_is_an_error_naming_the_listener() {
    let first = start(test_config()).await;
    let mut config = test_config();
    config
        .apply(
            "listeners",
            &format!("PLAINTEXT://127.0.0.1:{}", first.addr.port()),
        )
        .unwrap();
    let result = Server::bind(config, Arc::new(TestService::default())).await;
    let Err(err @ NetworkError::Bind { .. }) = result else {
        panic!("binding a taken port must fail")
    };
    assert!(err.to_string().contains("PLAINTEXT"), "{err}");
    // The first server is unaffected.
    let _still_served = connect_and_check(first.addr).await;
}
