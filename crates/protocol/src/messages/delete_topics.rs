//! DeleteTopics (key 20), versions 0–4, flexible from 4 (§4.7).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Deletes topics (sent to the controller).
    DeleteTopicsRequest {
        /// Topics to delete.
        topic_names: Vec<String> = (0..),
        /// How long to wait for deletion.
        timeout_ms: i32 = (0..),
    }
}

message! {
    /// Result for one topic.
    DeletableTopicResult {
        /// Topic.
        name: String = (0..),
        /// Result.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Topic deletion results.
    DeleteTopicsResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// One result per topic.
        responses: Vec<DeletableTopicResult> = (0..),
    }
}

api_message!(DeleteTopicsRequest => DeleteTopics, DeleteTopicsResponse => DeleteTopics);
