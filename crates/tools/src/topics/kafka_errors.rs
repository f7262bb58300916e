//! How the Java admin client turns a Kafka error code into an exception (Kafka's `Errors`
//! table: class and default message), so bootstrap-mode failures print what Kafka 2.4's
//! kafka-topics prints: `<exception class>: <message>` (2.4 prints the `ExecutionException`'s
//! message, which is the cause's `toString`).

use gregor_client::{ClientError, ErrorCode};

use super::CommandError;

/// The Java exception class and default message of `code`.
pub fn exception_of(code: ErrorCode) -> (&'static str, &'static str) {
    match code.code() {
        3 => ("UnknownTopicOrPartitionException", "This server does not host this topic-partition."),
        5 => ("LeaderNotAvailableException", "There is no leader for this topic-partition as we are in the middle of a leadership election."),
        7 => ("TimeoutException", "The request timed out."),
        14 => ("CoordinatorLoadInProgressException", "The coordinator is loading and hence can't process requests."),
        15 => ("CoordinatorNotAvailableException", "The coordinator is not available."),
        16 => ("NotCoordinatorException", "This is not the correct coordinator."),
        22 => ("IllegalGenerationException", "Specified group generation id is not valid."),
        24 => ("InvalidGroupIdException", "The configured groupId is invalid."),
        25 => ("UnknownMemberIdException", "The coordinator is not aware of this member."),
        27 => ("RebalanceInProgressException", "The group is rebalancing, so a rejoin is needed."),
        30 => ("GroupAuthorizationException", "Group authorization failed."),
        8 => ("BrokerNotAvailableException", "The broker is not available."),
        17 => ("InvalidTopicException", "The request attempted to perform an operation on an invalid topic."),
        29 => ("TopicAuthorizationException", "Topic authorization failed."),
        31 => ("ClusterAuthorizationException", "Cluster authorization failed."),
        35 => ("UnsupportedVersionException", "The version of API is not supported."),
        36 => ("TopicExistsException", "Topic with this name already exists."),
        37 => ("InvalidPartitionsException", "Number of partitions is below 1."),
        38 => ("InvalidReplicationFactorException", "Replication factor is below 1 or larger than the number of available brokers."),
        39 => ("InvalidReplicaAssignmentException", "Replica assignment is invalid."),
        40 => ("InvalidConfigurationException", "Configuration is invalid."),
        41 => ("NotControllerException", "This is not the correct controller for this cluster."),
        42 => ("InvalidRequestException", "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."),
        44 => ("PolicyViolationException", "Request parameters do not satisfy the configured policy."),
        68 => ("GroupNotEmptyException", "The group is not empty."),
        69 => ("GroupIdNotFoundException", "The group id does not exist."),
        73 => ("TopicDeletionDisabledException", "Topic deletion is disabled."),
        86 => ("GroupSubscribedToTopicException", "The consumer group is actively subscribed to the topic"),
        _ => ("UnknownServerException", "The server experienced an unexpected error when processing the request."),
    }
}

/// The failure of one topic in a response: Kafka prints the `ExecutionException` message,
/// `org.apache.kafka.common.errors.<Class>: <broker message or default>`.
pub fn topic_failure(code: ErrorCode, message: Option<&str>) -> CommandError {
    let (class, default_message) = exception_of(code);
    let message = message.filter(|m| !m.is_empty()).unwrap_or(default_message);
    CommandError {
        class: "java.util.concurrent.ExecutionException",
        message: format!("org.apache.kafka.common.errors.{class}: {message}"),
    }
}

/// A request that failed as a whole: broker errors as above; a cluster that cannot be reached
/// is the Java admin client's node-assignment timeout.
pub fn client_failure(error: ClientError) -> CommandError {
    match error {
        ClientError::Kafka { error, message, .. } => topic_failure(error, message.as_deref()),
        ClientError::Config(message) => CommandError {
            class: "org.apache.kafka.common.config.ConfigException",
            message,
        },
        other => {
            log::debug!("admin request failed: {other}");
            CommandError {
                class: "java.util.concurrent.ExecutionException",
                message: "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.".to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_messages_win_over_defaults() {
        let failure = topic_failure(
            ErrorCode::InvalidReplicationFactor,
            Some("Replication factor: 3 larger than available brokers: 1."),
        );
        assert_eq!(failure.message, "org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1.");
        let failure = topic_failure(ErrorCode::TopicAlreadyExists, None);
        assert_eq!(failure.message, "org.apache.kafka.common.errors.TopicExistsException: Topic with this name already exists.");
    }
}
