//! Bad input closes only the offending connection, with no response (protocol §1.9), and
//! ApiVersions above the supported version gets Kafka 2.4.1's KIP-511 answer (§2, §5.4).

mod common;

use common::*;
use gregor_protocol::{ApiKey, ErrorCode};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Sends `bytes` on a fresh connection and checks that it is closed without an answer while an
/// older connection keeps being served.
async fn closes_only_that_connection(config: gregor_network::NetworkConfig, bytes: &[u8]) {
    let server = start(config).await;
    let mut bystander = connect_and_check(server.addr).await;
    let mut offender = TcpStream::connect(server.addr).await.unwrap();
    offender.write_all(bytes).await.unwrap();
    expect_closed(&mut offender).await;
    assert_served(&mut bystander, 99).await;
    let mut newcomer = connect_and_check(server.addr).await;
    assert_served(&mut newcomer, 100).await;
    assert_eq!(server.metrics.snapshot().bad_requests, 1);
}

#[tokio::test]
async fn frame_over_socket_request_max_bytes_closes_the_connection() {
    let mut config = test_config();
    config.socket_request_max_bytes = 1000;
    let mut bytes = 1001i32.to_be_bytes().to_vec();
    bytes.extend([0u8; 64]);
    closes_only_that_connection(config, &bytes).await;
}

#[tokio::test]
async fn frame_over_the_default_100_mib_closes_the_connection() {
    closes_only_that_connection(test_config(), &104_857_601i32.to_be_bytes()).await;
}

#[tokio::test]
async fn negative_size_closes_the_connection() {
    closes_only_that_connection(test_config(), &[0xff, 0xff, 0xff, 0xff]).await;
}

#[tokio::test]
async fn empty_frame_closes_the_connection() {
    closes_only_that_connection(test_config(), &[0, 0, 0, 0]).await;
}

#[tokio::test]
async fn garbage_body_closes_the_connection() {
    // Metadata v1 claiming 2^31-1 topics in a 4-byte body: refused, not allocated.
    let mut payload = vec![0, 3, 0, 1, 0, 0, 0, 5, 0, 1, b'x'];
    payload.extend([0x7f, 0xff, 0xff, 0xff]);
    closes_only_that_connection(test_config(), &sized(&payload)).await;
}

#[tokio::test]
async fn truncated_header_closes_the_connection() {
    closes_only_that_connection(test_config(), &sized(&[0, 3, 0, 1, 0])).await;
}

#[tokio::test]
async fn unknown_api_key_closes_the_connection() {
    let payload = [0x03, 0xe8, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
    closes_only_that_connection(test_config(), &sized(&payload)).await;
}

#[tokio::test]
async fn api_key_the_service_does_not_serve_closes_the_connection() {
    // Produce v3 header, empty body: Produce is a 2.4.1 key but this service does not serve it.
    let payload = [0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff];
    closes_only_that_connection(test_config(), &sized(&payload)).await;
}

#[tokio::test]
async fn unsupported_metadata_version_closes_the_connection() {
    // Metadata v10 (2.4.1 tops out at 9): header v2, null topics.
    let payload = [0, 3, 0, 10, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 1, 0, 0, 0];
    closes_only_that_connection(test_config(), &sized(&payload)).await;
}

#[tokio::test]
async fn negative_metadata_version_closes_the_connection() {
    let payload = [0, 3, 0xff, 0xff, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0];
    closes_only_that_connection(test_config(), &sized(&payload)).await;
}

/// ApiVersions at `version` with header v2 (client id "rs") and an unparseable body.
fn api_versions_above_max(version: i16, correlation_id: i32) -> Vec<u8> {
    let mut payload = vec![0, 18];
    payload.extend(version.to_be_bytes());
    payload.extend(correlation_id.to_be_bytes());
    payload.extend([0, 2, b'r', b's', 0]);
    payload.extend([0xde, 0xad, 0xbe, 0xef]);
    sized(&payload)
}

const KIP_511_ANSWER_TO_CORRELATION_7: [u8; 20] = [
    0, 0, 0, 16, // frame size
    0, 0, 0, 7, // response header v0: correlation id
    0, 35, // UNSUPPORTED_VERSION
    0, 0, 0, 1, // one api_keys entry, classic array
    0, 18, 0, 0, 0, 3, // {ApiVersions, 0, 3}
];

async fn assert_kip_511_answer(version: i16) {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&api_versions_above_max(version, 7))
        .await
        .unwrap();
    let payload = read_frame(&mut stream).await;
    let mut frame = (payload.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    assert_eq!(frame, KIP_511_ANSWER_TO_CORRELATION_7);
    // The connection stays open: the client retries at the version it was told.
    assert_served(&mut stream, 8).await;
}

#[tokio::test]
async fn api_versions_v4_gets_the_exact_kip_511_bytes() {
    assert_kip_511_answer(4).await;
}

#[tokio::test]
async fn api_versions_v7_gets_the_exact_kip_511_bytes() {
    assert_kip_511_answer(7).await;
}

#[tokio::test]
async fn kip_511_answer_decodes_as_v0_with_the_supported_range() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&api_versions_above_max(i16::MAX, 3))
        .await
        .unwrap();
    let response = api_versions_response(0, read_frame(&mut stream).await);
    assert_eq!(response.error_code, ErrorCode::UnsupportedVersion);
    assert_eq!(response.api_keys.len(), 1);
    assert_eq!(response.api_keys[0].api_key, ApiKey::ApiVersions.code());
    assert_eq!(response.api_keys[0].max_version, 3);
}

#[tokio::test]
async fn api_versions_v4_with_an_unreadable_header_closes_the_connection() {
    // Header v2 needs a client id and a tagged-field section; this one stops after the
    // correlation id, so even the KIP-511 path cannot read it.
    closes_only_that_connection(test_config(), &sized(&[0, 18, 0, 4, 0, 0, 0, 7])).await;
}
