//! AlterConfigs (key 33), versions 0–1, never flexible (§4.10).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A config to set.
    AlterableConfig {
        /// Key.
        config_name: String = (0..),
        /// Value.
        config_value: Option<String> = (0.., null: 0..),
    }
}

message! {
    /// A resource whose overrides are replaced.
    AlterConfigsResource {
        /// 2 TOPIC, 4 BROKER.
        resource_type: i8 = (0..),
        /// Topic, broker id, or "" for the broker default.
        resource_name: String = (0..),
        /// The complete new set of overrides.
        config_entries: Vec<AlterableConfig> = (0..),
    }
}

message! {
    /// Replaces config overrides (non-incremental).
    AlterConfigsRequest {
        /// Resources.
        resources: Vec<AlterConfigsResource> = (0..),
        /// Only validate.
        validate_only: bool = (0..),
    }
}

message! {
    /// Result for one resource.
    AlterConfigsResourceResponse {
        /// Per-resource error.
        error_code: ErrorCode = (0..),
        /// Detail or null.
        error_message: Option<String> = (0.., null: 0.., def: None),
        /// As requested.
        resource_type: i8 = (0..),
        /// As requested.
        resource_name: String = (0..),
    }
}

message! {
    /// Config update results.
    AlterConfigsResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Per resource.
        resources: Vec<AlterConfigsResourceResponse> = (0..),
    }
}

api_message!(AlterConfigsRequest => AlterConfigs, AlterConfigsResponse => AlterConfigs);
