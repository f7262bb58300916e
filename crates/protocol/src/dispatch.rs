//! Dispatch by API key: [`RequestBody`] / [`ResponseBody`] hold one variant per implemented API,
//! and the frame-level entry points read or write header + body (frames here exclude the int32
//! size prefix, which the network layer handles).

use bytes::Bytes;

use crate::api_key::{response_header_version, ApiKey};
use crate::error::{DecodeError, EncodeError};
use crate::frame::EncodedFrame;
use crate::header::{RequestHeader, ResponseHeader};
use crate::message::Message;
use crate::messages::*;
use crate::primitives::{Decoder, Encoder};

/// A request body type whose response type is known: generated for every implemented API from
/// the one table below, so clients can write `send(MetadataRequest { .. })` and get a
/// `MetadataResponse` back.
pub trait ApiRequest: Into<RequestBody> {
    /// The response body type of this API.
    type Response;
    /// The API key.
    const API_KEY: ApiKey;

    /// The typed response out of a decoded body, `None` if it belongs to another API.
    fn response_from(body: ResponseBody) -> Option<Self::Response>;
}

macro_rules! dispatch {
    ($($api:ident($request:ident, $response:ident)),* $(,)?) => {
        /// A decoded request body, one variant per implemented API.
        #[derive(Debug, Clone, PartialEq)]
        pub enum RequestBody {
            $(
                #[doc = concat!("A ", stringify!($api), " request.")]
                $api($request),
            )*
        }

        /// A response body, one variant per implemented API.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ResponseBody {
            $(
                #[doc = concat!("A ", stringify!($api), " response.")]
                $api($response),
            )*
        }

        /// True when this codec has message definitions for `api_key`.
        pub fn is_implemented(api_key: ApiKey) -> bool {
            matches!(api_key, $(ApiKey::$api)|*)
        }

        impl RequestBody {
            /// The API of this body.
            pub fn api_key(&self) -> ApiKey {
                match self { $(Self::$api(_) => ApiKey::$api,)* }
            }

            /// Reads a request body of `api_key` at `version` (no version-range check).
            pub fn decode(api_key: ApiKey, version: i16, decoder: &mut Decoder) -> Result<Self, DecodeError> {
                match api_key {
                    $(ApiKey::$api => $request::decode_body(decoder, version).map(Self::$api),)*
                    other => Err(DecodeError::UnimplementedApi(other)),
                }
            }

            /// Writes the body at `version` (no version-range check).
            pub fn encode(&self, encoder: &mut Encoder, version: i16) -> Result<(), EncodeError> {
                match self { $(Self::$api(body) => body.encode_body(encoder, version),)* }
            }
        }

        impl ResponseBody {
            /// The API of this body.
            pub fn api_key(&self) -> ApiKey {
                match self { $(Self::$api(_) => ApiKey::$api,)* }
            }

            /// Reads a response body of `api_key` at `version` (no version-range check).
            pub fn decode(api_key: ApiKey, version: i16, decoder: &mut Decoder) -> Result<Self, DecodeError> {
                match api_key {
                    $(ApiKey::$api => $response::decode_body(decoder, version).map(Self::$api),)*
                    other => Err(DecodeError::UnimplementedApi(other)),
                }
            }

            /// Writes the body at `version` (no version-range check).
            pub fn encode(&self, encoder: &mut Encoder, version: i16) -> Result<(), EncodeError> {
                match self { $(Self::$api(body) => body.encode_body(encoder, version),)* }
            }
        }

        $(
            impl From<$request> for RequestBody {
                fn from(body: $request) -> Self { Self::$api(body) }
            }
            impl From<$response> for ResponseBody {
                fn from(body: $response) -> Self { Self::$api(body) }
            }
            impl ApiRequest for $request {
                type Response = $response;
                const API_KEY: ApiKey = ApiKey::$api;

                fn response_from(body: ResponseBody) -> Option<$response> {
                    match body {
                        ResponseBody::$api(response) => Some(response),
                        _ => None,
                    }
                }
            }
        )*
    };
}

