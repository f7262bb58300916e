//! Independent oracle: the `kafka-protocol` crate (0.18). For every message and version both
//! codecs support: our encoding is decoded by theirs and re-encoded to the same bytes (so they read
//! every field as we wrote it), and their encoding of their default value is decoded by ours
//! and re-encoded to the same bytes.
//!
//! kafka-protocol 0.18 lacks LeaderAndIsr, UpdateMetadata, StopReplica and ControlledShutdown
//! and starts some APIs above v0 (see `their_versions`); those are covered only by our own
//! round-trip and worked-example tests.

use bytes::{Bytes, BytesMut};
use gregor_protocol::primitives::TestRng;
use gregor_protocol::{Decoder, Encoder, Message as _, Wire as _};
use kafka_protocol::messages as theirs;
use kafka_protocol::protocol::{Decodable, Encodable, Message as TheirMessage};

fn ours_to_theirs<O: gregor_protocol::Message, T: Decodable + Encodable>(version: i16, seed: u64) {
    let value = O::random(&mut TestRng::new(seed)).normalized(version);
    let mut encoder = Encoder::new();
    value.encode_body(&mut encoder, version).unwrap();
    let ours = encoder.finish_bytes().unwrap();
    let mut input = ours.clone();
    let decoded = T::decode(&mut input, version).unwrap_or_else(|e| {
        panic!(
            "{:?} v{version}: theirs cannot decode ours: {e}",
            O::API_KEY
        )
    });
    assert!(
        input.is_empty(),
        "{:?} v{version}: theirs left bytes",
        O::API_KEY
    );
    let mut again = BytesMut::new();
    decoded.encode(&mut again, version).unwrap();
    assert_eq!(
        again.freeze(),
        ours,
        "{:?} v{version}: value {value:?}",
        O::API_KEY
    );
}

fn theirs_to_ours<O: gregor_protocol::Message, T: Default + Encodable>(version: i16) {
    let mut buf = BytesMut::new();
    T::default().encode(&mut buf, version).unwrap();
    let their_bytes: Bytes = buf.freeze();
    let mut decoder = Decoder::new(their_bytes.clone());
    let decoded = O::decode_body(&mut decoder, version).unwrap_or_else(|e| {
        panic!(
            "{:?} v{version}: ours cannot decode theirs: {e}",
            O::API_KEY
        )
    });
    assert_eq!(decoder.remaining(), 0);
    let mut encoder = Encoder::new();
    decoded.encode_body(&mut encoder, version).unwrap();
    assert_eq!(
        encoder.finish_bytes().unwrap(),
        their_bytes,
        "{:?} v{version}",
        O::API_KEY
    );
}

/// Versions supported by both Kafka 2.4.1 (ours) and kafka-protocol 0.18 (theirs).
fn common_versions<O: gregor_protocol::Message, T: TheirMessage>() -> Vec<i16> {
    O::API_KEY
        .valid_versions()
        .filter(|v| (T::VERSIONS.min..=T::VERSIONS.max).contains(v))
        .collect()
}

macro_rules! oracle_tests {
    ($($test:ident: $ours:ident, $theirs:ident;)*) => {$(
        #[test]
        fn $test() {
            let versions = common_versions::<gregor_protocol::$ours, theirs::$theirs>();
            assert!(!versions.is_empty(), "no common version");
            for version in versions {
                for seed in 0..24 {
                    ours_to_theirs::<gregor_protocol::$ours, theirs::$theirs>(version, seed);
                }
                theirs_to_ours::<gregor_protocol::$ours, theirs::$theirs>(version);
            }
        }
    )*};
}

