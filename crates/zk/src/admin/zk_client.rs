//! `AdminZkClient`: Kafka's admin operations on ZooKeeper (Kafka's `AdminZkClient` plus the
//! `KafkaZkClient` reads kafka-topics needs). Creation writes `/config/topics/<t>` *then*
//! `/brokers/topics/<t>` (the commit point); adding partitions rewrites the topic znode;
//! deletion only creates `/admin/delete_topics/<t>`; config changes write the entity config and
//! a `/config/changes/config_change_` notification. The controller does the rest. The reads
//! are in `admin::describe`.

use std::collections::{BTreeMap, BTreeSet};

use log::info;
use zookeeper_client as zk;

use super::assignment::{assign_replicas_to_brokers, BrokerMetadata, IndexRng, RackAwareMode};
use super::topic_config::validate_topic_config;
use super::validation::{
    has_collision, has_collision_chars, is_internal, validate_new_topic_assignment,
    validate_replica_assignment, validate_topic_name,
};
use super::AdminError;
use crate::client::{retry_until_connected, KafkaZkClient, PERSISTENT};
use crate::error::ZkError;
use crate::paths::{config_entity_path, delete_topic_path, topic_path, CONFIG_CHANGE_PREFIX};
use crate::znode::config::{ConfigChangeNotification, EntityConfig};
use crate::znode::topic::{ReplicaAssignment, TopicAssignment};

/// Persistent-sequential, open ACL: how Kafka creates config-change notifications.
const PERSISTENT_SEQUENTIAL: zk::CreateOptions<'static> =
    zk::CreateMode::PersistentSequential.with_acls(zk::Acls::anyone_all());

/// Kafka's admin operations over one ZooKeeper session.
#[derive(Debug, Clone)]
pub struct AdminZkClient {
    /// The session all reads and writes go through.
    zk: KafkaZkClient,
}

impl AdminZkClient {
    /// Admin operations on `zk`'s session.
    pub fn new(zk: KafkaZkClient) -> AdminZkClient {
        AdminZkClient { zk }
    }

    /// The underlying Kafka ZooKeeper client.
    pub fn zk(&self) -> &KafkaZkClient {
        &self.zk
    }

    /// Registered brokers sorted by id, with racks as `mode` allows (Kafka's
    /// `getBrokerMetadatas`). `Enforced` with some but not all racks is an error.
    pub async fn get_broker_metadatas(
        &self,
        mode: RackAwareMode,
    ) -> Result<Vec<BrokerMetadata>, AdminError> {
        let mut brokers = Vec::new();
        for id in self.zk.get_sorted_broker_list().await? {
            // A broker that went away between listing and reading is simply not there.
            if let Some((info, _)) = self.zk.get_broker(id).await? {
                brokers.push(BrokerMetadata {
                    id,
                    rack: info.rack,
                });
            }
        }
        let with_rack = brokers.iter().filter(|b| b.rack.is_some()).count();
        let partial = with_rack > 0 && with_rack < brokers.len();
        if mode == RackAwareMode::Enforced && partial {
            return Err(AdminError::AdminOperation("Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.".to_string()));
        }
        if mode == RackAwareMode::Disabled || (mode == RackAwareMode::Safe && partial) {
            brokers.iter_mut().for_each(|broker| broker.rack = None);
        }
        Ok(brokers)
    }

