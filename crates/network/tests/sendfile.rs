//! File regions reach the client byte-exact, through sendfile(2) and through the pread
//! fallback, including partial writes against a small socket buffer; a file shorter than its
//! region is an error after which the connection must close.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use gregor_network::send::{write_frame, SendError};
use gregor_network::FileRegion;
use gregor_protocol::{Chunk, EncodedFrame};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// A connected pair: (server side, client side). The server side gets a small send buffer so
/// large writes go out in many partial pieces.
async fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    socket2::SockRef::from(&server)
        .set_send_buffer_size(8 * 1024)
        .unwrap();
    (server, client)
}

/// A temp file of `len` bytes with a recognisable pattern.
fn patterned_file(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
    let content: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&content).unwrap();
    file.flush().unwrap();
    (file, content)
}

async fn round_trip(use_sendfile: bool) {
    let (file, content) = patterned_file(3 * 1024 * 1024 + 217);
    let shared = Arc::new(file.reopen().unwrap());
    let big = FileRegion {
        file: Arc::clone(&shared),
        position: 100,
        len: 3 * 1024 * 1024,
    };
    let small = FileRegion {
        file: shared,
        position: 5,
        len: 11,
    };
    let header = Bytes::from_static(b"0123456789");
    let trailer = Bytes::from(vec![0xab; 20 * 1024]);
    let frame = EncodedFrame {
        chunks: vec![
            Chunk::Bytes(header.clone()),
            Chunk::External {
                id: 0,
                len: big.len,
            },
            Chunk::Bytes(trailer.clone()),
            Chunk::External {
                id: 1,
                len: small.len,
            },
        ],
    };
    let mut expected = (frame.total_len() as i32).to_be_bytes().to_vec();
    expected.extend_from_slice(&header);
    expected.extend_from_slice(&content[100..100 + big.len as usize]);
    expected.extend_from_slice(&trailer);
    expected.extend_from_slice(&content[5..16]);

    let (server, mut client) = socket_pair().await;
    let expected_len = expected.len();
    let reader = tokio::spawn(async move {
        let mut received = vec![0u8; expected_len];
        client.read_exact(&mut received).await.unwrap();
        received
    });
    let (_read_half, mut write_half) = server.into_split();
    let stats = write_frame(&mut write_half, &frame, &[big, small], use_sendfile)
        .await
        .unwrap();
    assert_eq!(stats.bytes_written as usize, expected_len);
    let file_bytes = 3 * 1024 * 1024 + 11;
    if use_sendfile {
        assert_eq!(
            (stats.sendfile_bytes, stats.copied_file_bytes),
            (file_bytes, 0)
        );
    } else {
        assert_eq!(
            (stats.sendfile_bytes, stats.copied_file_bytes),
            (0, file_bytes)
        );
    }
    let received = reader.await.unwrap();
    assert!(received == expected, "received bytes differ from the file");
}

#[tokio::test]
async fn file_regions_arrive_byte_exact_through_sendfile() {
    round_trip(true).await;
}

#[tokio::test]
async fn file_regions_arrive_byte_exact_through_the_copy_fallback() {
    round_trip(false).await;
}

async fn truncated(use_sendfile: bool) {
    let (file, content) = patterned_file(1000);
    let region = FileRegion {
        file: Arc::new(file.reopen().unwrap()),
        position: 900,
        len: 500,
    };
    let frame = EncodedFrame {
        chunks: vec![Chunk::External { id: 0, len: 500 }],
    };
    let (server, mut client) = socket_pair().await;
    let (read_half, mut write_half) = server.into_split();
    let err = write_frame(&mut write_half, &frame, &[region], use_sendfile)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::FileTruncated { missing: 400, .. }),
        "{err}"
    );
    // The caller closes the connection; the client sees a short frame, then EOF.
    drop((read_half, write_half));
    let mut received = Vec::new();
    client.read_to_end(&mut received).await.unwrap();
    assert_eq!(&received[..4], &500i32.to_be_bytes());
    assert_eq!(&received[4..], &content[900..]);
}

#[tokio::test]
async fn a_truncated_file_is_reported_through_sendfile() {
    truncated(true).await;
}

#[tokio::test]
async fn a_truncated_file_is_reported_through_the_copy_fallback() {
    truncated(false).await;
}

#[tokio::test]
async fn a_chunk_without_its_region_writes_nothing() {
    let (file, _) = patterned_file(10);
    let region = FileRegion {
        file: Arc::new(file.reopen().unwrap()),
        position: 0,
        len: 10,
    };
    let (server, mut client) = socket_pair().await;
    let (read_half, mut write_half) = server.into_split();
    let missing = EncodedFrame {
        chunks: vec![Chunk::External { id: 1, len: 10 }],
    };
    let err = write_frame(
        &mut write_half,
        &missing,
        std::slice::from_ref(&region),
        true,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SendError::MissingRegion { id: 1, .. }));
    let mismatch = EncodedFrame {
        chunks: vec![Chunk::External { id: 0, len: 9 }],
    };
    let err = write_frame(&mut write_half, &mismatch, &[region], true)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::LengthMismatch { .. }));
    drop((read_half, write_half));
    let mut received = Vec::new();
    client.read_to_end(&mut received).await.unwrap();
    assert!(received.is_empty());
}
