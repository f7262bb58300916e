//! A Fetch response whose records are a log-file region reaches a real client byte-exact, via
//! sendfile and via the copy fallback; a region cut short by truncation closes that connection.

mod common;

use std::io::Write;
use std::sync::Arc;

use common::*;
use gregor_network::FileRegion;
use gregor_protocol::{decode_response, ApiKey, RecordsData, ResponseBody};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A temp file of `len` patterned bytes and its content.
fn segment_file(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
    let content: Vec<u8> = (0..len).map(|i| (i * 13 % 253) as u8).collect();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&content).unwrap();
    file.flush().unwrap();
    (file, content)
}

async fn fetch_round_trip(use_sendfile: bool) {
    let (file, content) = segment_file(2 * 1024 * 1024);
    let mut config = test_config();
    config.use_sendfile = use_sendfile;
    let server = start(config).await;
    let (position, len) = (4096u64, 1024 * 1024 + 333u32);
    *server.service.fetch_region.lock().unwrap() = Some(FileRegion {
        file: Arc::new(file.reopen().unwrap()),
        position,
        len,
    });
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for (correlation, version) in [(1, 4i16), (2, 11)] {
        stream
            .write_all(&request(ApiKey::Fetch, version, correlation, "consumer"))
            .await
            .unwrap();
        let payload = read_frame(&mut stream).await;
        let (header, body) = decode_response(ApiKey::Fetch, version, payload).unwrap();
        assert_eq!(header.correlation_id, correlation);
        let ResponseBody::Fetch(fetch) = body else {
            panic!("not a fetch response")
        };
        let partition = &fetch.responses[0].partitions[0];
        assert_eq!(partition.high_watermark, 42);
        let Some(RecordsData::Bytes(records)) = &partition.records else {
            panic!("records missing")
        };
        let start = position as usize;
        assert!(records[..] == content[start..start + len as usize]);
    }
    assert_served(&mut stream, 3).await;
}

#[tokio::test]
async fn fetch_records_from_a_file_arrive_through_sendfile() {
    fetch_round_trip(true).await;
}

#[tokio::test]
async fn fetch_records_from_a_file_arrive_through_the_copy_fallback() {
    fetch_round_trip(false).await;
}

#[tokio::test]
async fn a_truncated_segment_closes_only_that_connection() {
    let (file, _) = segment_file(1000);
    let server = start(test_config()).await;
    *server.service.fetch_region.lock().unwrap() = Some(FileRegion {
        file: Arc::new(file.reopen().unwrap()),
        position: 500,
        len: 4000,
    });
    let mut bystander = connect_and_check(server.addr).await;
    let mut consumer = TcpStream::connect(server.addr).await.unwrap();
    consumer
        .write_all(&request(ApiKey::Fetch, 4, 1, "consumer"))
        .await
        .unwrap();
    // The frame promises more bytes than ever come; the server must close rather than hang.
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, consumer.read_to_end(&mut received))
        .await
        .expect("the server should close the connection")
        .expect("a clean close after the short frame");
    let announced = i32::from_be_bytes(received[..4].try_into().unwrap()) as usize;
    assert!(received.len() - 4 < announced);
    assert_served(&mut bystander, 2).await;
}

#[tokio::test]
async fn produce_with_acks_0_gets_no_response_and_keeps_order() {
    let server = start(test_config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut burst = request(ApiKey::Produce, 3, 1, "acks0");
    burst.extend(request(ApiKey::Produce, 3, 2, "acks1"));
    burst.extend(request(ApiKey::Produce, 8, 3, "acks0"));
    burst.extend(request(ApiKey::ApiVersions, 3, 4, "after"));
    stream.write_all(&burst).await.unwrap();
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 2);
    assert_eq!(correlation_id(&read_frame(&mut stream).await), 4);
    assert_eq!(server.service.calls(), vec![1, 2, 3, 4]);
}