    /// Kafka's `createTopic`: assigns `partitions` × `replication_factor` over the registered
    /// brokers and creates the topic. Returns the assignment written.
    pub async fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication_factor: i32,
        configs: &BTreeMap<String, String>,
        mode: RackAwareMode,
        rng: &mut dyn IndexRng,
    ) -> Result<ReplicaAssignment, AdminError> {
        let brokers = self.get_broker_metadatas(mode).await?;
        let assignment =
            assign_replicas_to_brokers(&brokers, partitions, replication_factor, None, None, rng)?;
        self.create_topic_with_assignment(topic, configs, &assignment)
            .await?;
        Ok(assignment)
    }

    /// Kafka's `validateTopicCreate`: legal name, not existing, no `.`/`_` collision, a
    /// consistent assignment, valid configs.
    pub async fn validate_topic_create(
        &self,
        topic: &str,
        assignment: &ReplicaAssignment,
        configs: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        validate_topic_name(topic)?;
        let exists = || AdminError::TopicExists(format!("Topic '{topic}' already exists."));
        if self.topic_exists(topic).await? {
            return Err(exists());
        }
        if has_collision_chars(topic) {
            let all = self.get_all_topics().await?;
            // Re-checked: the topic may have been created since, and must not collide with itself.
            if all.iter().any(|t| t == topic) {
                return Err(exists());
            }
            let colliding: Vec<&str> = all
                .iter()
                .filter(|other| has_collision(topic, other))
                .map(String::as_str)
                .collect();
            if !colliding.is_empty() {
                return Err(AdminError::InvalidTopic(format!(
                    "Topic '{topic}' collides with existing topics: {}",
                    colliding.join(", ")
                )));
            }
        }
        validate_new_topic_assignment(assignment)?;
        validate_topic_config(configs)
    }

    /// Kafka's `createTopicWithAssignment`: validates, writes `/config/topics/<t>` (always,
    /// even empty, no change notification), then creates `/brokers/topics/<t>` with the
    /// version-2 JSON. An existing topic znode is [`AdminError::TopicExists`].
    pub async fn create_topic_with_assignment(
        &self,
        topic: &str,
        configs: &BTreeMap<String, String>,
        assignment: &ReplicaAssignment,
    ) -> Result<(), AdminError> {
        self.validate_topic_create(topic, assignment, configs)
            .await?;
        info!("Creating topic {topic} with configuration {configs:?} and initial partition assignment {assignment:?}");
        self.set_or_create_entity_config("topics", topic, configs)
            .await?;
        let data = TopicAssignment::new(assignment.clone()).encode();
        match self.create_persistent(&topic_path(topic), &data).await {
            Err(zk::Error::NodeExists) => Err(AdminError::TopicExists(format!(
                "Topic '{topic}' already exists."
            ))),
            Err(error) => Err(ZkError::request("create", topic_path(topic), error).into()),
            Ok(()) => Ok(()),
        }
    }

    /// Kafka's `createNewPartitionsAssignment`: the assignment of the partitions that grow
    /// `topic` from `existing` to `partitions`, explicit (validated against `brokers`) or
    /// computed with partition 0's replication factor from the first broker whose id is at
    /// least partition 0's leader.
    pub fn create_new_partitions_assignment(
        &self,
        topic: &str,
        existing: &ReplicaAssignment,
        brokers: &[BrokerMetadata],
        partitions: i32,
        explicit: Option<&ReplicaAssignment>,
        rng: &mut dyn IndexRng,
    ) -> Result<ReplicaAssignment, AdminError> {
        let partition_0 = existing.get(&0).ok_or_else(|| {
            AdminError::AdminOperation(format!("Unexpected existing replica assignment for topic '{topic}', partition id 0 is missing. Assignment: {existing:?}"))
        })?;
        let existing_count = existing.len() as i32;
        if partitions - existing_count <= 0 {
            return Err(AdminError::InvalidPartitions(format!("The number of partitions for a topic can only be increased. Topic {topic} currently has {existing_count} partitions, {partitions} would not be an increase.")));
        }
        if let Some(explicit) = explicit {
            let ids: BTreeSet<i32> = brokers.iter().map(|broker| broker.id).collect();
            validate_replica_assignment(explicit, partition_0.len(), &ids)?;
            return Ok(explicit.clone());
        }
        let leader = partition_0.first().copied().unwrap_or(0);
        let start_index = brokers
            .iter()
            .position(|broker| broker.id >= leader)
            .unwrap_or(0);
        assign_replicas_to_brokers(
            brokers,
            partitions - existing_count,
            partition_0.len() as i32,
            Some(start_index),
            Some(existing_count),
            rng,
        )
    }

    /// Kafka's `addPartitions`: computes (or validates) the new partitions' assignment and,
    /// unless `validate_only`, rewrites `/brokers/topics/<t>` with old + new partitions.
    /// Returns the combined assignment.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_partitions(
        &self,
        topic: &str,
        existing: &ReplicaAssignment,
        brokers: &[BrokerMetadata],
        partitions: i32,
        explicit: Option<&ReplicaAssignment>,
        validate_only: bool,
        rng: &mut dyn IndexRng,
    ) -> Result<ReplicaAssignment, AdminError> {
        let added = self.create_new_partitions_assignment(
            topic, existing, brokers, partitions, explicit, rng,
        )?;
        let mut combined = existing.clone();
        combined.extend(added.clone());
        if validate_only {
            return Ok(combined);
        }
        info!("Creating {} partitions for '{topic}' with the following replica assignment: {added:?}.", added.len());
        let path = topic_path(topic);
        let data = TopicAssignment::new(combined.clone()).encode();
        retry_until_connected(self.zk.raw(), || self.zk.raw().set_data(&path, &data, None))
            .await
            .map_err(|error| ZkError::request("set_data", path.as_str(), error))?;
        Ok(combined)
    }

    /// Kafka's `deleteTopic` as kafka-topics uses it: internal topics are refused, a missing
    /// topic is [`AdminError::UnknownTopicOrPartition`], an existing request is
    /// [`AdminError::TopicAlreadyMarkedForDeletion`]; otherwise creates `/admin/delete_topics/<t>`.
    pub async fn delete_topic(&self, topic: &str) -> Result<(), AdminError> {
        if is_internal(topic) {
            return Err(AdminError::AdminOperation(format!(
                "Topic {topic} is a kafka internal topic and is not allowed to be marked for deletion."
            )));
        }
        if !self.topic_exists(topic).await? {
            return Err(AdminError::UnknownTopicOrPartition(format!(
                "Topic `{topic}` to delete does not exist"
            )));
        }
        self.create_delete_topic_path(topic).await
    }

    /// Creates `/admin/delete_topics/<t>` with no checks besides NODEEXISTS (what the
    /// DeleteTopics handler needs).
    pub async fn create_delete_topic_path(&self, topic: &str) -> Result<(), AdminError> {
        match self.create_persistent(&delete_topic_path(topic), &[]).await {
            Ok(()) => Ok(()),
            Err(zk::Error::NodeExists) => Err(AdminError::TopicAlreadyMarkedForDeletion(format!(
                "topic {topic} is already marked for deletion"
            ))),
            Err(error) => Err(ZkError::request("create", delete_topic_path(topic), error).into()),
        }
    }

    /// Kafka's `changeTopicConfig`: `configs` is the complete new override set. Checks the
    /// topic exists and the configs are valid, writes `/config/topics/<t>`, then the
    /// `/config/changes/config_change_<seq>` notification brokers react to.
    pub async fn change_topic_config(
        &self,
        topic: &str,
        configs: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        validate_topic_name(topic)?;
        if !self.topic_exists(topic).await? {
            return Err(AdminError::UnknownTopicOrPartition(format!(
                "Topic '{topic}' does not exist."
            )));
        }
        validate_topic_config(configs)?;
        self.change_entity_config("topics", topic, configs).await
    }

    /// Kafka's `changeEntityConfig` without validation (callers validate per entity type):
    /// writes `/config/<entity_type>/<entity_name>` with the complete override set, then the
    /// `/config/changes/config_change_<seq>` notification `{"version":2,"entity_path":...}`.
    /// For broker configs `entity_name` is the id or `<default>`.
    pub async fn change_entity_config(
        &self,
        entity_type: &str,
        entity_name: &str,
        configs: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        self.set_or_create_entity_config(entity_type, entity_name, configs)
            .await?;
        let notification = ConfigChangeNotification {
            entity_path: format!("{entity_type}/{entity_name}"),
        }
        .encode();
        let create = || {
            self.zk
                .raw()
                .create(CONFIG_CHANGE_PREFIX, &notification, &PERSISTENT_SEQUENTIAL)
        };
        let created = match retry_until_connected(self.zk.raw(), create).await {
            Err(zk::Error::NoNode) => {
                self.zk
                    .make_sure_persistent_path_exists(crate::paths::CONFIG_CHANGES_PATH)
                    .await?;
                retry_until_connected(self.zk.raw(), create).await
            }
            other => other,
        };
        created.map_err(|error| ZkError::request("create", CONFIG_CHANGE_PREFIX, error))?;
        Ok(())
    }

    /// Kafka's `setOrCreateEntityConfigs`: set the data, or create the znode (and its parents)
    /// when it does not exist yet.
    async fn set_or_create_entity_config(
        &self,
        entity_type: &str,
        entity_name: &str,
        configs: &BTreeMap<String, String>,
    ) -> Result<(), AdminError> {
        let path = config_entity_path(entity_type, entity_name);
        let data = EntityConfig {
            config: configs.clone(),
        }
        .encode();
        let set = || self.zk.raw().set_data(&path, &data, None);
        for _ in 0..3 {
            match retry_until_connected(self.zk.raw(), set).await {
                Ok(_) => return Ok(()),
                Err(zk::Error::NoNode) => match self.create_persistent(&path, &data).await {
                    Ok(()) => return Ok(()),
                    // Created by someone else in between: set it on the next round.
                    Err(zk::Error::NodeExists) => continue,
                    Err(error) => return Err(ZkError::request("create", path, error).into()),
                },
                Err(error) => return Err(ZkError::request("set_data", path, error).into()),
            }
        }
        Err(ZkError::request("set_data", path, zk::Error::NodeExists).into())
    }

    /// Creates a persistent znode, creating missing parents first (Kafka's `createRecursive`).
    async fn create_persistent(&self, path: &str, data: &[u8]) -> Result<(), zk::Error> {
        let create = || self.zk.raw().create(path, data, &PERSISTENT);
        match retry_until_connected(self.zk.raw(), create).await {
            Err(zk::Error::NoNode) => {
                if let Some((parent, _)) = path.rsplit_once('/') {
                    retry_until_connected(self.zk.raw(), || {
                        self.zk.raw().mkdir(parent, &PERSISTENT)
                    })
                    .await?;
                }
                retry_until_connected(self.zk.raw(), create)
                    .await
                    .map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }
}
