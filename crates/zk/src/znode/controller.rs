//! `/controller` and `/controller_epoch` (Kafka's `ControllerZNode`, `ControllerEpochZNode`).
//!
//! `/controller`:
//! * **ephemeral**; JSON version 1: `{"version":1,"brokerid":0,"timestamp":"1580000000000"}`
//!   (`timestamp` is a string of ms since the epoch).
//! * Written by: the broker that wins the election, in one multi-op with the epoch increment.
//! * After a crash: the znode vanishes with the controller's session; every broker watches it
//!   and runs a new election.
//!
//! `/controller_epoch`:
//! * persistent; plain ASCII decimal, no JSON (e.g. `1`). Created with `0` by the first would-be
//!   controller; each new controller increments it (the first elected controller has epoch 1).
//! * Its data version is the `epochZkVersion` that fences every controller write (a multi-op
//!   check on it); a controller whose check fails has been replaced and resigns.
//! * After a crash: persistent and only ever moved forward by a successful multi-op, so it
//!   never goes back.

use serde::{Deserialize, Serialize};

use super::{check_version, i64_as_string, i64_from_string_or_number, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::{CONTROLLER_EPOCH_PATH, CONTROLLER_PATH};

/// The active controller, as recorded in `/controller`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerInfo {
    /// The controller's broker id.
    pub broker_id: i32,
    /// When it was elected, ms since the Unix epoch.
    pub timestamp_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct ControllerJson {
    version: i64,
    brokerid: i32,
    #[serde(
        serialize_with = "i64_as_string",
        deserialize_with = "i64_from_string_or_number",
        default
    )]
    timestamp: i64,
}

impl ControllerInfo {
    /// Version-1 JSON in Kafka's key order.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&ControllerJson {
            version: 1,
            brokerid: self.broker_id,
            timestamp: self.timestamp_ms,
        })
    }

    /// Parses `/controller`.
    pub fn decode(bytes: &[u8]) -> Result<ControllerInfo, ZnodeError> {
        let json: ControllerJson = parse_json(CONTROLLER_PATH, bytes)?;
        check_version(CONTROLLER_PATH, json.version, 1..=1)?;
        Ok(ControllerInfo {
            broker_id: json.brokerid,
            timestamp_ms: json.timestamp,
        })
    }
}

/// The controller epoch held by `/controller_epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ControllerEpoch(pub i32);

impl ControllerEpoch {
    /// The value `/controller_epoch` is created with (Kafka's `InitialControllerEpoch - 1`).
    pub const INITIAL: ControllerEpoch = ControllerEpoch(0);

    /// Plain decimal text.
    pub fn encode(&self) -> Vec<u8> {
        self.0.to_string().into_bytes()
    }

    /// Parses the decimal text.
    pub fn decode(bytes: &[u8]) -> Result<ControllerEpoch, ZnodeError> {
        let invalid = |reason: String| ZnodeError::InvalidField {
            path: CONTROLLER_EPOCH_PATH.to_string(),
            field: "epoch",
            reason,
        };
        let text = std::str::from_utf8(bytes).map_err(|error| invalid(error.to_string()))?;
        text.trim()
            .parse()
            .map(ControllerEpoch)
            .map_err(|_| invalid(format!("'{text}' is not an integer")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_json_matches_kafka() {
        let kafka = br#"{"version":1,"brokerid":0,"timestamp":"1580000000000"}"#;
        let info = ControllerInfo::decode(kafka).unwrap();
        assert_eq!(
            info,
            ControllerInfo {
                broker_id: 0,
                timestamp_ms: 1_580_000_000_000
            }
        );
        assert_eq!(info.encode(), kafka.to_vec());
        let shuffled = br#"{"timestamp":"7","brokerid":3,"version":1}"#;
        assert_eq!(ControllerInfo::decode(shuffled).unwrap().broker_id, 3);
    }

    #[test]
    fn controller_epoch_is_plain_decimal() {
        assert_eq!(ControllerEpoch::decode(b"1").unwrap(), ControllerEpoch(1));
        assert_eq!(ControllerEpoch(42).encode(), b"42".to_vec());
        assert_eq!(ControllerEpoch::INITIAL.encode(), b"0".to_vec());
        assert!(ControllerEpoch::decode(b"{\"epoch\":1}").is_err());
        assert!(ControllerEpoch::decode(b"").is_err());
    }
}
