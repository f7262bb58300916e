//! Golden request frames from real clients (tests/fixtures/requests/*.bin, size prefix
//! included): each must decode and re-encode byte for byte. The directory must exist, so a
//! misplaced fixture set fails loudly instead of passing vacuously.

use std::path::Path;

use bytes::Bytes;
use gregor_protocol::{
    decode_request, encode_request, ApiKey, DecodeError, Decoder, Encoder, RequestHeader,
};

#[test]
fn captured_request_frames_re_encode_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/requests");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut checked = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("bin") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        assert!(
            raw.len() >= 4,
            "{}: shorter than a size prefix",
            path.display()
        );
        let size = i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        assert_eq!(
            size as usize,
            raw.len() - 4,
            "{}: size prefix",
            path.display()
        );
        let payload = Bytes::copy_from_slice(&raw[4..]);
        if check_kip_511_probe(&payload) {
            checked += 1;
            continue;
        }
        let (header, body) =
            decode_request(payload.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again = encode_request(&header, &body).unwrap();
        assert_eq!(again, payload, "{}: re-encoding differs", path.display());
        checked += 1;
    }
    println!("checked {checked} golden frames");
}

/// kafka-python 3 first sends ApiVersions v4, which 2.4.1 does not know: the header must still
/// parse (header v2) and `decode_request` must report the version with the correlation id.
/// Returns false for every other frame.
fn check_kip_511_probe(payload: &Bytes) -> bool {
    let mut decoder = Decoder::new(payload.clone());
    let Ok(header) = RequestHeader::decode(&mut decoder) else {
        return false;
    };
    if header.request_api_key != ApiKey::ApiVersions || header.request_api_version <= 3 {
        return false;
    }
    assert_eq!(
        decode_request(payload.clone()).unwrap_err(),
        DecodeError::UnsupportedVersion {
            api_key: ApiKey::ApiVersions,
            version: header.request_api_version,
            correlation_id: header.correlation_id,
        }
    );
    let mut encoder = Encoder::new();
    header.encode(&mut encoder).unwrap();
    let header_bytes = encoder.finish_bytes().unwrap();
    assert_eq!(&payload[..header_bytes.len()], header_bytes.as_ref());
    true
}
