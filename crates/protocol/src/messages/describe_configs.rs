//! DescribeConfigs (key 32), versions 0–2, never flexible (§4.9).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A resource to describe.
    DescribeConfigsResource {
        /// 2 TOPIC, 4 BROKER, 8 BROKER_LOGGER.
        resource_type: i8 = (0..),
        /// Topic name or broker id.
        resource_name: String = (0..),
        /// Keys to return; null = all.
        config_names: Option<Vec<String>> = (0.., null: 0.., def: None),
    }
}

message! {
    /// Describes configs of topics and brokers.
    DescribeConfigsRequest {
        /// Resources.
        resources: Vec<DescribeConfigsResource> = (0..),
        /// Also return synonyms (v1+).
        include_synonyms: bool = (1..),
    }
}

message! {
    /// A synonym of a config (v1+).
    DescribeConfigsSynonym {
        /// Synonym key.
        config_name: String = (1..),
        /// Synonym value.
        config_value: Option<String> = (1.., null: 1.., def: None),
        /// Synonym source.
        config_source: i8 = (1..),
    }
}

message! {
    /// One config entry.
    DescribeConfigsResourceResult {
        /// Key.
        config_name: String = (0..),
        /// Value; null when sensitive.
        config_value: Option<String> = (0.., null: 0.., def: None),
        /// Cannot be changed dynamically.
        read_only: bool = (0..),
        /// Value is the default (v0 only).
        is_default: bool = (0..=0),
        /// Where the value comes from (v1+).
        config_source: i8 = (1.., def: -1),
        /// Password-like value.
        is_sensitive: bool = (0..),
        /// Synonyms (v1+).
        config_synonyms: Vec<DescribeConfigsSynonym> = (1..),
    }
}

message! {
    /// Result for one resource.
    DescribeConfigsResult {
        /// Per-resource error.
        error_code: ErrorCode = (0..),
        /// Detail or null.
        error_message: Option<String> = (0.., null: 0.., def: None),
        /// As requested.
        resource_type: i8 = (0..),
        /// As requested.
        resource_name: String = (0..),
        /// Config entries.
        config_entries: Vec<DescribeConfigsResourceResult> = (0..),
    }
}

message! {
    /// Config descriptions.
    DescribeConfigsResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Per resource.
        resources: Vec<DescribeConfigsResult> = (0..),
    }
}

api_message!(DescribeConfigsRequest => DescribeConfigs, DescribeConfigsResponse => DescribeConfigs);
