//! Admin helpers of [`KafkaClient`]: CreateTopics, DeleteTopics and CreatePartitions go to the
//! controller (re-routed after NOT_CONTROLLER), DescribeConfigs to the broker a resource names
//! (or any broker for topics). Per-topic results come back as Kafka sends them, error codes
//! included, for the tools to print.

use std::collections::BTreeMap;

use gregor_protocol::{
    CreatableTopic, CreatableTopicResult, CreatePartitionsRequest, CreatePartitionsTopic,
    CreatePartitionsTopicResult, CreateTopicsRequest, DeletableTopicResult, DeleteTopicsRequest,
    DescribeConfigsRequest, DescribeConfigsResource, DescribeConfigsResult, ErrorCode,
};

use crate::client::KafkaClient;
use crate::error::ClientError;
use crate::request::KafkaRequest;

/// DescribeConfigs resource type of a broker.
pub const RESOURCE_TYPE_BROKER: i8 = 4;
/// DescribeConfigs resource type of a broker's loggers.
pub const RESOURCE_TYPE_BROKER_LOGGER: i8 = 8;
/// DescribeConfigs resource type of a topic.
pub const RESOURCE_TYPE_TOPIC: i8 = 2;

impl KafkaClient {
    /// Sends the request `make` builds to the controller, with retries; a NOT_CONTROLLER in any
    /// of the results `errors` lists means the controller moved, so the request goes again to
    /// the new controller after a metadata refresh (as the Java admin client does).
    async fn send_to_controller<R, T>(
        &self,
        make: impl Fn() -> R,
        results: impl Fn(R::Response) -> T,
        errors: impl Fn(&T) -> Vec<ErrorCode>,
    ) -> Result<T, ClientError>
    where
        R: KafkaRequest,
    {
        self.with_retries(Some(&[]), || async {
            let controller = self.controller_id().await?;
            let answer = results(self.send_to(controller, make()).await?);
            if errors(&answer).contains(&ErrorCode::NotController) {
                return Err(ClientError::kafka(R::API_KEY, ErrorCode::NotController));
            }
            Ok(answer)
        })
        .await
    }

    /// Creates topics on the controller; one result per topic.
    pub async fn create_topics(
        &self,
        topics: Vec<CreatableTopic>,
        timeout_ms: i32,
        validate_only: bool,
    ) -> Result<Vec<CreatableTopicResult>, ClientError> {
        self.send_to_controller(
            || CreateTopicsRequest {
                topics: topics.clone(),
                timeout_ms,
                validate_only,
                ..Default::default()
            },
            |response| response.topics,
            |topics| topics.iter().map(|t| t.error_code).collect(),
        )
        .await
    }

    /// Deletes topics on the controller; one result per topic.
    pub async fn delete_topics(
        &self,
        topic_names: &[String],
        timeout_ms: i32,
    ) -> Result<Vec<DeletableTopicResult>, ClientError> {
        self.send_to_controller(
            || DeleteTopicsRequest {
                topic_names: topic_names.to_vec(),
                timeout_ms,
                ..Default::default()
            },
            |response| response.responses,
            |topics| topics.iter().map(|t| t.error_code).collect(),
        )
        .await
    }

    /// Raises partition counts on the controller; one result per topic.
    pub async fn create_partitions(
        &self,
        topics: Vec<CreatePartitionsTopic>,
        timeout_ms: i32,
        validate_only: bool,
    ) -> Result<Vec<CreatePartitionsTopicResult>, ClientError> {
        self.send_to_controller(
            || CreatePartitionsRequest {
                topics: topics.clone(),
                timeout_ms,
                validate_only,
                ..Default::default()
            },
            |response| response.results,
            |results| results.iter().map(|t| t.error_code).collect(),
        )
        .await
    }

    /// Describes configs. Broker (and broker-logger) resources are asked of that broker, since
    /// only it knows its dynamic state; everything else of any broker. Results keep the order
    /// of the groups: broker by broker, then the rest.
    pub async fn describe_configs(
        &self,
        resources: Vec<DescribeConfigsResource>,
        include_synonyms: bool,
    ) -> Result<Vec<DescribeConfigsResult>, ClientError> {
        let mut by_target: BTreeMap<Option<i32>, Vec<DescribeConfigsResource>> = BTreeMap::new();
        for resource in resources {
            let target = match resource.resource_type {
                RESOURCE_TYPE_BROKER | RESOURCE_TYPE_BROKER_LOGGER => {
                    let id = resource.resource_name.parse::<i32>().map_err(|_| {
                        ClientError::Config(format!(
                            "broker resource name must be a broker id: {}",
                            resource.resource_name
                        ))
                    })?;
                    Some(id)
                }
                _ => None,
            };
            by_target.entry(target).or_default().push(resource);
        }
        let mut results = Vec::new();
        for (target, resources) in by_target {
            let request = DescribeConfigsRequest {
                resources,
                include_synonyms,
                ..Default::default()
            };
            let response = self
                .with_retries(Some(&[]), || async {
                    match target {
                        Some(broker_id) => self.send_to(broker_id, request.clone()).await,
                        None => self.send_to_any(request.clone()).await,
                    }
                })
                .await?;
            results.extend(response.resources);
        }
        Ok(results)
    }
}
