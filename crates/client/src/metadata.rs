//! [`ClusterMetadata`]: the client's cache of brokers, controller and partition leaders, filled
//! from Metadata responses. Pure data; [`crate::KafkaClient`] decides when to refresh it.

use std::collections::{BTreeMap, HashMap};

use gregor_protocol::{ApiKey, ErrorCode, MetadataResponse};

use crate::error::ClientError;

/// A live broker as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// `broker.id`.
    pub node_id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// `host:port`, with IPv6 literals bracketed so it can be connected to.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One partition as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// Partition id.
    pub partition: i32,
    /// Partition-level error (LEADER_NOT_AVAILABLE while an election runs).
    pub error_code: ErrorCode,
    /// Leader broker id, -1 if none.
    pub leader_id: i32,
    /// Leader epoch, -1 before Metadata v7.
    pub leader_epoch: i32,
    /// Assigned replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Replicas on offline log dirs (v5+).
    pub offline_replicas: Vec<i32>,
}

/// One topic as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Topic-level error.
    pub error_code: ErrorCode,
    /// `__consumer_offsets` and friends.
    pub is_internal: bool,
    /// Partitions by id.
    pub partitions: BTreeMap<i32, PartitionInfo>,
}

/// What the client knows about the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMetadata {
    /// Cluster id (Metadata v2+).
    pub cluster_id: Option<String>,
    /// Active controller, -1 if unknown (or Metadata v0).
    pub controller_id: i32,
    /// Live brokers by id.
    pub brokers: BTreeMap<i32, BrokerInfo>,
    /// Known topics by name.
    pub topics: HashMap<String, TopicInfo>,
}

impl Default for ClusterMetadata {
    fn default() -> Self {
        Self {
            cluster_id: None,
            controller_id: -1,
            brokers: BTreeMap::new(),
            topics: HashMap::new(),
        }
    }
}

impl ClusterMetadata {
    /// Takes in a Metadata response: brokers and controller are replaced, topics in the
    /// response replace what was known of them (an unknown topic is forgotten).
    pub fn update(&mut self, response: &MetadataResponse) {
        self.cluster_id.clone_from(&response.cluster_id);
        self.controller_id = response.controller_id;
        self.brokers = response
            .brokers
            .iter()
            .map(|broker| {
                let info = BrokerInfo {
                    node_id: broker.node_id,
                    host: broker.host.clone(),
                    port: broker.port,
                    rack: broker.rack.clone(),
                };
                (broker.node_id, info)
            })
            .collect();
        for topic in &response.topics {
            if topic.error_code == ErrorCode::UnknownTopicOrPartition {
                self.topics.remove(&topic.name);
                continue;
            }
            let partitions = topic
                .partitions
                .iter()
                .map(|partition| {
                    let info = PartitionInfo {
                        partition: partition.partition_index,
                        error_code: partition.error_code,
                        leader_id: partition.leader_id,
                        leader_epoch: partition.leader_epoch,
                        replicas: partition.replica_nodes.clone(),
                        isr: partition.isr_nodes.clone(),
                        offline_replicas: partition.offline_replicas.clone(),
                    };
                    (partition.partition_index, info)
                })
                .collect();
            let info = TopicInfo {
                error_code: topic.error_code,
                is_internal: topic.is_internal,
                partitions,
            };
            self.topics.insert(topic.name.clone(), info);
        }
    }

    /// The leader of a partition, or the Kafka error that explains why there is none.
    pub fn leader_for(&self, topic: &str, partition: i32) -> Result<i32, ClientError> {
        let missing = |error| ClientError::kafka(ApiKey::Metadata, error);
        let info = self
            .topics
            .get(topic)
            .ok_or_else(|| missing(ErrorCode::UnknownTopicOrPartition))?;
        if !info.error_code.is_ok() {
            return Err(missing(info.error_code));
        }
        let partition = info
            .partitions
            .get(&partition)
            .ok_or_else(|| missing(ErrorCode::UnknownTopicOrPartition))?;
        if partition.leader_id < 0 {
            return Err(missing(ErrorCode::LeaderNotAvailable));
        }
        Ok(partition.leader_id)
    }

    /// A live broker by id.
    pub fn broker(&self, node_id: i32) -> Option<&BrokerInfo> {
        self.brokers.get(&node_id)
    }

    /// Number of partitions of a known topic.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.topics.get(topic).map(|info| info.partitions.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gregor_protocol::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };

    fn response(leader_id: i32, topic_error: ErrorCode) -> MetadataResponse {
        MetadataResponse {
            brokers: vec![MetadataResponseBroker {
                node_id: 1,
                host: "::1".to_string(),
                port: 9092,
                ..Default::default()
            }],
            controller_id: 1,
            topics: vec![MetadataResponseTopic {
                error_code: topic_error,
                name: "first".to_string(),
                partitions: vec![MetadataResponsePartition {
                    partition_index: 0,
                    leader_id,
                    replica_nodes: vec![1],
                    isr_nodes: vec![1],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn leaders_come_from_the_latest_response() {
        let mut cluster = ClusterMetadata::default();
        cluster.update(&response(1, ErrorCode::None));
        assert_eq!(cluster.leader_for("first", 0).unwrap(), 1);
        assert_eq!(cluster.broker(1).unwrap().addr(), "[::1]:9092");
        assert_eq!(cluster.partition_count("first"), Some(1));
        cluster.update(&response(-1, ErrorCode::None));
        let error = cluster.leader_for("first", 0).unwrap_err();
        assert_eq!(error.error_code(), Some(ErrorCode::LeaderNotAvailable));
    }

    #[test]
    fn unknown_topics_and_partitions_say_so() {
        let mut cluster = ClusterMetadata::default();
        cluster.update(&response(1, ErrorCode::None));
        let error = cluster.leader_for("first", 7).unwrap_err();
        assert_eq!(error.error_code(), Some(ErrorCode::UnknownTopicOrPartition));
        cluster.update(&response(1, ErrorCode::UnknownTopicOrPartition));
        assert!(cluster.leader_for("first", 0).is_err());
        assert_eq!(cluster.partition_count("first"), None);
    }
}
