//! [`KafkaRequest`]: ties each request type of gregor-protocol to its response type, so callers
//! write `connection.send(MetadataRequest { .. })` and get a `MetadataResponse` back.

use gregor_protocol::messages::*;
use gregor_protocol::{ApiKey, RequestBody, ResponseBody};

/// A request body whose response type is known.
pub trait KafkaRequest: Into<RequestBody> + Send + 'static {
    /// The response body type of this API.
    type Response: Send + 'static;
    /// The API key.
    const API_KEY: ApiKey;

    /// The typed response out of a decoded body, `None` if it belongs to another API.
    fn response_from(body: ResponseBody) -> Option<Self::Response>;

    /// The response reported for a request Kafka never answers (Produce with acks = 0); `None`
    /// for every other API, whose missing response is a protocol violation.
    fn unanswered_response() -> Option<Self::Response> {
        None
    }
}

macro_rules! kafka_requests {
    ($($api:ident($request:ident, $response:ident)),* $(,)?) => {
        $(
            impl KafkaRequest for $request {
                type Response = $response;
                const API_KEY: ApiKey = ApiKey::$api;

                fn response_from(body: ResponseBody) -> Option<$response> {
                    match body {
                        ResponseBody::$api(response) => Some(response),
                        _ => None,
                    }
                }

                kafka_requests!(@unanswered $api);
            }
        )*
    };
    (@unanswered Produce) => {
        /// Kafka sends nothing for acks = 0; the caller gets an empty response.
        fn unanswered_response() -> Option<ProduceResponse> {
            Some(ProduceResponse::default())
        }
    };
    (@unanswered $api:ident) => {};
}

kafka_requests! {
    Produce(ProduceRequest, ProduceResponse),
    Fetch(FetchRequest, FetchResponse),
    ListOffsets(ListOffsetsRequest, ListOffsetsResponse),
    Metadata(MetadataRequest, MetadataResponse),
    LeaderAndIsr(LeaderAndIsrRequest, LeaderAndIsrResponse),
    StopReplica(StopReplicaRequest, StopReplicaResponse),
    UpdateMetadata(UpdateMetadataRequest, UpdateMetadataResponse),
    ControlledShutdown(ControlledShutdownRequest, ControlledShutdownResponse),
    OffsetCommit(OffsetCommitRequest, OffsetCommitResponse),
    OffsetFetch(OffsetFetchRequest, OffsetFetchResponse),
    FindCoordinator(FindCoordinatorRequest, FindCoordinatorResponse),
    JoinGroup(JoinGroupRequest, JoinGroupResponse),
    Heartbeat(HeartbeatRequest, HeartbeatResponse),
    LeaveGroup(LeaveGroupRequest, LeaveGroupResponse),
    SyncGroup(SyncGroupRequest, SyncGroupResponse),
    DescribeGroups(DescribeGroupsRequest, DescribeGroupsResponse),
    ListGroups(ListGroupsRequest, ListGroupsResponse),
    SaslHandshake(SaslHandshakeRequest, SaslHandshakeResponse),
    ApiVersions(ApiVersionsRequest, ApiVersionsResponse),
    CreateTopics(CreateTopicsRequest, CreateTopicsResponse),
    DeleteTopics(DeleteTopicsRequest, DeleteTopicsResponse),
    DeleteRecords(DeleteRecordsRequest, DeleteRecordsResponse),
    InitProducerId(InitProducerIdRequest, InitProducerIdResponse),
    OffsetForLeaderEpoch(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse),
    DescribeConfigs(DescribeConfigsRequest, DescribeConfigsResponse),
    AlterConfigs(AlterConfigsRequest, AlterConfigsResponse),
    SaslAuthenticate(SaslAuthenticateRequest, SaslAuthenticateResponse),
    CreatePartitions(CreatePartitionsRequest, CreatePartitionsResponse),
    DeleteGroups(DeleteGroupsRequest, DeleteGroupsResponse),
}
