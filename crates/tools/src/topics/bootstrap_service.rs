//! kafka-topics `--bootstrap-server` (Kafka 2.4's `AdminClientTopicService`): every action goes
//! through a broker with CreateTopics, DeleteTopics, CreatePartitions, Metadata and
//! DescribeConfigs. As in 2.4, create, alter and delete print nothing on success.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use gregor_client::{KafkaClient, RESOURCE_TYPE_TOPIC};
use gregor_protocol::{
    CreatableReplicaAssignment, CreatableTopic, CreatePartitionsAssignment, CreatePartitionsTopic,
    CreateableTopicConfig, DescribeConfigsResource, MetadataResponse,
};
use gregor_zk::admin::{has_collision_chars, PartitionDescription, TopicDescription};

use super::arguments::{configs_to_add, configs_to_delete, filter_topics, replica_assignment};
use super::describe::DescribeFilters;
use super::kafka_errors::{client_failure, topic_failure};
use super::options::ParsedOptions;
use super::zk_service::COLLISION_WARNING;
use super::CommandError;

/// The admin client's `default.api.timeout.ms`-style bound sent as each request's timeout.
const REQUEST_TIMEOUT_MS: i32 = 30_000;

/// `DescribeConfigs` source of a built-in default (`DEFAULT_CONFIG`).
const SOURCE_DEFAULT_CONFIG: i8 = 5;

/// Runs the one action of `options` through the cluster `client` reaches.
pub async fn run(
    client: &KafkaClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    if options.has("create") {
        create(client, options, out).await
    } else if options.has("alter") {
        alter(client, options).await
    } else if options.has("list") {
        let (topics, _) = topics(client, options).await?;
        Ok(writeln!(out, "{}", topics.join("\n"))?)
    } else if options.has("describe") {
        describe(client, options, out).await
    } else {
        delete(client, options).await
    }
}

/// The selected topics, sorted, and the Metadata answer they came from (Kafka's `listTopics`,
/// internal topics included unless `--exclude-internal`).
async fn topics(
    client: &KafkaClient,
    options: &ParsedOptions,
) -> Result<(Vec<String>, MetadataResponse), CommandError> {
    let metadata = client.metadata(None, false).await.map_err(client_failure)?;
    let exclude_internal = options.has("exclude-internal");
    let names: Vec<String> = metadata
        .topics
        .iter()
        .filter(|topic| topic.error_code.is_ok() && !(exclude_internal && topic.is_internal))
        .map(|topic| topic.name.clone())
        .collect();
    let selected = filter_topics(&names, options.value_of("topic"), exclude_internal)?;
    Ok((selected, metadata))
}

fn ensure_topic_exists(found: &[String], options: &ParsedOptions) -> Result<(), CommandError> {
    match options.value_of("topic") {
        Some(topic) if found.is_empty() && !options.has("if-exists") => Err(
            CommandError::illegal_argument(format!("Topic '{topic}' does not exist as expected")),
        ),
        _ => Ok(()),
    }
}

fn integer(options: &ParsedOptions, name: &str) -> Result<Option<i32>, CommandError> {
    options.integer_of(name).map_err(|message| CommandError {
        class: "joptsimple.OptionArgumentConversionException",
        message,
    })
}

fn explicit(options: &ParsedOptions) -> Result<Option<gregor_zk::ReplicaAssignment>, CommandError> {
    match options.value_of("replica-assignment") {
        Some(text) if !text.is_empty() => Ok(Some(replica_assignment(text)?)),
        _ => Ok(None),
    }
}

