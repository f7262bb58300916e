//! `BrokerConnection` against a scripted raw-socket "broker" that breaks the rules: endless
//! UNSUPPORTED_VERSION answers, wrong correlation ids, oversized and negative frame sizes. The
//! client must fail the affected requests cleanly, never loop and never allocate what a size
//! field claims before checking it.

use std::net::SocketAddr;

use gregor_client::{BrokerConnection, ClientError, ConnectionConfig};
use gregor_protocol::{
    encode_response, ApiKey, ApiVersionsResponse, ErrorCode, MetadataRequest, MetadataResponse,
    ResponseBody,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the fake broker sends back for a request: a full frame (size prefix included), or
/// `None` to close the connection.
type Script = fn(ApiKey, i16, i32) -> Option<Vec<u8>>;

/// Serves one connection at a time with `script`.
async fn fake_broker(script: Script) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                loop {
                    let Ok(size) = stream.read_i32().await else {
                        return;
                    };
                    let mut payload = vec![0u8; size as usize];
                    if stream.read_exact(&mut payload).await.is_err() {
                        return;
                    }
                    let api = i16::from_be_bytes([payload[0], payload[1]]);
                    let version = i16::from_be_bytes([payload[2], payload[3]]);
                    let correlation = i32::from_be_bytes(payload[4..8].try_into().unwrap());
                    let api = ApiKey::from_i16(api).unwrap();
                    match script(api, version, correlation) {
                        Some(frame) => stream.write_all(&frame).await.unwrap(),
                        None => return,
                    }
                }
            });
        }
    });
    addr
}