dispatch! {
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
    OffsetDelete(OffsetDeleteRequest, OffsetDeleteResponse),
}

impl RequestBody {
    /// False only for Produce with `acks = 0`, which Kafka never answers (§4.3).
    pub fn expects_response(&self) -> bool {
        !matches!(self, Self::Produce(request) if request.acks == 0)
    }
}

/// Reads a request frame (header + body, without the size prefix). Versions outside Kafka
/// 2.4.1's range give [`DecodeError::UnsupportedVersion`] (carrying the correlation id, so the
/// network can send the KIP-511 answer to ApiVersions); trailing bytes are ignored, as in Kafka.
pub fn decode_request(frame: Bytes) -> Result<(RequestHeader, RequestBody), DecodeError> {
    let mut decoder = Decoder::new(frame);
    let header = RequestHeader::decode(&mut decoder)?;
    let (api_key, version) = (header.request_api_key, header.request_api_version);
    if !api_key.supports(version) {
        return Err(DecodeError::UnsupportedVersion {
            api_key,
            version,
            correlation_id: header.correlation_id,
        });
    }
    let body = RequestBody::decode(api_key, version, &mut decoder)?;
    Ok((header, body))
}

fn check_version(api_key: ApiKey, version: i16) -> Result<(), EncodeError> {
    if api_key.supports(version) {
        Ok(())
    } else {
        Err(EncodeError::UnsupportedVersion { api_key, version })
    }
}

/// Writes a response frame (response header of the right version + body, without the size
/// prefix). Fetch records given as [`crate::RecordsData::External`] become external chunks.
pub fn encode_response(
    correlation_id: i32,
    api_key: ApiKey,
    version: i16,
    body: &ResponseBody,
) -> Result<EncodedFrame, EncodeError> {
    if body.api_key() != api_key {
        return Err(EncodeError::BodyMismatch(api_key));
    }
    check_version(api_key, version)?;
    let mut encoder = Encoder::with_capacity(256);
    let header = ResponseHeader {
        correlation_id,
        unknown_tagged_fields: Vec::new(),
    };
    header.encode(&mut encoder, response_header_version(api_key, version))?;
    body.encode(&mut encoder, version)?;
    Ok(encoder.finish_frame())
}

/// Writes a request frame (header + body, without the size prefix), for clients.
pub fn encode_request(header: &RequestHeader, body: &RequestBody) -> Result<Bytes, EncodeError> {
    let api_key = header.request_api_key;
    if body.api_key() != api_key {
        return Err(EncodeError::BodyMismatch(api_key));
    }
    check_version(api_key, header.request_api_version)?;
    let mut encoder = Encoder::with_capacity(256);
    header.encode(&mut encoder)?;
    body.encode(&mut encoder, header.request_api_version)?;
    encoder.finish_bytes()
}

/// Reads a response frame (without the size prefix) to a request of `api_key` at `version`,
/// for clients. An ApiVersions body that does not parse at `version` is re-read as v0 (the
/// KIP-511 fallback answer); check its `error_code` for 35 UNSUPPORTED_VERSION.
pub fn decode_response(
    api_key: ApiKey,
    version: i16,
    frame: Bytes,
) -> Result<(ResponseHeader, ResponseBody), DecodeError> {
    let mut decoder = Decoder::new(frame);
    let header = ResponseHeader::decode(&mut decoder, response_header_version(api_key, version))?;
    let body_start = decoder.clone();
    match ResponseBody::decode(api_key, version, &mut decoder) {
        Ok(body) => Ok((header, body)),
        // KIP-511: a broker that does not know our ApiVersions version answers in v0; like the
        // Java client, re-read the body as v0 when it does not parse at the version we sent.
        Err(error) if api_key == ApiKey::ApiVersions && version > 0 => {
            let mut decoder = body_start;
            match ResponseBody::decode(api_key, 0, &mut decoder) {
                Ok(body) => Ok((header, body)),
                Err(_) => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}