async fn create(
    client: &KafkaClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let name = options.value_of("topic").unwrap_or_default().to_string();
    let partitions = integer(options, "partitions")?;
    let replication_factor = integer(options, "replication-factor")?;
    let assignment = explicit(options)?;
    let configs = configs_to_add(options.values_of("config"))?;
    configs_to_delete(options.values_of("delete-config"))?;
    if has_collision_chars(&name) {
        writeln!(out, "{COLLISION_WARNING}")?;
    }
    if replication_factor.is_some_and(|rf| !(1..=i32::from(i16::MAX)).contains(&rf)) {
        return Err(CommandError::illegal_argument(
            "The replication factor must be between 1 and 32767 inclusive",
        ));
    }
    if partitions.is_some_and(|count| count < 1) {
        return Err(CommandError::illegal_argument(
            "The partitions must be greater than 0",
        ));
    }
    let metadata = client.metadata(None, false).await.map_err(client_failure)?;
    if metadata
        .topics
        .iter()
        .any(|t| t.name == name && t.error_code.is_ok())
    {
        return Err(CommandError::illegal_argument(format!(
            "Topic {name} already exists"
        )));
    }
    let topic = CreatableTopic {
        name,
        // With an explicit assignment both are -1; without a value the broker's defaults apply.
        num_partitions: if assignment.is_some() {
            -1
        } else {
            partitions.unwrap_or(-1)
        },
        replication_factor: match (&assignment, replication_factor) {
            (None, Some(rf)) => rf as i16,
            _ => -1,
        },
        assignments: assignment
            .unwrap_or_default()
            .into_iter()
            .map(|(partition_index, broker_ids)| CreatableReplicaAssignment {
                partition_index,
                broker_ids,
                ..Default::default()
            })
            .collect(),
        configs: configs
            .into_iter()
            .map(|(name, value)| CreateableTopicConfig {
                name,
                value: Some(value),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let results = client
        .create_topics(vec![topic], REQUEST_TIMEOUT_MS, false)
        .await
        .map_err(client_failure)?;
    match results.iter().find(|result| !result.error_code.is_ok()) {
        Some(failed) => Err(topic_failure(
            failed.error_code,
            failed.error_message.as_deref(),
        )),
        None => Ok(()),
    }
}

async fn delete(client: &KafkaClient, options: &ParsedOptions) -> Result<(), CommandError> {
    let (topics, _) = topics(client, options).await?;
    ensure_topic_exists(&topics, options)?;
    if topics.is_empty() {
        return Ok(());
    }
    let results = client
        .delete_topics(&topics, REQUEST_TIMEOUT_MS)
        .await
        .map_err(client_failure)?;
    match results.iter().find(|result| !result.error_code.is_ok()) {
        Some(failed) => Err(topic_failure(failed.error_code, None)),
        None => Ok(()),
    }
}

async fn alter(client: &KafkaClient, options: &ParsedOptions) -> Result<(), CommandError> {
    let partitions = integer(options, "partitions")?.unwrap_or(1);
    let assignment = explicit(options)?;
    configs_to_add(options.values_of("config"))?;
    let (topics, metadata) = topics(client, options).await?;
    ensure_topic_exists(&topics, options)?;
    if topics.is_empty() {
        return Ok(());
    }
    let requests: Vec<CreatePartitionsTopic> = topics
        .iter()
        .map(|name| {
            let current = metadata
                .topics
                .iter()
                .find(|t| &t.name == name)
                .map_or(0, |t| t.partitions.len() as i32);
            // Only the entries past the current partitions describe new ones.
            let assignments = assignment.as_ref().map(|all| {
                all.range(current..)
                    .map(|(_, brokers)| CreatePartitionsAssignment {
                        broker_ids: brokers.clone(),
                        ..Default::default()
                    })
                    .collect()
            });
            CreatePartitionsTopic {
                name: name.clone(),
                count: partitions,
                assignments,
                ..Default::default()
            }
        })
        .collect();
    let results = client
        .create_partitions(requests, REQUEST_TIMEOUT_MS, false)
        .await
        .map_err(client_failure)?;
    match results.iter().find(|result| !result.error_code.is_ok()) {
        Some(failed) => Err(topic_failure(
            failed.error_code,
            failed.error_message.as_deref(),
        )),
        None => Ok(()),
    }
}

async fn describe(
    client: &KafkaClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let (topics, metadata) = topics(client, options).await?;
    ensure_topic_exists(&topics, options)?;
    if topics.is_empty() {
        return Ok(());
    }
    let resources = topics
        .iter()
        .map(|name| DescribeConfigsResource {
            resource_type: RESOURCE_TYPE_TOPIC,
            resource_name: name.clone(),
            config_names: None,
            ..Default::default()
        })
        .collect();
    let mut configs_of: BTreeMap<String, (BTreeMap<String, String>, Option<usize>)> =
        BTreeMap::new();
    for result in client
        .describe_configs(resources, false)
        .await
        .map_err(client_failure)?
    {
        if !result.error_code.is_ok() {
            return Err(topic_failure(
                result.error_code,
                result.error_message.as_deref(),
            ));
        }
        let mut overrides = BTreeMap::new();
        let mut min_isr = None;
        for entry in result.config_entries {
            let value = entry.config_value.unwrap_or_else(|| "null".to_string());
            if entry.config_name == "min.insync.replicas" {
                min_isr = value.parse().ok();
            }
            // v0 says `is_default`; v1+ names the source instead.
            let is_default = if entry.config_source < 0 {
                entry.is_default
            } else {
                entry.config_source == SOURCE_DEFAULT_CONFIG
            };
            if !is_default {
                overrides.insert(entry.config_name, value);
            }
        }
        configs_of.insert(result.resource_name, (overrides, min_isr));
    }
    let live_brokers: BTreeSet<i32> = metadata.brokers.iter().map(|b| b.node_id).collect();
    let filters = DescribeFilters::new(options);
    for name in &topics {
        let Some(topic) = metadata.topics.iter().find(|t| &t.name == name) else {
            continue;
        };
        let mut partitions: Vec<PartitionDescription> = topic
            .partitions
            .iter()
            .map(|p| PartitionDescription {
                partition: p.partition_index,
                replicas: p.replica_nodes.clone(),
                // The admin client resolves the leader among live brokers; unknown = none.
                leader: Some(p.leader_id).filter(|id| live_brokers.contains(id)),
                isr: p.isr_nodes.clone(),
            })
            .collect();
        partitions.sort_by_key(|p| p.partition);
        let (configs, min_isr) = configs_of.remove(name).unwrap_or_default();
        let description = TopicDescription {
            topic: name.clone(),
            configs,
            marked_for_deletion: false,
            partitions,
        };
        out.write_all(
            filters
                .render(&description, &live_brokers, min_isr)
                .as_bytes(),
        )?;
    }
    Ok(())
}
