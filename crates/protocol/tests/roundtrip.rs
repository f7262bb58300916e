//! Round-trip property tests: for every message and every version Kafka 2.4.1 accepts, a random
//! value restricted to what the version carries survives encode -> decode unchanged, and
//! re-encoding the decoded value gives the same bytes.

use bytes::Bytes;
use gregor_protocol::primitives::TestRng;
use gregor_protocol::*;
use proptest::prelude::*;

fn round_trip<T: Message>(seed: u64) {
    for version in T::API_KEY.valid_versions() {
        let value = T::random(&mut TestRng::new(seed)).normalized(version);
        let mut encoder = Encoder::new();
        value
            .encode_body(&mut encoder, version)
            .unwrap_or_else(|e| panic!("{:?} v{version}: {e}", T::API_KEY));
        let bytes = encoder.finish_bytes().unwrap();
        let mut decoder = Decoder::new(bytes.clone());
        let decoded = T::decode_body(&mut decoder, version)
            .unwrap_or_else(|e| panic!("{:?} v{version}: {e}", T::API_KEY));
        assert_eq!(
            decoder.remaining(),
            0,
            "{:?} v{version} left bytes",
            T::API_KEY
        );
        assert_eq!(decoded, value, "{:?} v{version}", T::API_KEY);
        let mut again = Encoder::new();
        decoded.encode_body(&mut again, version).unwrap();
        assert_eq!(
            again.finish_bytes().unwrap(),
            bytes,
            "{:?} v{version}",
            T::API_KEY
        );
    }
}

/// Whole frames: request header + body through `encode_request` / `decode_request`, and
/// response header + body through `encode_response` / `decode_response`.
fn frame_round_trip<Q: Message + Into<RequestBody>, R: Message + Into<ResponseBody>>(seed: u64) {
    for version in Q::API_KEY.valid_versions() {
        let mut rng = TestRng::new(seed);
        let request: RequestBody = Q::random(&mut rng).normalized(version).into();
        let client_id = (seed % 3 != 0).then_some("client-1");
        let header = RequestHeader::new(Q::API_KEY, version, seed as i32, client_id);
        let frame = encode_request(&header, &request).unwrap();
        let (decoded_header, decoded) = decode_request(frame.clone()).unwrap();
        let mut expected_header = header.clone();
        if header.header_version() == 0 {
            expected_header.client_id = None;
        }
        assert_eq!(decoded_header, expected_header);
        assert_eq!(decoded, request);

        let response: ResponseBody = R::random(&mut rng).normalized(version).into();
        let encoded = encode_response(7, R::API_KEY, version, &response).unwrap();
        let bytes = encoded.to_bytes().unwrap();
        assert_eq!(bytes.len(), encoded.total_len());
        let (response_header, decoded) = decode_response(R::API_KEY, version, bytes).unwrap();
        assert_eq!(response_header.correlation_id, 7);
        assert_eq!(decoded, response);
    }
}

macro_rules! round_trip_tests {
    ($($test:ident: $request:ty, $response:ty;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $test(seed in any::<u64>()) {
                    round_trip::<$request>(seed);
                    round_trip::<$response>(seed);
                    frame_round_trip::<$request, $response>(seed);
                }
            )*
        }
    };
}

round_trip_tests! {
    produce: ProduceRequest, ProduceResponse;
    fetch: FetchRequest, FetchResponse;
    list_offsets: ListOffsetsRequest, ListOffsetsResponse;
    metadata: MetadataRequest, MetadataResponse;
    leader_and_isr: LeaderAndIsrRequest, LeaderAndIsrResponse;
    stop_replica: StopReplicaRequest, StopReplicaResponse;
    update_metadata: UpdateMetadataRequest, UpdateMetadataResponse;
    controlled_shutdown: ControlledShutdownRequest, ControlledShutdownResponse;
    offset_commit: OffsetCommitRequest, OffsetCommitResponse;
    offset_fetch: OffsetFetchRequest, OffsetFetchResponse;
    find_coordinator: FindCoordinatorRequest, FindCoordinatorResponse;
    join_group: JoinGroupRequest, JoinGroupResponse;
    heartbeat: HeartbeatRequest, HeartbeatResponse;
    leave_group: LeaveGroupRequest, LeaveGroupResponse;
    sync_group: SyncGroupRequest, SyncGroupResponse;
    describe_groups: DescribeGroupsRequest, DescribeGroupsResponse;
    list_groups: ListGroupsRequest, ListGroupsResponse;
    sasl_handshake: SaslHandshakeRequest, SaslHandshakeResponse;
    api_versions: ApiVersionsRequest, ApiVersionsResponse;
    create_topics: CreateTopicsRequest, CreateTopicsResponse;
    delete_topics: DeleteTopicsRequest, DeleteTopicsResponse;
    delete_records: DeleteRecordsRequest, DeleteRecordsResponse;
    init_producer_id: InitProducerIdRequest, InitProducerIdResponse;
    offset_for_leader_epoch: OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse;
    describe_configs: DescribeConfigsRequest, DescribeConfigsResponse;
    alter_configs: AlterConfigsRequest, AlterConfigsResponse;
    sasl_authenticate: SaslAuthenticateRequest, SaslAuthenticateResponse;
    create_partitions: CreatePartitionsRequest, CreatePartitionsResponse;
    delete_groups: DeleteGroupsRequest, DeleteGroupsResponse;
    offset_delete: OffsetDeleteRequest, OffsetDeleteResponse;
}

#[test]
fn every_api_with_messages_is_covered_here() {
    // 30 APIs have definitions; a new one must be added to the list above.
    let implemented = ApiKey::ALL
        .iter()
        .filter(|key| is_implemented(**key))
        .count();
    assert_eq!(implemented, 30);
}

#[test]
fn unknown_tagged_fields_survive_a_round_trip() {
    // Metadata v9 request body with an unknown tag 5 (2 bytes) in its top-level section.
    let body = [0x00, 0x01, 0x00, 0x00, 0x01, 0x05, 0x02, 0xab, 0xcd];
    let mut decoder = Decoder::new(Bytes::copy_from_slice(&body));
    let request = MetadataRequest::decode_body(&mut decoder, 9).unwrap();
    assert_eq!(request.unknown_tagged_fields.len(), 1);
    assert_eq!(request.unknown_tagged_fields[0].tag, 5);
    let mut encoder = Encoder::new();
    request.encode_body(&mut encoder, 9).unwrap();
    assert_eq!(encoder.finish_bytes().unwrap().as_ref(), &body);
}

#[test]
fn tags_out_of_order_are_rejected() {
    let body = [0x00, 0x01, 0x00, 0x00, 0x02, 0x05, 0x00, 0x05, 0x00];
    let mut decoder = Decoder::new(Bytes::copy_from_slice(&body));
    assert_eq!(
        MetadataRequest::decode_body(&mut decoder, 9).unwrap_err(),
        DecodeError::TagsOutOfOrder {
            tag: 5,
            previous: 5
        }
    );
}
