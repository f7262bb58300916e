//! The broker's view of the cluster (Kafka's `MetadataCache`), filled ONLY from the
//! controller's UpdateMetadata requests: live brokers with their endpoints per listener, the
//! state of every partition and the controller id. Metadata and FindCoordinator answer from it;
//! it never reads topic state from ZooKeeper, exactly like Kafka.

use std::collections::BTreeMap;

use gregor_protocol::{UpdateMetadataPartitionState, UpdateMetadataRequest};
use parking_lot::RwLock;

/// The leader value the controller sends for a partition whose topic is being deleted
/// (Kafka's `LeaderAndIsr.LeaderDuringDelete`).
const LEADER_DURING_DELETE: i32 = -2;

/// One endpoint of a live broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerEndpoint {
    /// Listener name (`PLAINTEXT`).
    pub listener: String,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
}

/// A live broker as the controller described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedBroker {
    /// `broker.id`.
    pub id: i32,
    /// `broker.rack`.
    pub rack: Option<String>,
    /// Endpoints, one per listener.
    pub endpoints: Vec<BrokerEndpoint>,
}

impl CachedBroker {
    /// The endpoint of `listener`, if the broker has one.
    pub fn endpoint(&self, listener: &str) -> Option<&BrokerEndpoint> {
        self.endpoints.iter().find(|e| e.listener == listener)
    }
}

/// State of one partition as the controller described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPartition {
    /// Leader broker id (-1 when there is none).
    pub leader: i32,
    /// Leader epoch.
    pub leader_epoch: i32,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Assigned replicas.
    pub replicas: Vec<i32>,
    /// Replicas on offline log dirs.
    pub offline_replicas: Vec<i32>,
}

/// Everything the cache holds, swapped as a whole under the lock.
#[derive(Debug, Default)]
struct Snapshot {
    /// The controller that sent the last update.
    controller_id: Option<i32>,
    /// Live brokers by id.
    brokers: BTreeMap<i32, CachedBroker>,
    /// topic → partition → state.
    topics: BTreeMap<String, BTreeMap<i32, CachedPartition>>,
}

/// Kafka's `MetadataCache`.
#[derive(Debug, Default)]
pub struct MetadataCache {
    /// Readers take the read lock briefly; UpdateMetadata takes the write lock.
    inner: RwLock<Snapshot>,
}

impl MetadataCache {
    /// An empty cache: no brokers, no topics, no controller (until the first UpdateMetadata).
    pub fn new() -> MetadataCache {
        MetadataCache::default()
    }

    /// Applies an UpdateMetadata request (Kafka's `updateMetadata`): the live broker list is
    /// replaced; partition states are upserted, and removed for topics being deleted.
    /// Returns the partitions that were deleted.
    pub fn update(&self, request: &UpdateMetadataRequest) -> Vec<(String, i32)> {
        let mut brokers = BTreeMap::new();
        for broker in &request.live_brokers {
            let endpoints = broker
                .endpoints
                .iter()
                .map(|e| BrokerEndpoint {
                    listener: if e.listener.is_empty() {
                        "PLAINTEXT".to_string()
                    } else {
                        e.listener.clone()
                    },
                    host: e.host.clone(),
                    port: e.port,
                })
                .collect();
            let cached = CachedBroker {
                id: broker.id,
                rack: broker.rack.clone(),
                endpoints,
            };
            brokers.insert(broker.id, cached);
        }
        let states = request
            .ungrouped_partition_states
            .iter()
            .map(|s| (s.topic_name.as_str(), s))
            .chain(request.topic_states.iter().flat_map(|t| {
                t.partition_states
                    .iter()
                    .map(move |s| (t.topic_name.as_str(), s))
            }));
        let mut deleted = Vec::new();
        let mut inner = self.inner.write();
        inner.controller_id = (request.controller_id >= 0).then_some(request.controller_id);
        inner.brokers = brokers;
        for (topic, state) in states {
            if state.leader == LEADER_DURING_DELETE {
                if let Some(partitions) = inner.topics.get_mut(topic) {
                    partitions.remove(&state.partition_index);
                    if partitions.is_empty() {
                        inner.topics.remove(topic);
                    }
                }
                deleted.push((topic.to_string(), state.partition_index));
            } else {
                inner
                    .topics
                    .entry(topic.to_string())
                    .or_default()
                    .insert(state.partition_index, cached_partition(state));
            }
        }
        deleted
    }