fn frame(correlation: i32, api: ApiKey, version: i16, body: ResponseBody) -> Vec<u8> {
    let payload = encode_response(correlation, api, version, &body)
        .unwrap()
        .to_bytes()
        .unwrap();
    let mut frame = (payload.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    frame
}

/// A correct ApiVersions answer listing 2.4.1's ranges for ApiVersions and Metadata.
fn good_api_versions(correlation: i32, version: i16) -> Vec<u8> {
    let ranges = [ApiKey::ApiVersions, ApiKey::Metadata].map(|key| (key, key.valid_versions()));
    let body = ApiVersionsResponse::from_ranges(ranges);
    frame(
        correlation,
        ApiKey::ApiVersions,
        version,
        ResponseBody::ApiVersions(body),
    )
}

fn metadata_request() -> MetadataRequest {
    MetadataRequest {
        topics: Some(Vec::new()),
        ..Default::default()
    }
}

#[tokio::test]
async fn endless_unsupported_version_answers_end_in_an_error_not_a_loop() {
    // Claims to support v3 but rejects every version: the client steps down and gives up at v0.
    let addr = fake_broker(|_, _, correlation| {
        let body = ApiVersionsResponse::unsupported_version(3);
        Some(frame(
            correlation,
            ApiKey::ApiVersions,
            0,
            ResponseBody::ApiVersions(body),
        ))
    })
    .await;
    let error = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .err()
        .unwrap();
    assert_eq!(error.error_code(), Some(ErrorCode::UnsupportedVersion));
}

#[tokio::test]
async fn invalid_request_to_api_versions_is_reported() {
    let addr = fake_broker(|_, version, correlation| {
        let body = ApiVersionsResponse {
            error_code: ErrorCode::InvalidRequest,
            ..Default::default()
        };
        Some(frame(
            correlation,
            ApiKey::ApiVersions,
            version,
            ResponseBody::ApiVersions(body),
        ))
    })
    .await;
    let error = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .err()
        .unwrap();
    assert_eq!(error.error_code(), Some(ErrorCode::InvalidRequest));
}

#[tokio::test]
async fn a_wrong_correlation_id_is_a_protocol_violation() {
    let addr = fake_broker(|api, version, correlation| match api {
        ApiKey::ApiVersions => Some(good_api_versions(correlation, version)),
        _ => {
            let body = ResponseBody::Metadata(MetadataResponse::default());
            Some(frame(correlation + 7, api, version, body))
        }
    })
    .await;
    let connection = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .unwrap();
    let error = connection.send(metadata_request()).await.unwrap_err();
    assert!(matches!(error, ClientError::Protocol { .. }), "{error}");
    assert!(connection.is_closed());
}

#[tokio::test]
async fn an_oversized_frame_closes_the_connection_before_allocating() {
    let addr = fake_broker(|api, version, correlation| match api {
        ApiKey::ApiVersions => Some(good_api_versions(correlation, version)),
        // Claims 2 GiB and sends nothing more.
        _ => Some(i32::MAX.to_be_bytes().to_vec()),
    })
    .await;
    let connection = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .unwrap();
    let error = connection.send(metadata_request()).await.unwrap_err();
    assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
}

#[tokio::test]
async fn a_response_above_the_configured_cap_is_refused() {
    let addr = fake_broker(|api, version, correlation| match api {
        ApiKey::ApiVersions => Some(good_api_versions(correlation, version)),
        _ => {
            let body = MetadataResponse {
                cluster_id: Some("x".repeat(4096)),
                ..Default::default()
            };
            Some(frame(
                correlation,
                api,
                version,
                ResponseBody::Metadata(body),
            ))
        }
    })
    .await;
    let config = ConnectionConfig {
        max_response_bytes: 1024,
        ..ConnectionConfig::default()
    };
    let connection = BrokerConnection::connect(&addr.to_string(), config)
        .await
        .unwrap();
    let error = connection.send(metadata_request()).await.unwrap_err();
    assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
}

#[tokio::test]
async fn a_negative_frame_size_closes_the_connection() {
    let addr = fake_broker(|api, version, correlation| match api {
        ApiKey::ApiVersions => Some(good_api_versions(correlation, version)),
        _ => Some((-5i32).to_be_bytes().to_vec()),
    })
    .await;
    let connection = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .unwrap();
    let error = connection.send(metadata_request()).await.unwrap_err();
    assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
}

#[tokio::test]
async fn a_broker_that_hangs_up_fails_the_request() {
    let addr = fake_broker(|api, version, correlation| match api {
        ApiKey::ApiVersions => Some(good_api_versions(correlation, version)),
        _ => None,
    })
    .await;
    let connection = BrokerConnection::connect(&addr.to_string(), ConnectionConfig::default())
        .await
        .unwrap();
    let error = connection.send(metadata_request()).await.unwrap_err();
    assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
    assert!(connection.is_closed());
}

#[tokio::test]
async fn the_handshake_is_api_versions_v3_byte_for_byte() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let capture = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let size = stream.read_i32().await.unwrap();
        let mut payload = vec![0u8; size as usize];
        stream.read_exact(&mut payload).await.unwrap();
        payload
    });
    let config = ConnectionConfig {
        client_id: Some("tool".to_string()),
        ..ConnectionConfig::default()
    };
    let connecting = tokio::spawn(async move { BrokerConnection::connect(&addr, config).await });
    let payload = capture.await.unwrap();
    // §1.2 header v2: key 18, version 3, correlation 0, classic client_id, empty tag section;
    // §4.1 body v3: compact strings "gregor" and the crate version, empty tag section.
    let mut expected = vec![0, 18, 0, 3, 0, 0, 0, 0, 0, 4];
    expected.extend_from_slice(b"tool");
    expected.push(0);
    expected.push(7);
    expected.extend_from_slice(b"gregor");
    let version = env!("CARGO_PKG_VERSION");
    expected.push(version.len() as u8 + 1);
    expected.extend_from_slice(version.as_bytes());
    expected.push(0);
    assert_eq!(payload, expected);
    // The fake hung up without answering: the connect fails cleanly.
    let error = connecting.await.unwrap().err().unwrap();
    assert!(matches!(error, ClientError::Disconnected { .. }), "{error}");
}
