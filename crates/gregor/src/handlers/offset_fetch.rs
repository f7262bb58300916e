//! OffsetFetch (key 9), versions 0–6 (Kafka's `handleOffsetFetchRequest`): v0 reads the
//! ZooKeeper offsets of OffsetCommit v0, v1+ the group coordinator's. A partition without a
//! commit answers offset -1 and metadata "". Group-level errors (NOT_COORDINATOR,
//! COORDINATOR_LOAD_IN_PROGRESS) are per partition in v0–1 and top-level from v2, where a null
//! topic list asks for every committed offset.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponsePartition,
    OffsetFetchResponseTopic, RequestHeader, ResponseBody,
};

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=6;

/// One answered partition: offset, leader epoch, metadata, error.
type Answer = (i64, i32, String, ErrorCode);

/// Every answered partition.
type Answers = Vec<((String, i32), Answer)>;

/// Fetches the committed offsets.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: OffsetFetchRequest,
) -> Outcome {
    let version = header.request_api_version;
    let wanted: Option<Vec<(String, i32)>> = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .flat_map(|t| {
                t.partition_indexes
                    .iter()
                    .map(move |p| (t.name.clone(), *p))
            })
            .collect()
    });
    let answers: Result<Answers, ErrorCode> = if version == 0 {
        Ok(fetch_from_zookeeper(broker, &request.group_id, wanted.unwrap_or_default()).await)
    } else {
        broker
            .group_coordinator
            .fetch_offsets(&request.group_id, wanted.as_deref())
            .map(|found| {
                found
                    .into_iter()
                    .map(|(tp, value)| {
                        let answer = match value {
                            Some(v) => (v.offset, v.leader_epoch, v.metadata, ErrorCode::None),
                            None => (-1, -1, String::new(), ErrorCode::None),
                        };
                        (tp, answer)
                    })
                    .collect()
            })
    };
    let response = match answers {
        Ok(answers) => OffsetFetchResponse {
            topics: group_by_topic(answers),
            ..OffsetFetchResponse::default()
        },
        Err(error) if version >= 2 => OffsetFetchResponse {
            error_code: error,
            ..OffsetFetchResponse::default()
        },
        Err(error) => {
            let answers = request
                .topics
                .iter()
                .flatten()
                .flat_map(|t| {
                    t.partition_indexes
                        .iter()
                        .map(move |p| ((t.name.clone(), *p), (-1, -1, String::new(), error)))
                })
                .collect();
            OffsetFetchResponse {
                topics: group_by_topic(answers),
                ..OffsetFetchResponse::default()
            }
        }
    };
    respond(ResponseBody::OffsetFetch(response))
}

fn group_by_topic(answers: Answers) -> Vec<OffsetFetchResponseTopic> {
    let mut topics: BTreeMap<String, Vec<OffsetFetchResponsePartition>> = BTreeMap::new();
    for ((topic, partition_index), (offset, epoch, metadata, error_code)) in answers {
        topics
            .entry(topic)
            .or_default()
            .push(OffsetFetchResponsePartition {
                partition_index,
                committed_offset: offset,
                committed_leader_epoch: epoch,
                metadata: Some(metadata),
                error_code,
                ..OffsetFetchResponsePartition::default()
            });
    }
    topics
        .into_iter()
        .map(|(name, partitions)| OffsetFetchResponseTopic {
            name,
            partitions,
            ..OffsetFetchResponseTopic::default()
        })
        .collect()
}

/// OffsetFetch v0: the ZooKeeper offsets; unknown partitions get UNKNOWN_TOPIC_OR_PARTITION.
async fn fetch_from_zookeeper(
    broker: &BrokerContext,
    group: &str,
    wanted: Vec<(String, i32)>,
) -> Vec<((String, i32), Answer)> {
    let zk = broker.zk();
    let mut answers = Vec::with_capacity(wanted.len());
    for (topic, partition) in wanted {
        let answer = if !broker.metadata_cache.contains_partition(&topic, partition) {
            (-1, -1, String::new(), ErrorCode::UnknownTopicOrPartition)
        } else {
            match &zk {
                None => (-1, -1, String::new(), ErrorCode::CoordinatorNotAvailable),
                Some(zk) => match zk.get_consumer_offset(group, &topic, partition).await {
                    Ok(Some(offset)) => (offset, -1, String::new(), ErrorCode::None),
                    Ok(None) => (-1, -1, String::new(), ErrorCode::None),
                    Err(_) => (-1, -1, String::new(), ErrorCode::UnknownServerError),
                },
            }
        };
        answers.push(((topic, partition), answer));
    }
    answers
}
