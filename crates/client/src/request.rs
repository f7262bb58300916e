//! [`KafkaRequest`]: a request the client can send and await. The request → response type
//! association comes from gregor-protocol's [`ApiRequest`] (generated from its one API table);
//! this module adds only what is the client's own: the answer Kafka never sends.

use gregor_protocol::messages::ProduceResponse;
use gregor_protocol::{ApiKey, ApiRequest};

/// A request body whose response type is known, sendable across tasks.
pub trait KafkaRequest: ApiRequest<Response: Send + 'static> + Send + 'static {
    /// The response reported for a request Kafka never answers (Produce with acks = 0, where
    /// the caller gets an empty response); `None` for every other API, whose missing response
    /// is a protocol violation.
    fn unanswered_response() -> Option<Self::Response> {
        if Self::API_KEY == ApiKey::Produce {
            Self::response_from(ProduceResponse::default().into())
        } else {
            None
        }
    }
}

impl<R: ApiRequest<Response: Send + 'static> + Send + 'static> KafkaRequest for R {}
