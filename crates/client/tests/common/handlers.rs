//! The in-memory API handlers of [`TestBroker`]: just enough of Metadata, Produce, ListOffsets,
//! Fetch and CreateTopics for the client's tests to observe routing and retries.

use bytes::Bytes;
use gregor_protocol::*;

use super::TestBroker;

impl TestBroker {
    pub(super) fn api_versions(&self) -> ApiVersionsResponse {
        ApiVersionsResponse::from_ranges(self.ranges.iter().map(|(k, r)| (*k, r.clone())))
    }

    pub(super) fn metadata(&self, request: MetadataRequest) -> MetadataResponse {
        for topic in request.topics.iter().flatten() {
            self.view.named(&topic.name);
        }
        let brokers = self.view.brokers.lock().unwrap().clone();
        let leaders = self.view.leaders.lock().unwrap().clone();
        let names: Vec<String> = match request.topics {
            Some(topics) => topics.into_iter().map(|topic| topic.name).collect(),
            None => leaders.keys().map(|(topic, _)| topic.clone()).collect(),
        };
        let topics = names
            .into_iter()
            .map(|name| {
                let mut partitions: Vec<MetadataResponsePartition> = leaders
                    .iter()
                    .filter(|((topic, _), _)| *topic == name)
                    .map(|((_, partition), leader)| MetadataResponsePartition {
                        partition_index: *partition,
                        leader_id: *leader,
                        replica_nodes: vec![*leader],
                        isr_nodes: vec![*leader],
                        ..Default::default()
                    })
                    .collect();
                partitions.sort_by_key(|p| p.partition_index);
                let error_code = if partitions.is_empty() {
                    ErrorCode::UnknownTopicOrPartition
                } else {
                    ErrorCode::None
                };
                MetadataResponseTopic {
                    error_code,
                    name,
                    partitions,
                    ..Default::default()
                }
            })
            .collect();
        MetadataResponse {
            brokers: brokers
                .into_iter()
                .map(|(node_id, addr)| MetadataResponseBroker {
                    node_id,
                    host: addr.ip().to_string(),
                    port: i32::from(addr.port()),
                    ..Default::default()
                })
                .collect(),
            cluster_id: Some("client-test".to_string()),
            controller_id: *self.view.controller.lock().unwrap(),
            topics,
            ..Default::default()
        }
    }

    /// NOT_CONTROLLER unless this broker is the controller; else creates each topic with all
    /// partitions led by the controller.
    pub(super) fn create_topics(&self, request: CreateTopicsRequest) -> CreateTopicsResponse {
        let is_controller = *self.view.controller.lock().unwrap() == self.node_id;
        let topics = request
            .topics
            .into_iter()
            .map(|topic| {
                let exists = self.view.leader(&topic.name, 0).is_some();
                let error_code = match (is_controller, exists) {
                    (false, _) => ErrorCode::NotController,
                    (true, true) => ErrorCode::TopicAlreadyExists,
                    (true, false) => {
                        for partition in 0..topic.num_partitions {
                            self.view.set_leader(&topic.name, partition, self.node_id);
                        }
                        ErrorCode::None
                    }
                };
                CreatableTopicResult {
                    name: topic.name,
                    error_code,
                    ..Default::default()
                }
            })
            .collect();
        CreateTopicsResponse {
            topics,
            ..Default::default()
        }
    }

    /// NOT_LEADER_FOR_PARTITION unless this broker leads the partition.
    pub(super) fn leadership(&self, topic: &str, partition: i32) -> ErrorCode {
        match self.view.leader(topic, partition) {
            Some(leader) if leader == self.node_id => ErrorCode::None,
            Some(_) => ErrorCode::NotLeaderForPartition,
            None => ErrorCode::UnknownTopicOrPartition,
        }
    }

    pub(super) fn produce(&self, request: ProduceRequest) -> ProduceResponse {
        let mut responses = Vec::new();
        for topic in request.topics {
            let mut partitions = Vec::new();
            for data in topic.partitions {
                let partition = data.partition_index;
                let error_code = self.leadership(&topic.name, partition);
                let mut base_offset = -1;
                if error_code.is_ok() {
                    let mut logs = self.view.logs.lock().unwrap();
                    let log = logs.entry((topic.name.clone(), partition)).or_default();
                    base_offset = log.len() as i64;
                    log.push(data.records.unwrap_or_default());
                }
                partitions.push(ProduceResponsePartition {
                    partition_index: partition,
                    error_code,
                    base_offset,
                    ..Default::default()
                });
            }
            responses.push(ProduceResponseTopic {
                name: topic.name,
                partitions,
                ..Default::default()
            });
        }
        ProduceResponse {
            responses,
            ..Default::default()
        }
    }

