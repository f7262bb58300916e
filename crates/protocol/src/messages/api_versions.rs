//! ApiVersions (key 18), versions 0–3, flexible from 3 (§4.1). Responses always use response
//! header v0; see [`ApiVersionsResponse::unsupported_version`] for the KIP-511 fallback (§2).

use std::ops::RangeInclusive;

use crate::api_key::ApiKey;
use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Asks the broker which API versions it supports.
    ApiVersionsRequest {
        /// Client library name (v3+); must match Kafka's name pattern.
        client_software_name: String = (3..),
        /// Client library version (v3+).
        client_software_version: String = (3..),
    }
}

message! {
    /// One supported API and its version range.
    ApiVersionsResponseKey {
        /// API key.
        api_key: i16 = (0..),
        /// Lowest supported version.
        min_version: i16 = (0..),
        /// Highest supported version.
        max_version: i16 = (0..),
    }
}

message! {
    /// The broker's supported API versions.
    ApiVersionsResponse {
        /// Top-level error (0, 35, 42).
        error_code: ErrorCode = (0..),
        /// One entry per supported API, ascending by key.
        api_keys: Vec<ApiVersionsResponseKey> = (0..),
        /// Quota throttle; the LAST field of this body.
        throttle_time_ms: i32 = (1..),
    }
}

api_message!(ApiVersionsRequest => ApiVersions, ApiVersionsResponse => ApiVersions);

impl ApiVersionsResponse {
    /// A successful answer advertising `ranges`, sorted by key as 2.4.1 lists them.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (ApiKey, RangeInclusive<i16>)>) -> Self {
        let mut api_keys: Vec<ApiVersionsResponseKey> = ranges
            .into_iter()
            .map(|(key, versions)| ApiVersionsResponseKey {
                api_key: key.code(),
                min_version: *versions.start(),
                max_version: *versions.end(),
                ..Default::default()
            })
            .collect();
        api_keys.sort_by_key(|entry| entry.api_key);
        Self {
            api_keys,
            ..Default::default()
        }
    }

    /// Kafka 2.4.1's KIP-511 answer to an ApiVersions request above v3: encode it at version 0
    /// (error 35 UNSUPPORTED_VERSION and exactly one entry, ApiVersions 0..=`max_version`).
    pub fn unsupported_version(max_version: i16) -> Self {
        Self {
            error_code: ErrorCode::UnsupportedVersion,
            api_keys: vec![ApiVersionsResponseKey {
                api_key: ApiKey::ApiVersions.code(),
                min_version: 0,
                max_version,
                ..Default::default()
            }],
            ..Default::default()
        }
    }
}
