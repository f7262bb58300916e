//! [`ClientError`]: everything that can go wrong between a caller and a Kafka broker, and the
//! one function that says whether a failed request is worth retrying.

use std::time::Duration;

use gregor_protocol::{ApiKey, DecodeError, EncodeError, ErrorCode};

/// Why a client request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket failed (connect refused, reset, write error).
    #[error("I/O error talking to {addr}: {source}")]
    Io {
        /// The broker address.
        addr: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Connecting took longer than the connect timeout.
    #[error("connection to {addr} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The broker address.
        addr: String,
        /// The bound that was exceeded.
        timeout: Duration,
    },
    /// No response within the request timeout; the connection was closed, as the Java client
    /// does, because the broker answers in order and everything behind it would be late too.
    #[error("{api:?} request to {addr} timed out after {timeout:?}")]
    Timeout {
        /// The API of the request.
        api: ApiKey,
        /// The broker address.
        addr: String,
        /// The bound that was exceeded.
        timeout: Duration,
    },
    /// The connection closed (or was closed) before the response arrived.
    #[error("disconnected from {addr}")]
    Disconnected {
        /// The broker address.
        addr: String,
    },
    /// Neither side has a version of `api` the other supports (or a pinned version is outside
    /// the broker's range).
    #[error("unsupported version of {api:?}: broker supports {broker:?}, client {client:?}")]
    UnsupportedVersion {
        /// The API.
        api: ApiKey,
        /// What the broker listed in ApiVersions, `None` if it did not list the API.
        broker: Option<(i16, i16)>,
        /// What this client implements.
        client: (i16, i16),
    },
    /// The request could not be encoded.
    #[error("cannot encode request: {0}")]
    Encode(#[from] EncodeError),
    /// The broker's response could not be decoded.
    #[error("cannot decode response: {0}")]
    Decode(#[from] DecodeError),
    /// The broker broke the protocol (wrong correlation id, oversized or negative frame,
    /// response of the wrong API).
    #[error("protocol violation by {addr}: {reason}")]
    Protocol {
        /// The broker address.
        addr: String,
        /// What was wrong.
        reason: String,
    },
    /// The broker answered with a Kafka error code.
    #[error("{api:?} failed: {} ({})", .error.name(), .error.code())]
    Kafka {
        /// The API of the request.
        api: ApiKey,
        /// Kafka's error code, for the caller to print or match.
        error: ErrorCode,
        /// The broker's error message, when the API carries one.
        message: Option<String>,
    },
    /// The client's configuration or arguments are invalid (bad bootstrap address, no brokers).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// Metadata does not know this broker id.
    #[error("broker {0} is not in the cluster metadata")]
    UnknownBroker(i32),
}

impl ClientError {
    /// A Kafka error without a message.
    pub fn kafka(api: ApiKey, error: ErrorCode) -> Self {
        ClientError::Kafka {
            api,
            error,
            message: None,
        }
    }

    /// The Kafka error code this failure carries, if it came from the broker.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Kafka { error, .. } => Some(*error),
            _ => None,
        }
    }

    /// True when refreshing metadata and trying again may succeed: Kafka's retriable codes,
    /// NOT_CONTROLLER (the admin client re-routes on it), and lost or slow connections.
    pub fn is_retriable(&self) -> bool {
        match self {
            ClientError::Kafka { error, .. } => {
                error.is_retriable() || *error == ErrorCode::NotController
            }
            ClientError::Io { .. }
            | ClientError::ConnectTimeout { .. }
            | ClientError::Timeout { .. }
            | ClientError::Disconnected { .. }
            | ClientError::UnknownBroker(_) => true,
            ClientError::UnsupportedVersion { .. }
            | ClientError::Encode(_)
            | ClientError::Decode(_)
            | ClientError::Protocol { .. }
            | ClientError::Config(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leader_moves_are_retriable_but_topic_exists_is_not() {
        let moved = ClientError::kafka(ApiKey::Produce, ErrorCode::NotLeaderForPartition);
        assert!(moved.is_retriable());
        let exists = ClientError::kafka(ApiKey::CreateTopics, ErrorCode::TopicAlreadyExists);
        assert!(!exists.is_retriable());
        assert_eq!(exists.error_code(), Some(ErrorCode::TopicAlreadyExists));
        assert!(ClientError::kafka(ApiKey::CreateTopics, ErrorCode::NotController).is_retriable());
    }

    #[test]
    fn kafka_errors_print_kafka_names() {
        let error = ClientError::kafka(ApiKey::Produce, ErrorCode::NotLeaderForPartition);
        assert_eq!(
            error.to_string(),
            "Produce failed: NOT_LEADER_FOR_PARTITION (6)"
        );
    }
}
