//! Admin helpers of [`KafkaClient`]: CreateTopics, DeleteTopics and CreatePartitions go to the
//! controller (re-routed after NOT_CONTROLLER), DescribeConfigs to the broker a resource names
//! (or any broker for topics). Per-topic results come back as Kafka sends them, error codes
//! included, for the tools to print.

use std::collections::BTreeMap;

use gregor_protocol::{
    ApiKey, CreatableTopic, CreatableTopicResult, CreatePartitionsRequest, CreatePartitionsTopic,
    CreatePartitionsTopicResult, CreateTopicsRequest, DeletableTopicResult, DeleteTopicsRequest,
    DescribeConfigsRequest, DescribeConfigsResource, DescribeConfigsResult, ErrorCode,
};

use crate::client::KafkaClient;
use crate::error::ClientError;

/// DescribeConfigs resource type of a broker.
pub const RESOURCE_TYPE_BROKER: i8 = 4;
/// DescribeConfigs resource type of a broker's loggers.
pub const RESOURCE_TYPE_BROKER_LOGGER: i8 = 8;
/// DescribeConfigs resource type of a topic.
pub const RESOURCE_TYPE_TOPIC: i8 = 2;

/// Turns a NOT_CONTROLLER result into a retriable error, so the request is re-sent to the new
/// controller after a metadata refresh (as the Java admin client does).
fn reroute_if_not_controller(api: ApiKey, errors: &[ErrorCode]) -> Result<(), ClientError> {
    if errors.contains(&ErrorCode::NotController) {
        Err(ClientError::kafka(api, ErrorCode::NotController))
    } else {
        Ok(())
    }
}

impl KafkaClient {
    /// Creates topics on the controller; one result per topic.
    pub async fn create_topics(
        &self,
        topics: Vec<CreatableTopic>,
        timeout_ms: i32,
        validate_only: bool,
    ) -> Result<Vec<CreatableTopicResult>, ClientError> {
        self.with_retries(Some(&[]), || async {
            let request = CreateTopicsRequest {
                topics: topics.clone(),
                timeout_ms,
                validate_only,
                ..Default::default()
            };
            let controller = self.controller_id().await?;
            let response = self.send_to(controller, request).await?;
            let errors: Vec<ErrorCode> = response.topics.iter().map(|t| t.error_code).collect();
            reroute_if_not_controller(ApiKey::CreateTopics, &errors)?;
            Ok(response.topics)
        })
        .await
    }

    /// Deletes topics on the controller; one result per topic.
    pub async fn delete_topics(
        &self,
        topic_names: &[String],
        timeout_ms: i32,
    ) -> Result<Vec<DeletableTopicResult>, ClientError> {
        self.with_retries(Some(&[]), || async {
            let request = DeleteTopicsRequest {
                topic_names: topic_names.to_vec(),
                timeout_ms,
                ..Default::default()
            };
            let controller = self.controller_id().await?;
            let response = self.send_to(controller, request).await?;
            let errors: Vec<ErrorCode> = response.responses.iter().map(|t| t.error_code).collect();
            reroute_if_not_controller(ApiKey::DeleteTopics, &errors)?;
            Ok(response.responses)
        })
        .await
    }

    /// Raises partition counts on the controller; one result per topic.
    pub async fn create_partitions(
        &self,
        topics: Vec<CreatePartitionsTopic>,
        timeout_ms: i32,
        validate_only: bool,
    ) -> Result<Vec<CreatePartitionsTopicResult>, ClientError> {
        self.with_retries(Some(&[]), || async {
            let request = CreatePartitionsRequest {
                topics: topics.clone(),
                timeout_ms,
                validate_only,
                ..Default::default()
            };
            let controller = self.controller_id().await?;
            let response = self.send_to(controller, request).await?;
            let errors: Vec<ErrorCode> = response.results.iter().map(|t| t.error_code).collect();
            reroute_if_not_controller(ApiKey::CreatePartitions, &errors)?;
            Ok(response.results)
        })
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
