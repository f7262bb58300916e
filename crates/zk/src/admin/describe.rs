//! The reads of [`AdminZkClient`] that tools and handlers use to show topics: all topics,
//! pending deletions, a topic's assignment, partition states and config overrides, and the
//! combined [`TopicDescription`] kafka-topics `--describe` prints.

use std::collections::BTreeMap;

use super::zk_client::AdminZkClient;
use super::AdminError;
use crate::error::ZkError;
use crate::paths::{
    config_entity_path, delete_topic_path, topic_partition_state_path, topic_path,
    BROKER_TOPICS_PATH, DELETE_TOPICS_PATH,
};
use crate::znode::config::EntityConfig;
use crate::znode::partition_state::LeaderIsrAndControllerEpoch;
use crate::znode::topic::TopicAssignment;

/// A topic as kafka-topics `--describe` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    /// The topic name.
    pub topic: String,
    /// Config overrides from `/config/topics/<t>`.
    pub configs: BTreeMap<String, String>,
    /// True while `/admin/delete_topics/<t>` exists.
    pub marked_for_deletion: bool,
    /// Every partition, by id.
    pub partitions: Vec<PartitionDescription>,
}

/// One partition's replicas and, once the controller wrote its state, leader and ISR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionDescription {
    /// The partition id.
    pub partition: i32,
    /// Assigned replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// The leader; `None` without a state znode or when it says -1 (Kafka's `leaderOpt`).
    pub leader: Option<i32>,
    /// The ISR in the state znode's order; empty without a state znode.
    pub isr: Vec<i32>,
}

impl AdminZkClient {
    /// The overrides in `/config/topics/<t>`; empty when the znode is missing.
    pub async fn fetch_topic_config(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<String, String>, AdminError> {
        self.fetch_entity_config("topics", topic).await
    }

    /// The overrides in `/config/<entity_type>/<entity_name>` (Kafka's `fetchEntityConfig`);
    /// empty when the znode is missing.
    pub async fn fetch_entity_config(
        &self,
        entity_type: &str,
        entity_name: &str,
    ) -> Result<BTreeMap<String, String>, AdminError> {
        let path = config_entity_path(entity_type, entity_name);
        Ok(match self.zk().get_data(&path).await? {
            Some((data, _)) => {
                EntityConfig::decode(&path, &data)
                    .map_err(ZkError::from)?
                    .config
            }
            None => BTreeMap::new(),
        })
    }

    /// Every topic (children of `/brokers/topics`), sorted.
    pub async fn get_all_topics(&self) -> Result<Vec<String>, AdminError> {
        Ok(self.zk().get_children(BROKER_TOPICS_PATH).await?)
    }

    /// True when `/brokers/topics/<t>` exists.
    pub async fn topic_exists(&self, topic: &str) -> Result<bool, AdminError> {
        Ok(self.zk().get_data(&topic_path(topic)).await?.is_some())
    }

    /// Topics with a pending deletion request (children of `/admin/delete_topics`), sorted.
    pub async fn get_topics_marked_for_deletion(&self) -> Result<Vec<String>, AdminError> {
        Ok(self.zk().get_children(DELETE_TOPICS_PATH).await?)
    }

    /// True while `/admin/delete_topics/<t>` exists.
    pub async fn is_topic_marked_for_deletion(&self, topic: &str) -> Result<bool, AdminError> {
        Ok(self
            .zk()
            .get_data(&delete_topic_path(topic))
            .await?
            .is_some())
    }

    /// The topic znode's assignment, `None` if the topic does not exist.
    pub async fn get_topic_assignment(
        &self,
        topic: &str,
    ) -> Result<Option<TopicAssignment>, AdminError> {
        match self.zk().get_data(&topic_path(topic)).await? {
            Some((data, _)) => Ok(Some(
                TopicAssignment::decode(topic, &data).map_err(ZkError::from)?,
            )),
            None => Ok(None),
        }
    }

    /// The partition's state znode, `None` before the controller wrote it.
    pub async fn get_partition_state(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<Option<LeaderIsrAndControllerEpoch>, AdminError> {
        let path = topic_partition_state_path(topic, partition);
        match self.zk().get_data(&path).await? {
            Some((data, _)) => Ok(Some(
                LeaderIsrAndControllerEpoch::decode(topic, partition, &data)
                    .map_err(ZkError::from)?,
            )),
            None => Ok(None),
        }
    }

    /// Everything `--describe` prints about `topic`; `None` if it does not exist.
    pub async fn describe_topic(
        &self,
        topic: &str,
    ) -> Result<Option<TopicDescription>, AdminError> {
        let Some(assignment) = self.get_topic_assignment(topic).await? else {
            return Ok(None);
        };
        let mut partitions = Vec::with_capacity(assignment.partitions.len());
        for (partition, replicas) in assignment.partitions {
            let state = self.get_partition_state(topic, partition).await?;
            let (leader, isr) = match state {
                // Kafka's `LeaderAndIsr.leaderOpt`: only -1 (NoLeader) means none.
                Some(state) => ((state.leader != -1).then_some(state.leader), state.isr),
                None => (None, Vec::new()),
            };
            partitions.push(PartitionDescription {
                partition,
                replicas,
                leader,
                isr,
            });
        }
        Ok(Some(TopicDescription {
            topic: topic.to_string(),
            configs: self.fetch_topic_config(topic).await?,
            marked_for_deletion: self.is_topic_marked_for_deletion(topic).await?,
            partitions,
        }))
    }
}
