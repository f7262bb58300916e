//! The worked byte examples of protocol-2.4.md §5.4, as exact-bytes tests.

use bytes::Bytes;
use gregor_protocol::*;

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).unwrap())
        .collect()
}

#[test]
fn api_versions_v3_request_uses_header_v2_with_classic_client_id() {
    let frame = hex(
        "00 12 00 03 00 00 00 01 00 02 72 73 00 09 6b 61 66 6b 61 2d 72 73 06 30 2e 31 2e 30 00",
    );
    let (header, body) = decode_request(Bytes::from(frame.clone())).unwrap();
    assert_eq!(header.request_api_key, ApiKey::ApiVersions);
    assert_eq!(header.correlation_id, 1);
    assert_eq!(header.client_id.as_deref(), Some("rs"));
    let RequestBody::ApiVersions(request) = &body else {
        panic!("wrong body {body:?}")
    };
    assert_eq!(request.client_software_name, "kafka-rs");
    assert_eq!(request.client_software_version, "0.1.0");
    assert_eq!(
        encode_request(&header, &body).unwrap().as_ref(),
        frame.as_slice()
    );
}

#[test]
fn kip_511_fallback_answer_is_byte_exact() {
    let body = ResponseBody::ApiVersions(ApiVersionsResponse::unsupported_version(3));
    let frame = encode_response(7, ApiKey::ApiVersions, 0, &body).unwrap();
    assert_eq!(frame.total_len(), 16);
    assert_eq!(
        frame.to_bytes().unwrap().as_ref(),
        hex("00 00 00 07 00 23 00 00 00 01 00 12 00 00 00 03").as_slice()
    );
}

#[test]
fn api_versions_v4_request_reports_unsupported_version_with_correlation_id() {
    // Header v2 (version >= 3), body never parsed.
    let frame = hex("00 12 00 04 00 00 00 07 ff ff 00 ff ff");
    assert_eq!(
        decode_request(Bytes::from(frame)).unwrap_err(),
        DecodeError::UnsupportedVersion {
            api_key: ApiKey::ApiVersions,
            version: 4,
            correlation_id: 7
        }
    );
}

fn metadata_all_topics(version: i16) -> Vec<u8> {
    let request = MetadataRequest {
        topics: if version == 0 { Some(vec![]) } else { None },
        allow_auto_topic_creation: true,
        ..Default::default()
    };
    let mut encoder = Encoder::new();
    request.encode_body(&mut encoder, version).unwrap();
    encoder.finish_bytes().unwrap().to_vec()
}

#[test]
fn metadata_all_topics_bodies_per_version() {
    assert_eq!(metadata_all_topics(9), hex("00 01 00 00 00"));
    assert_eq!(metadata_all_topics(1), hex("ff ff ff ff"));
    assert_eq!(metadata_all_topics(0), hex("00 00 00 00"));
}

#[test]
fn metadata_v3_refuses_to_drop_allow_auto_topic_creation_false() {
    let request = MetadataRequest {
        topics: None,
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    let mut encoder = Encoder::new();
    assert!(matches!(
        request.encode_body(&mut encoder, 3),
        Err(EncodeError::UnsupportedField { .. })
    ));
}

#[test]
fn create_topics_v5_topic_result_carries_tagged_config_error_code() {
    let expected = hex("02 74 00 00 00 ff ff ff ff ff ff 01 01 00 02 00 1d");
    let result = CreatableTopicResult {
        name: "t".into(),
        error_code: ErrorCode::None,
        error_message: None,
        topic_config_error_code: ErrorCode::TopicAuthorizationFailed,
        num_partitions: -1,
        replication_factor: -1,
        configs: Some(vec![]),
        ..Default::default()
    };
    let ctx = primitives::Ctx::new(5, true);
    let mut encoder = Encoder::new();
    result.encode(&mut encoder, ctx).unwrap();
    assert_eq!(
        encoder.finish_bytes().unwrap().as_ref(),
        expected.as_slice()
    );
    let decoded =
        CreatableTopicResult::decode(&mut Decoder::new(Bytes::from(expected)), ctx).unwrap();
    assert_eq!(decoded, result);
}

#[test]
fn fetch_response_with_external_records_becomes_chunks() {
    let response = FetchResponse {
        responses: vec![FetchResponseTopic {
            topic: "t".into(),
            partitions: vec![FetchResponsePartition {
                partition: 0,
                high_watermark: 10,
                records: Some(RecordsData::External { id: 3, len: 1000 }),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let frame = encode_response(9, ApiKey::Fetch, 11, &ResponseBody::Fetch(response)).unwrap();
    assert_eq!(frame.chunks.len(), 2);
    assert_eq!(frame.chunks[1], Chunk::External { id: 3, len: 1000 });
    let Chunk::Bytes(head) = &frame.chunks[0] else {
        panic!("first chunk must be bytes")
    };
    // The records length prefix (1000 = 0x3e8) is the last thing before the hole.
    assert_eq!(&head[head.len() - 4..], &[0, 0, 0x03, 0xe8]);
    assert_eq!(frame.total_len(), head.len() + 1000);
    assert_eq!(frame.to_bytes(), None);
}

#[test]
fn controlled_shutdown_v0_request_has_no_client_id() {
    let header = RequestHeader::new(ApiKey::ControlledShutdown, 0, 5, Some("ignored"));
    let body = RequestBody::ControlledShutdown(ControlledShutdownRequest {
        broker_id: 1,
        ..Default::default()
    });
    let frame = encode_request(&header, &body).unwrap();
    assert_eq!(
        frame.as_ref(),
        hex("00 07 00 00 00 00 00 05 00 00 00 01").as_slice()
    );
}

#[test]
fn ten_byte_request_claiming_two_billion_topics_is_an_error() {
    // DeleteGroups v0 header (client id null) then an array count of 2^31 - 1.
    let frame = hex("00 2a 00 00 00 00 00 01 ff ff 7f ff ff ff");
    assert!(matches!(
        decode_request(Bytes::from(frame)),
        Err(DecodeError::UnexpectedEof { .. })
    ));
}

#[test]
fn unknown_api_key_is_reported() {
    let frame = hex("00 63 00 00 00 00 00 01 ff ff");
    assert_eq!(
        decode_request(Bytes::from(frame)).unwrap_err(),
        DecodeError::UnknownApiKey(99)
    );
}

#[test]
fn client_reads_the_kip_511_answer_to_a_v3_request_as_v0() {
    let frame = hex("00 00 00 07 00 23 00 00 00 01 00 12 00 00 00 03");
    let (header, body) = decode_response(ApiKey::ApiVersions, 3, Bytes::from(frame)).unwrap();
    assert_eq!(header.correlation_id, 7);
    assert_eq!(
        body,
        ResponseBody::ApiVersions(ApiVersionsResponse::unsupported_version(3))
    );
}

#[test]
fn only_produce_with_acks_zero_expects_no_response() {
    let fire_and_forget = RequestBody::Produce(ProduceRequest {
        acks: 0,
        ..Default::default()
    });
    let acked = RequestBody::Produce(ProduceRequest {
        acks: 1,
        ..Default::default()
    });
    assert!(!fire_and_forget.expects_response());
    assert!(acked.expects_response());
    assert!(RequestBody::ListGroups(ListGroupsRequest::default()).expects_response());
}