    /// The controller id from the last update.
    pub fn controller_id(&self) -> Option<i32> {
        self.inner.read().controller_id
    }

    /// The live brokers, ascending id.
    pub fn alive_brokers(&self) -> Vec<CachedBroker> {
        self.inner.read().brokers.values().cloned().collect()
    }

    /// One live broker.
    pub fn broker(&self, id: i32) -> Option<CachedBroker> {
        self.inner.read().brokers.get(&id).cloned()
    }

    /// Every known topic, sorted.
    pub fn topics(&self) -> Vec<String> {
        self.inner.read().topics.keys().cloned().collect()
    }

    /// True when the topic has at least one partition in the cache.
    pub fn contains_topic(&self, topic: &str) -> bool {
        self.inner.read().topics.contains_key(topic)
    }

    /// True when the partition is in the cache.
    pub fn contains_partition(&self, topic: &str, partition: i32) -> bool {
        self.inner
            .read()
            .topics
            .get(topic)
            .is_some_and(|p| p.contains_key(&partition))
    }

    /// The partitions of a topic, ascending partition id.
    pub fn partitions(&self, topic: &str) -> Option<Vec<(i32, CachedPartition)>> {
        let inner = self.inner.read();
        let partitions = inner.topics.get(topic)?;
        Some(partitions.iter().map(|(p, s)| (*p, s.clone())).collect())
    }

    /// One partition's state.
    pub fn partition(&self, topic: &str, partition: i32) -> Option<CachedPartition> {
        self.inner
            .read()
            .topics
            .get(topic)?
            .get(&partition)
            .cloned()
    }
}

fn cached_partition(state: &UpdateMetadataPartitionState) -> CachedPartition {
    CachedPartition {
        leader: state.leader,
        leader_epoch: state.leader_epoch,
        isr: state.isr.clone(),
        replicas: state.replicas.clone(),
        offline_replicas: state.offline_replicas.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gregor_protocol::{
        UpdateMetadataBroker, UpdateMetadataEndpoint, UpdateMetadataPartitionState,
        UpdateMetadataTopicState,
    };

    fn request(leader: i32) -> UpdateMetadataRequest {
        UpdateMetadataRequest {
            controller_id: 1,
            controller_epoch: 1,
            live_brokers: vec![UpdateMetadataBroker {
                id: 1,
                endpoints: vec![UpdateMetadataEndpoint {
                    port: 9092,
                    host: "h".into(),
                    listener: "PLAINTEXT".into(),
                    security_protocol: 0,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            topic_states: vec![UpdateMetadataTopicState {
                topic_name: "t".into(),
                partition_states: vec![UpdateMetadataPartitionState {
                    partition_index: 0,
                    leader,
                    leader_epoch: 3,
                    isr: vec![1],
                    replicas: vec![1],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn update_metadata_fills_brokers_partitions_and_controller() {
        let cache = MetadataCache::new();
        assert!(cache.controller_id().is_none());
        cache.update(&request(1));
        assert_eq!(cache.controller_id(), Some(1));
        assert_eq!(cache.topics(), vec!["t".to_string()]);
        assert_eq!(cache.partition("t", 0).unwrap().leader_epoch, 3);
        let broker = cache.broker(1).unwrap();
        assert_eq!(broker.endpoint("PLAINTEXT").unwrap().port, 9092);
    }

    #[test]
    fn leader_during_delete_removes_the_partition() {
        let cache = MetadataCache::new();
        cache.update(&request(1));
        let deleted = cache.update(&request(LEADER_DURING_DELETE));
        assert_eq!(deleted, vec![("t".to_string(), 0)]);
        assert!(!cache.contains_topic("t"));
    }
}
