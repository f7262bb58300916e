//! kafka-topics `--zookeeper` (Kafka 2.4's `ZookeeperTopicService`): every action reads and
//! writes znodes directly through [`AdminZkClient`]; nothing goes through a broker. Output
//! lines are Kafka's, byte for byte.

use std::collections::BTreeSet;
use std::io::Write;

use gregor_zk::admin::{has_collision_chars, AdminZkClient, RackAwareMode, SeededRng};
use gregor_zk::{AdminError, KafkaZkClient};

use super::arguments::{configs_to_add, configs_to_delete, filter_topics, replica_assignment};
use super::describe::DescribeFilters;
use super::options::ParsedOptions;
use super::CommandError;

/// Printed before creating a topic whose name has `.` or `_`.
pub const COLLISION_WARNING: &str = "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.";

/// Runs the one action of `options` against ZooKeeper.
pub async fn run(
    zk: &KafkaZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let admin = AdminZkClient::new(zk.clone());
    if options.has("create") {
        create(&admin, options, out).await
    } else if options.has("alter") {
        alter(&admin, options, out).await
    } else if options.has("list") {
        list(&admin, options, out).await
    } else if options.has("describe") {
        describe(&admin, options, out).await
    } else {
        delete(&admin, options, out).await
    }
}

/// The topics `--topic` selects, sorted (Kafka's `getTopics`).
async fn topics(
    admin: &AdminZkClient,
    options: &ParsedOptions,
) -> Result<Vec<String>, CommandError> {
    let all = admin.get_all_topics().await?;
    filter_topics(
        &all,
        options.value_of("topic"),
        options.has("exclude-internal"),
    )
}

/// Kafka's `ensureTopicExists`: a named topic that matched nothing is an error unless
/// `--if-exists`.
fn ensure_topic_exists(found: &[String], options: &ParsedOptions) -> Result<(), CommandError> {
    match options.value_of("topic") {
        Some(topic) if found.is_empty() && !options.has("if-exists") => Err(
            CommandError::illegal_argument(format!("Topic '{topic}' does not exist as expected")),
        ),
        _ => Ok(()),
    }
}

/// The explicit assignment of `--replica-assignment`, unless absent or empty.
fn explicit_assignment(
    options: &ParsedOptions,
) -> Result<Option<gregor_zk::ReplicaAssignment>, CommandError> {
    match options.value_of("replica-assignment") {
        Some(text) if !text.is_empty() => Ok(Some(replica_assignment(text)?)),
        _ => Ok(None),
    }
}

fn integer(options: &ParsedOptions, name: &str) -> Result<Option<i32>, CommandError> {
    options.integer_of(name).map_err(|message| CommandError {
        class: "joptsimple.OptionArgumentConversionException",
        message,
    })
}

async fn create(
    admin: &AdminZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    // Kafka's `CommandTopicPartition` reads everything first, in this order.
    let topic = options.value_of("topic").unwrap_or_default();
    let partitions = integer(options, "partitions")?;
    let replication_factor = integer(options, "replication-factor")?;
    let assignment = explicit_assignment(options)?;
    let configs = configs_to_add(options.values_of("config"))?;
    configs_to_delete(options.values_of("delete-config"))?;
    if has_collision_chars(topic) {
        writeln!(out, "{COLLISION_WARNING}")?;
    }
    let result = match (&assignment, partitions, replication_factor) {
        (Some(assignment), _, _) => {
            admin
                .create_topic_with_assignment(topic, &configs, assignment)
                .await
        }
        (None, Some(partitions), Some(replication_factor)) => {
            let mode = if options.has("disable-rack-aware") {
                RackAwareMode::Disabled
            } else {
                RackAwareMode::Enforced
            };
            let mut rng = SeededRng::from_entropy();
            admin
                .create_topic(
                    topic,
                    partitions,
                    replication_factor,
                    &configs,
                    mode,
                    &mut rng,
                )
                .await
                .map(|_| ())
        }
        // checkArgs requires both in zookeeper mode.
        _ => Err(AdminError::InvalidPartitions(
            "Number of partitions must be larger than 0.".to_string(),
        )),
    };
    match result {
        Ok(()) => Ok(writeln!(out, "Created topic {topic}.")?),
        Err(AdminError::TopicExists(_)) if options.has("if-not-exists") => Ok(()),
        Err(error) => Err(error.into()),
    }
}

