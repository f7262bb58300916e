//! OffsetDelete (key 47), version 0 (KIP-496, new in Kafka 2.4): removes committed offsets of
//! a group — any of an Empty group, only unsubscribed topics' of a consumer group with
//! members. Group-level errors leave the topic list empty, as Kafka does.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, OffsetDeleteRequest, OffsetDeleteResponse, OffsetDeleteResponsePartition,
    OffsetDeleteResponseTopic, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=0;

/// Deletes the offsets.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: OffsetDeleteRequest,
) -> Outcome {
    let partitions: Vec<(String, i32)> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (t.name.clone(), p.partition_index))
        })
        .collect();
    let response = match broker
        .group_coordinator
        .delete_offsets(&request.group_id, &partitions)
        .await
    {
        Err(error_code) => OffsetDeleteResponse {
            error_code,
            ..OffsetDeleteResponse::default()
        },
        Ok(errors) => OffsetDeleteResponse {
            error_code: ErrorCode::None,
            topics: request
                .topics
                .iter()
                .map(|t| OffsetDeleteResponseTopic {
                    name: t.name.clone(),
                    partitions: t
                        .partitions
                        .iter()
                        .map(|p| OffsetDeleteResponsePartition {
                            partition_index: p.partition_index,
                            error_code: errors
                                .iter()
                                .find(|((topic, i), _)| *topic == t.name && *i == p.partition_index)
                                .map_or(ErrorCode::None, |(_, e)| *e),
                            ..OffsetDeleteResponsePartition::default()
                        })
                        .collect(),
                    ..OffsetDeleteResponseTopic::default()
                })
                .collect(),
            ..OffsetDeleteResponse::default()
        },
    };
    respond(ResponseBody::OffsetDelete(response))
}
