//! One type per Kafka znode with its JSON, as Kafka 2.4 writes and reads it (Kafka's `ZkData`).
//!
//! Writers emit compact JSON with Kafka's key order where it is cheap (serde field order, see
//! kafka-2.4.md §1.4); readers accept keys in any order, as Kafka's JSON parser does. Each file
//! documents its znode: path, JSON, who writes it and what happens after a crash. This module
//! does no I/O; `crate::client` reads and writes the bytes.

pub mod broker;
pub mod cluster_id;
pub mod config;
pub mod controller;
pub mod delete_topic;
pub mod isr_change;
pub mod partition_state;
pub mod producer_id_block;
pub mod topic;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ZnodeError;

/// Parses `bytes` (the data of znode `path`) as JSON into `T`.
pub(crate) fn parse_json<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, ZnodeError> {
    serde_json::from_slice(bytes).map_err(|source| ZnodeError::InvalidJson {
        path: path.to_string(),
        source,
    })
}

/// Serializes a znode value; our types only hold strings, integers, lists and string-keyed maps,
/// which serde_json always encodes.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes,
        // Unreachable for the types of this module: no map has non-string keys, no float is NaN.
        Err(error) => unreachable!("znode JSON encoding failed: {error}"),
    }
}

/// Fails unless `version` is one this reader understands.
pub(crate) fn check_version(
    path: &str,
    version: i64,
    supported: std::ops::RangeInclusive<i64>,
) -> Result<(), ZnodeError> {
    if supported.contains(&version) {
        Ok(())
    } else {
        Err(ZnodeError::UnsupportedVersion {
            path: path.to_string(),
            version,
        })
    }
}

/// An integer that Kafka writes as a JSON string (timestamps, producer-id block bounds, the
/// cluster id version) but that we also accept as a number, since the meaning is the same.
#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrInt {
    Int(i64),
    Str(String),
}

/// Deserializes an `i64` written either as `"123"` or `123`.
pub(crate) fn i64_from_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<i64, D::Error> {
    match StringOrInt::deserialize(deserializer)? {
        StringOrInt::Int(value) => Ok(value),
        StringOrInt::Str(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// Serializes an `i64` as a JSON string, as Kafka does for timestamps and block bounds.
pub(crate) fn i64_as_string<S: serde::Serializer>(
    value: &i64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Milliseconds since the Unix epoch, for the `timestamp` fields Kafka writes.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
