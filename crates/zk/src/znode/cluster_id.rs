//! `/cluster/id` (Kafka's `ClusterIdZNode`).
//!
//! * Path: `/cluster/id`, persistent.
//! * JSON: `{"version":"1","id":"4L6g3nShT-eMCtK--X86sw"}` — `version` is a JSON **string**.
//! * Id: a random UUID's 16 bytes (most significant half first) in URL-safe base64 without
//!   padding: 22 characters of `[A-Za-z0-9_-]`.
//! * Written by: the first broker that starts against an empty ZooKeeper (create-if-absent);
//!   every later broker reads it. The id is also written to each log dir's `meta.properties`, and
//!   a mismatch there stops the broker.
//! * After a crash: the znode is persistent and written once, so a crash between creating it and
//!   anything else leaves a valid id that the restarted broker reads back.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{i64_from_string_or_number, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::CLUSTER_ID_PATH;

/// The cluster id held by `/cluster/id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterId(pub String);

#[derive(Serialize)]
struct ClusterIdJsonOut<'a> {
    version: &'static str,
    id: &'a str,
}

#[derive(Deserialize)]
struct ClusterIdJsonIn {
    // Kafka never checks it on read; parsed only to reject a non-numeric version.
    #[serde(default, deserialize_with = "i64_from_string_or_number")]
    #[allow(dead_code)]
    version: i64,
    id: String,
}

impl ClusterId {
    /// A fresh id: URL-safe base64 (no padding) of a random v4 UUID's 16 bytes.
    pub fn generate() -> ClusterId {
        let uuid = uuid::Uuid::new_v4();
        ClusterId(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid.as_bytes()))
    }

    /// True when the id has the shape Kafka generates: 22 chars of the URL-safe alphabet that
    /// decode to 16 bytes.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 22
            && base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&self.0)
                .is_ok_and(|bytes| bytes.len() == 16)
    }

    /// The znode data: `{"version":"1","id":"..."}`.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&ClusterIdJsonOut {
            version: "1",
            id: &self.0,
        })
    }

    /// Parses the znode data; only `id` is required, as in Kafka.
    pub fn decode(bytes: &[u8]) -> Result<ClusterId, ZnodeError> {
        let json: ClusterIdJsonIn = parse_json(CLUSTER_ID_PATH, bytes)?;
        Ok(ClusterId(json.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_22_url_safe_chars_and_distinct() {
        let first = ClusterId::generate();
        let second = ClusterId::generate();
        assert!(first.is_well_formed(), "{first:?}");
        assert!(first
            .0
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(first, second);
    }

    #[test]
    fn parses_what_kafka_writes_and_writes_the_same_bytes() {
        let kafka = br#"{"version":"1","id":"4L6g3nShT-eMCtK--X86sw"}"#;
        let id = ClusterId::decode(kafka).unwrap();
        assert_eq!(id.0, "4L6g3nShT-eMCtK--X86sw");
        assert!(id.is_well_formed());
        assert_eq!(id.encode(), kafka.to_vec());
    }

    #[test]
    fn rejects_data_without_an_id() {
        assert!(ClusterId::decode(br#"{"version":"1"}"#).is_err());
        assert!(!ClusterId("short".into()).is_well_formed());
    }
}