oracle_tests! {
    produce_request: ProduceRequest, ProduceRequest;
    produce_response: ProduceResponse, ProduceResponse;
    fetch_request: FetchRequest, FetchRequest;
    fetch_response: FetchResponse, FetchResponse;
    list_offsets_request: ListOffsetsRequest, ListOffsetsRequest;
    list_offsets_response: ListOffsetsResponse, ListOffsetsResponse;
    metadata_request: MetadataRequest, MetadataRequest;
    metadata_response: MetadataResponse, MetadataResponse;
    offset_commit_request: OffsetCommitRequest, OffsetCommitRequest;
    offset_commit_response: OffsetCommitResponse, OffsetCommitResponse;
    offset_fetch_request: OffsetFetchRequest, OffsetFetchRequest;
    offset_fetch_response: OffsetFetchResponse, OffsetFetchResponse;
    find_coordinator_request: FindCoordinatorRequest, FindCoordinatorRequest;
    find_coordinator_response: FindCoordinatorResponse, FindCoordinatorResponse;
    join_group_request: JoinGroupRequest, JoinGroupRequest;
    join_group_response: JoinGroupResponse, JoinGroupResponse;
    heartbeat_request: HeartbeatRequest, HeartbeatRequest;
    heartbeat_response: HeartbeatResponse, HeartbeatResponse;
    leave_group_request: LeaveGroupRequest, LeaveGroupRequest;
    leave_group_response: LeaveGroupResponse, LeaveGroupResponse;
    sync_group_request: SyncGroupRequest, SyncGroupRequest;
    sync_group_response: SyncGroupResponse, SyncGroupResponse;
    describe_groups_request: DescribeGroupsRequest, DescribeGroupsRequest;
    describe_groups_response: DescribeGroupsResponse, DescribeGroupsResponse;
    list_groups_request: ListGroupsRequest, ListGroupsRequest;
    list_groups_response: ListGroupsResponse, ListGroupsResponse;
    sasl_handshake_request: SaslHandshakeRequest, SaslHandshakeRequest;
    sasl_handshake_response: SaslHandshakeResponse, SaslHandshakeResponse;
    api_versions_request: ApiVersionsRequest, ApiVersionsRequest;
    api_versions_response: ApiVersionsResponse, ApiVersionsResponse;
    create_topics_request: CreateTopicsRequest, CreateTopicsRequest;
    create_topics_response: CreateTopicsResponse, CreateTopicsResponse;
    delete_topics_request: DeleteTopicsRequest, DeleteTopicsRequest;
    delete_topics_response: DeleteTopicsResponse, DeleteTopicsResponse;
    delete_records_request: DeleteRecordsRequest, DeleteRecordsRequest;
    delete_records_response: DeleteRecordsResponse, DeleteRecordsResponse;
    init_producer_id_request: InitProducerIdRequest, InitProducerIdRequest;
    init_producer_id_response: InitProducerIdResponse, InitProducerIdResponse;
    offset_for_leader_epoch_request: OffsetForLeaderEpochRequest, OffsetForLeaderEpochRequest;
    offset_for_leader_epoch_response: OffsetForLeaderEpochResponse, OffsetForLeaderEpochResponse;
    describe_configs_request: DescribeConfigsRequest, DescribeConfigsRequest;
    describe_configs_response: DescribeConfigsResponse, DescribeConfigsResponse;
    alter_configs_request: AlterConfigsRequest, AlterConfigsRequest;
    alter_configs_response: AlterConfigsResponse, AlterConfigsResponse;
    sasl_authenticate_request: SaslAuthenticateRequest, SaslAuthenticateRequest;
    sasl_authenticate_response: SaslAuthenticateResponse, SaslAuthenticateResponse;
    create_partitions_request: CreatePartitionsRequest, CreatePartitionsRequest;
    create_partitions_response: CreatePartitionsResponse, CreatePartitionsResponse;
    delete_groups_request: DeleteGroupsRequest, DeleteGroupsRequest;
    delete_groups_response: DeleteGroupsResponse, DeleteGroupsResponse;
    offset_delete_request: OffsetDeleteRequest, OffsetDeleteRequest;
    offset_delete_response: OffsetDeleteResponse, OffsetDeleteResponse;
}

fn our_bytes<O: gregor_protocol::Message>(value: &O, version: i16) -> Bytes {
    let mut encoder = Encoder::new();
    value.encode_body(&mut encoder, version).unwrap();
    encoder.finish_bytes().unwrap()
}