    pub(super) fn list_offsets(&self, request: ListOffsetsRequest) -> ListOffsetsResponse {
        let topics = request
            .topics
            .into_iter()
            .map(|topic| {
                let partitions = topic
                    .partitions
                    .iter()
                    .map(|wanted| {
                        let error_code = self.leadership(&topic.topic, wanted.partition);
                        let end = self.view.log_len(&topic.topic, wanted.partition) as i64;
                        let offset = if wanted.timestamp == -2 { 0 } else { end };
                        ListOffsetsResponsePartition {
                            partition: wanted.partition,
                            error_code,
                            offsets: vec![offset],
                            offset,
                            ..Default::default()
                        }
                    })
                    .collect();
                ListOffsetsResponseTopic {
                    topic: topic.topic,
                    partitions,
                    ..Default::default()
                }
            })
            .collect();
        ListOffsetsResponse {
            topics,
            ..Default::default()
        }
    }

    pub(super) fn fetch(&self, request: FetchRequest) -> FetchResponse {
        let responses = request
            .topics
            .into_iter()
            .map(|topic| {
                let partitions = topic
                    .partitions
                    .iter()
                    .map(|wanted| {
                        let key = (topic.topic.clone(), wanted.partition);
                        let logs = self.view.logs.lock().unwrap();
                        let log = logs.get(&key).cloned().unwrap_or_default();
                        let from = usize::try_from(wanted.fetch_offset).unwrap_or(0);
                        let records: Vec<u8> = log.iter().skip(from).flatten().copied().collect();
                        FetchResponsePartition {
                            partition: wanted.partition,
                            error_code: self.leadership(&topic.topic, wanted.partition),
                            high_watermark: log.len() as i64,
                            records: Some(RecordsData::Bytes(Bytes::from(records))),
                            ..Default::default()
                        }
                    })
                    .collect();
                FetchResponseTopic {
                    topic: topic.topic,
                    partitions,
                    ..Default::default()
                }
            })
            .collect();
        FetchResponse {
            responses,
            ..Default::default()
        }
    }

    /// One entry per resource, naming the broker that answered, so tests see the routing.
    pub(super) fn describe_configs(
        &self,
        request: DescribeConfigsRequest,
    ) -> DescribeConfigsResponse {
        let resources = request
            .resources
            .into_iter()
            .map(|resource| DescribeConfigsResult {
                resource_type: resource.resource_type,
                resource_name: resource.resource_name,
                config_entries: vec![DescribeConfigsResourceResult {
                    config_name: "answered.by".to_string(),
                    config_value: Some(self.node_id.to_string()),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect();
        DescribeConfigsResponse {
            resources,
            ..Default::default()
        }
    }

    pub(super) fn find_coordinator(&self) -> FindCoordinatorResponse {
        let mut loading = self.view.coordinator_loading.lock().unwrap();
        if *loading > 0 {
            *loading -= 1;
            return FindCoordinatorResponse {
                error_code: ErrorCode::CoordinatorNotAvailable,
                node_id: -1,
                port: -1,
                ..Default::default()
            };
        }
        let (node_id, addr) = self.view.brokers.lock().unwrap()[1];
        FindCoordinatorResponse {
            node_id,
            host: addr.ip().to_string(),
            port: i32::from(addr.port()),
            ..Default::default()
        }
    }

    fn controller_error(&self) -> ErrorCode {
        if *self.view.controller.lock().unwrap() == self.node_id {
            ErrorCode::None
        } else {
            ErrorCode::NotController
        }
    }

    /// Forgets every partition of each named topic.
    pub(super) fn delete_topics(&self, request: DeleteTopicsRequest) -> DeleteTopicsResponse {
        let responses = request
            .topic_names
            .into_iter()
            .map(|name| {
                let mut error_code = self.controller_error();
                if error_code.is_ok() {
                    let mut leaders = self.view.leaders.lock().unwrap();
                    let before = leaders.len();
                    leaders.retain(|(topic, _), _| *topic != name);
                    if leaders.len() == before {
                        error_code = ErrorCode::UnknownTopicOrPartition;
                    }
                }
                DeletableTopicResult {
                    name,
                    error_code,
                    ..Default::default()
                }
            })
            .collect();
        DeleteTopicsResponse {
            responses,
            ..Default::default()
        }
    }

    /// Adds partitions led by the controller up to each topic's new count.
    pub(super) fn create_partitions(
        &self,
        request: CreatePartitionsRequest,
    ) -> CreatePartitionsResponse {
        let results = request
            .topics
            .into_iter()
            .map(|topic| {
                let error_code = self.controller_error();
                if error_code.is_ok() {
                    for partition in 0..topic.count {
                        if self.view.leader(&topic.name, partition).is_none() {
                            self.view.set_leader(&topic.name, partition, self.node_id);
                        }
                    }
                }
                CreatePartitionsTopicResult {
                    name: topic.name,
                    error_code,
                    ..Default::default()
                }
            })
            .collect();
        CreatePartitionsResponse {
            results,
            ..Default::default()
        }
    }
}
