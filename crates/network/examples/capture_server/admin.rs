//! Admin answers: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
//! AlterConfigs and DeleteRecords, all successful.

use gregor_protocol::*;

use crate::cluster::{Cluster, DEFAULT_PARTITIONS};

/// CreateTopics: every topic is created empty (-1 partitions means the default count).
pub(crate) fn create_topics(
    cluster: &Cluster,
    request: CreateTopicsRequest,
) -> CreateTopicsResponse {
    let mut state = cluster.state();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = match usize::try_from(topic.num_partitions) {
                Ok(count) if count > 0 => count,
                _ => topic.assignments.len().max(DEFAULT_PARTITIONS),
            };
            if !request.validate_only {
                state.topics.insert(topic.name.clone(), vec![0; partitions]);
            }
            CreatableTopicResult {
                name: topic.name,
                num_partitions: partitions as i32,
                replication_factor: 1,
                configs: Some(Vec::new()),
                ..Default::default()
            }
        })
        .collect();
    CreateTopicsResponse {
        topics,
        ..Default::default()
    }
}

/// DeleteTopics: every topic is deleted.
pub(crate) fn delete_topics(
    cluster: &Cluster,
    request: DeleteTopicsRequest,
) -> DeleteTopicsResponse {
    let mut state = cluster.state();
    let responses = request
        .topic_names
        .into_iter()
        .map(|name| {
            state.topics.remove(&name);
            DeletableTopicResult {
                name,
                ..Default::default()
            }
        })
        .collect();
    DeleteTopicsResponse {
        responses,
        ..Default::default()
    }
}

/// CreatePartitions: topics grow to the asked count (new partitions are empty).
pub(crate) fn create_partitions(
    cluster: &Cluster,
    request: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let mut state = cluster.state();
    let results = request
        .topics
        .into_iter()
        .map(|topic| {
            let count = usize::try_from(topic.count).unwrap_or(0);
            if !request.validate_only {
                let partitions = state.topic(&topic.name);
                if partitions.len() < count {
                    partitions.resize(count, 0);
                }
            }
            CreatePartitionsTopicResult {
                name: topic.name,
                ..Default::default()
            }
        })
        .collect();
    CreatePartitionsResponse {
        results,
        ..Default::default()
    }
}

/// Config entries served for any topic (type 2) or broker (type 4): a few of Kafka's defaults.
const CONFIG_DEFAULTS: &[(&str, &str)] = &[
    ("cleanup.policy", "delete"),
    ("compression.type", "producer"),
    ("min.insync.replicas", "1"),
    ("retention.ms", "604800000"),
    ("segment.bytes", "1073741824"),
];

/// Kafka's `ConfigSource.DEFAULT_CONFIG`.
const DEFAULT_CONFIG_SOURCE: i8 = 5;

/// DescribeConfigs: [`CONFIG_DEFAULTS`] (filtered by the names asked for) as defaults.
pub(crate) fn describe_configs(request: DescribeConfigsRequest) -> DescribeConfigsResponse {
    let resources = request
        .resources
        .into_iter()
        .map(|resource| {
            let wanted = |name: &str| {
                resource
                    .config_names
                    .as_ref()
                    .map_or(true, |names| names.iter().any(|n| n == name))
            };
            let config_entries = CONFIG_DEFAULTS
                .iter()
                .filter(|(name, _)| wanted(name))
                .map(|(name, value)| DescribeConfigsResourceResult {
                    config_name: name.to_string(),
                    config_value: Some(value.to_string()),
                    is_default: true,
                    config_source: DEFAULT_CONFIG_SOURCE,
                    config_synonyms: if request.include_synonyms {
                        vec![DescribeConfigsSynonym {
                            config_name: name.to_string(),
                            config_value: Some(value.to_string()),
                            config_source: DEFAULT_CONFIG_SOURCE,
                            ..Default::default()
                        }]
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                })
                .collect();
            DescribeConfigsResult {
                resource_type: resource.resource_type,
                resource_name: resource.resource_name,
                config_entries,
                ..Default::default()
            }
        })
        .collect();
    DescribeConfigsResponse {
        resources,
        ..Default::default()
    }
}

/// AlterConfigs: every resource succeeds (nothing is stored).
pub(crate) fn alter_configs(request: AlterConfigsRequest) -> AlterConfigsResponse {
    let resources = request
        .resources
        .into_iter()
        .map(|resource| AlterConfigsResourceResponse {
            resource_type: resource.resource_type,
            resource_name: resource.resource_name,
            ..Default::default()
        })
        .collect();
    AlterConfigsResponse {
        resources,
        ..Default::default()
    }
}

/// DeleteRecords: the new low watermark is the offset asked for.
pub(crate) fn delete_records(request: DeleteRecordsRequest) -> DeleteRecordsResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|topic| DeleteRecordsTopicResult {
            topic: topic.topic,
            partitions: topic
                .partitions
                .into_iter()
                .map(|partition| DeleteRecordsPartitionResult {
                    partition: partition.partition,
                    low_watermark: partition.offset,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    DeleteRecordsResponse {
        topics,
        ..Default::default()
    }
}