/// Field-by-field comparison for the two messages every client depends on first.
#[test]
fn metadata_response_fields_read_by_theirs_match_ours() {
    for version in 0..=9 {
        for seed in 0..16 {
            let ours = gregor_protocol::MetadataResponse::random(&mut TestRng::new(seed))
                .normalized(version);
            let mut input = our_bytes(&ours, version);
            let read = theirs::MetadataResponse::decode(&mut input, version).unwrap();
            assert_eq!(read.throttle_time_ms, ours.throttle_time_ms);
            assert_eq!(*read.controller_id, ours.controller_id);
            assert_eq!(read.cluster_id.as_deref(), ours.cluster_id.as_deref());
            assert_eq!(
                read.cluster_authorized_operations,
                ours.cluster_authorized_operations
            );
            assert_eq!(read.brokers.len(), ours.brokers.len());
            for (b, o) in read.brokers.iter().zip(&ours.brokers) {
                assert_eq!(
                    (*b.node_id, &*b.host, b.port),
                    (o.node_id, o.host.as_str(), o.port)
                );
                assert_eq!(b.rack.as_deref(), o.rack.as_deref());
            }
            assert_eq!(read.topics.len(), ours.topics.len());
            for (t, o) in read.topics.iter().zip(&ours.topics) {
                assert_eq!(t.error_code, o.error_code.code());
                assert_eq!(t.name.as_deref().map(|n| &**n), Some(o.name.as_str()));
                assert_eq!(t.is_internal, o.is_internal);
                assert_eq!(t.topic_authorized_operations, o.topic_authorized_operations);
                for (p, q) in t.partitions.iter().zip(&o.partitions) {
                    assert_eq!(
                        (
                            p.error_code,
                            p.partition_index,
                            *p.leader_id,
                            p.leader_epoch
                        ),
                        (
                            q.error_code.code(),
                            q.partition_index,
                            q.leader_id,
                            q.leader_epoch
                        )
                    );
                    let ids =
                        |v: &Vec<theirs::BrokerId>| v.iter().map(|b| **b).collect::<Vec<i32>>();
                    assert_eq!(ids(&p.replica_nodes), q.replica_nodes);
                    assert_eq!(ids(&p.isr_nodes), q.isr_nodes);
                    assert_eq!(ids(&p.offline_replicas), q.offline_replicas);
                }
            }
        }
    }
}

#[test]
fn fetch_request_fields_read_by_theirs_match_ours() {
    for version in 4..=11 {
        for seed in 0..16 {
            let ours =
                gregor_protocol::FetchRequest::random(&mut TestRng::new(seed)).normalized(version);
            let mut input = our_bytes(&ours, version);
            let read = theirs::FetchRequest::decode(&mut input, version).unwrap();
            assert_eq!(*read.replica_id, ours.replica_id);
            assert_eq!(
                (
                    read.max_wait_ms,
                    read.min_bytes,
                    read.max_bytes,
                    read.isolation_level
                ),
                (
                    ours.max_wait_ms,
                    ours.min_bytes,
                    ours.max_bytes,
                    ours.isolation_level
                )
            );
            assert_eq!(
                (read.session_id, read.session_epoch),
                (ours.session_id, ours.session_epoch)
            );
            assert_eq!(&*read.rack_id, ours.rack_id.as_str());
            for (t, o) in read.topics.iter().zip(&ours.topics) {
                assert_eq!(&**t.topic, o.topic.as_str());
                for (p, q) in t.partitions.iter().zip(&o.partitions) {
                    assert_eq!(
                        (p.partition, p.current_leader_epoch, p.fetch_offset),
                        (q.partition, q.current_leader_epoch, q.fetch_offset)
                    );
                    assert_eq!(
                        (p.log_start_offset, p.partition_max_bytes),
                        (q.log_start_offset, q.partition_max_bytes)
                    );
                }
            }
            assert_eq!(
                read.forgotten_topics_data.len(),
                ours.forgotten_topics_data.len()
            );
        }
    }
}