async fn list(
    admin: &AdminZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let marked: BTreeSet<String> = admin
        .get_topics_marked_for_deletion()
        .await?
        .into_iter()
        .collect();
    for topic in topics(admin, options).await? {
        if marked.contains(&topic) {
            writeln!(out, "{topic} - marked for deletion")?;
        } else {
            writeln!(out, "{topic}")?;
        }
    }
    Ok(())
}

async fn delete(
    admin: &AdminZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let topics = topics(admin, options).await?;
    ensure_topic_exists(&topics, options)?;
    for topic in topics {
        match admin.delete_topic(&topic).await {
            Ok(()) => {
                writeln!(out, "Topic {topic} is marked for deletion.")?;
                writeln!(
                    out,
                    "Note: This will have no impact if delete.topic.enable is not set to true."
                )?;
            }
            Err(AdminError::TopicAlreadyMarkedForDeletion(_)) => {
                writeln!(out, "Topic {topic} is already marked for deletion.")?;
            }
            Err(error @ AdminError::AdminOperation(_)) => return Err(error.into()),
            Err(_) => {
                return Err(AdminError::AdminOperation(format!(
                    "Error while deleting topic {topic}"
                ))
                .into())
            }
        }
    }
    Ok(())
}

async fn alter(
    admin: &AdminZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let topics = topics(admin, options).await?;
    let partitions = integer(options, "partitions")?;
    let assignment = explicit_assignment(options)?;
    let to_add = configs_to_add(options.values_of("config"))?;
    let to_delete = configs_to_delete(options.values_of("delete-config"))?;
    ensure_topic_exists(&topics, options)?;
    for topic in topics {
        if options.has("config") || options.has("delete-config") {
            writeln!(out, "WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.")?;
            writeln!(
                out,
                "         Going forward, please use kafka-configs.sh for this functionality"
            )?;
            let mut configs = admin.fetch_topic_config(&topic).await?;
            configs.extend(to_add.clone());
            for name in &to_delete {
                configs.remove(name);
            }
            admin.change_topic_config(&topic, &configs).await?;
            writeln!(out, "Updated config for topic {topic}.")?;
        }
        if let Some(partitions) = partitions {
            if topic == "__consumer_offsets" {
                return Err(CommandError::illegal_argument(
                    "The number of partitions for the offsets topic cannot be changed.",
                ));
            }
            writeln!(out, "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected")?;
            let existing = match admin.get_topic_assignment(&topic).await? {
                Some(existing) if !existing.partitions.is_empty() => existing.partitions,
                _ => {
                    return Err(AdminError::InvalidTopic(format!(
                        "The topic {topic} does not exist"
                    ))
                    .into())
                }
            };
            // Only the entries past the existing partitions describe new ones.
            let added = assignment.as_ref().map(|all| {
                all.range(existing.len() as i32..)
                    .map(|(p, r)| (*p, r.clone()))
                    .collect::<gregor_zk::ReplicaAssignment>()
            });
            let added = added.filter(|added| !added.is_empty());
            let brokers = admin.get_broker_metadatas(RackAwareMode::Enforced).await?;
            let mut rng = SeededRng::from_entropy();
            admin
                .add_partitions(
                    &topic,
                    &existing,
                    &brokers,
                    partitions,
                    added.as_ref(),
                    false,
                    &mut rng,
                )
                .await?;
            writeln!(out, "Adding partitions succeeded!")?;
        }
    }
    Ok(())
}

async fn describe(
    admin: &AdminZkClient,
    options: &ParsedOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let topics = topics(admin, options).await?;
    ensure_topic_exists(&topics, options)?;
    let live_brokers: BTreeSet<i32> = admin
        .zk()
        .get_sorted_broker_list()
        .await
        .map_err(AdminError::from)?
        .into_iter()
        .collect();
    let filters = DescribeFilters::new(options);
    for topic in topics {
        match admin.describe_topic(&topic).await? {
            Some(description) => {
                out.write_all(filters.render(&description, &live_brokers, None).as_bytes())?
            }
            None => writeln!(out, "Topic {topic} doesn't exist!")?,
        }
    }
    Ok(())
}
