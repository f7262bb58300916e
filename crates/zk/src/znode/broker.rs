//! `/brokers/ids/<id>`: a broker's registration (Kafka's `BrokerIdZNode`).
//!
//! * Path: `/brokers/ids/<id>`, **ephemeral**: it lives as long as the broker's ZooKeeper
//!   session. The znode's `czxid` is the broker epoch the controller sends back in requests.
//! * JSON (version 4, Kafka's key order):
//!   `{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"host":"localhost","timestamp":"1580000000000","port":9092,"version":4}`
//!   with `"rack":"r1"` after `endpoints` when `broker.rack` is set. `host`/`port` are those of
//!   the first PLAINTEXT endpoint (`null`/`-1` if none); `timestamp` is a string.
//! * Written by: each broker for itself at start-up and after a session expiry, as one multi-op
//!   (create with no data, then set data expecting version 0).
//! * Read side: versions 1 to 4; version 1 has only `host`/`port` (implied PLAINTEXT), versions 2
//!   and 3 name endpoints by security protocol.
//! * After a crash: ZooKeeper deletes the znode when the session expires (after
//!   `zookeeper.session.timeout.ms`); the controller sees the child change and handles the
//!   broker as failed. A broker restarted before that finds its old znode and fails with
//!   "another broker with same id" unless the old session is gone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{check_version, i64_as_string, i64_from_string_or_number, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::broker_id_path;

/// The registration version Kafka 2.4 writes.
pub const BROKER_INFO_VERSION: i32 = 4;

/// One advertised listener of a broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndPoint {
    /// Listener name (`PLAINTEXT`, `INTERNAL`, ...), upper case.
    pub listener_name: String,
    /// Advertised host; a bare IPv6 address without brackets.
    pub host: String,
    /// Advertised port.
    pub port: i32,
    /// Security protocol name (`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`).
    pub security_protocol: String,
}

impl EndPoint {
    /// A PLAINTEXT listener named PLAINTEXT, the default.
    pub fn plaintext(host: impl Into<String>, port: i32) -> EndPoint {
        EndPoint {
            listener_name: "PLAINTEXT".to_string(),
            host: host.into(),
            port,
            security_protocol: "PLAINTEXT".to_string(),
        }
    }

    /// `LISTENER://host:port`, with an IPv6 host in brackets (Kafka's `connectionString`).
    pub fn connection_string(&self) -> String {
        if self.host.contains(':') {
            format!("{}://[{}]:{}", self.listener_name, self.host, self.port)
        } else {
            format!("{}://{}:{}", self.listener_name, self.host, self.port)
        }
    }

    /// Parses `LISTENER://host:port`; the protocol comes from `protocol_map` (version 4) or
    /// equals the listener name (versions 2 and 3).
    fn parse(
        url: &str,
        protocol_map: Option<&BTreeMap<String, String>>,
        path: &str,
    ) -> Result<EndPoint, ZnodeError> {
        let invalid = |reason: &str| ZnodeError::InvalidField {
            path: path.to_string(),
            field: "endpoints",
            reason: format!("{reason}: '{url}'"),
        };
        let (listener_name, address) = url.split_once("://").ok_or_else(|| invalid("no '://'"))?;
        let (host, port) = address.rsplit_once(':').ok_or_else(|| invalid("no port"))?;
        let port: i32 = port.parse().map_err(|_| invalid("port is not a number"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let security_protocol = match protocol_map {
            Some(map) => map
                .get(listener_name)
                .cloned()
                .ok_or_else(|| invalid("listener not in listener_security_protocol_map"))?,
            None => listener_name.to_string(),
        };
        Ok(EndPoint {
            listener_name: listener_name.to_string(),
            host: host.to_string(),
            port,
            security_protocol,
        })
    }
}

/// What a broker registers about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// `broker.id` (from the path; not in the JSON).
    pub broker_id: i32,
    /// Advertised listeners in configuration order.
    pub endpoints: Vec<EndPoint>,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
    /// JMX port, `-1` when JMX is off (always, for Gregor).
    pub jmx_port: i32,
    /// Registration time in ms since the Unix epoch.
    pub timestamp_ms: i64,
}

#[derive(Serialize)]
struct BrokerJsonOut<'a> {
    listener_security_protocol_map: BTreeMap<&'a str, &'a str>,
    endpoints: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rack: Option<&'a str>,
    jmx_port: i32,
    host: Option<&'a str>,
    #[serde(serialize_with = "i64_as_string")]
    timestamp: i64,
    port: i32,
    version: i32,
}

#[derive(Deserialize)]
struct BrokerJsonIn {
    version: i64,
    #[serde(default)]
    host: Option<String>,
    #[serde(default = "minus_one")]
    port: i32,
    #[serde(default)]
    endpoints: Option<Vec<String>>,
    #[serde(default)]
    listener_security_protocol_map: Option<BTreeMap<String, String>>,
    #[serde(default = "minus_one")]
    jmx_port: i32,
    #[serde(default, deserialize_with = "i64_from_string_or_number")]
    timestamp: i64,
    #[serde(default)]
    rack: Option<String>,
}

fn minus_one() -> i32 {
    -1
}

impl BrokerInfo {
    /// The znode path, `/brokers/ids/<id>`.
    pub fn path(&self) -> String {
        broker_id_path(self.broker_id)
    }

    /// Version-4 JSON in Kafka's key order.
    pub fn encode(&self) -> Vec<u8> {
        let plaintext = self
            .endpoints
            .iter()
            .find(|endpoint| endpoint.security_protocol == "PLAINTEXT");
        let json = BrokerJsonOut {
            listener_security_protocol_map: self
                .endpoints
                .iter()
                .map(|endpoint| {
                    (
                        endpoint.listener_name.as_str(),
                        endpoint.security_protocol.as_str(),
                    )
                })
                .collect(),
            endpoints: self
                .endpoints
                .iter()
                .map(EndPoint::connection_string)
                .collect(),
            rack: self.rack.as_deref(),
            jmx_port: self.jmx_port,
            host: plaintext.map(|endpoint| endpoint.host.as_str()),
            timestamp: self.timestamp_ms,
            port: plaintext.map_or(-1, |endpoint| endpoint.port),
            version: BROKER_INFO_VERSION,
        };
        to_json(&json)
    }

    /// Parses a registration of version 1 to 4 for broker `broker_id`.
    pub fn decode(broker_id: i32, bytes: &[u8]) -> Result<BrokerInfo, ZnodeError> {
        let path = broker_id_path(broker_id);
        let json: BrokerJsonIn = parse_json(&path, bytes)?;
        check_version(&path, json.version, 1..=4)?;
        let endpoints = match (json.version, json.endpoints) {
            (1, _) | (_, None) => match json.host {
                Some(host) => vec![EndPoint::plaintext(host, json.port)],
                None => Vec::new(),
            },
            (_, Some(urls)) => {
                let map = json.listener_security_protocol_map.as_ref();
                urls.iter()
                    .map(|url| EndPoint::parse(url, map, &path))
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(BrokerInfo {
            broker_id,
            endpoints,
            rack: json.rack,
            jmx_port: json.jmx_port,
            timestamp_ms: json.timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kafka-2.4.md §1.3's example, verbatim.
    const KAFKA_V4: &str = r#"{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"host":"localhost","timestamp":"1580000000000","port":9092,"version":4}"#;

    #[test]
    fn parses_kafka_v4_and_writes_identical_bytes() {
        let info = BrokerInfo::decode(0, KAFKA_V4.as_bytes()).unwrap();
        assert_eq!(info.endpoints, vec![EndPoint::plaintext("localhost", 9092)]);
        assert_eq!(info.timestamp_ms, 1_580_000_000_000);
        assert_eq!(info.jmx_port, -1);
        assert_eq!(info.rack, None);
        assert_eq!(String::from_utf8(info.encode()).unwrap(), KAFKA_V4);
    }

    #[test]
    fn rack_is_written_right_after_endpoints() {
        let mut info = BrokerInfo::decode(0, KAFKA_V4.as_bytes()).unwrap();
        info.rack = Some("r1".into());
        let text = String::from_utf8(info.encode()).unwrap();
        assert!(
            text.contains(
                r#""endpoints":["PLAINTEXT://localhost:9092"],"rack":"r1","jmx_port":-1"#
            ),
            "{text}"
        );
        assert_eq!(
            BrokerInfo::decode(0, text.as_bytes())
                .unwrap()
                .rack
                .as_deref(),
            Some("r1")
        );
    }

    #[test]
    fn parses_named_listeners_ipv6_and_any_key_order() {
        let json = r#"{"version":4,"port":-1,"host":null,"timestamp":"5","jmx_port":-1,
            "endpoints":["INTERNAL://[::1]:9093","EXTERNAL://h:9094"],
            "listener_security_protocol_map":{"INTERNAL":"SSL","EXTERNAL":"SASL_PLAINTEXT"}}"#;
        let info = BrokerInfo::decode(7, json.as_bytes()).unwrap();
        assert_eq!(info.endpoints[0].host, "::1");
        assert_eq!(info.endpoints[0].security_protocol, "SSL");
        assert_eq!(
            info.endpoints[0].connection_string(),
            "INTERNAL://[::1]:9093"
        );
        assert_eq!(info.endpoints[1].security_protocol, "SASL_PLAINTEXT");
        // No PLAINTEXT endpoint: host null, port -1.
        let text = String::from_utf8(info.encode()).unwrap();
        assert!(
            text.contains(r#""host":null"#) && text.contains(r#""port":-1"#),
            "{text}"
        );
    }

    #[test]
    fn parses_version_1_and_2() {
        let v1 = BrokerInfo::decode(1, br#"{"version":1,"host":"h","port":9092}"#).unwrap();
        assert_eq!(v1.endpoints, vec![EndPoint::plaintext("h", 9092)]);
        let v2 = br#"{"version":2,"host":"h","port":9092,"jmx_port":-1,"timestamp":"1","endpoints":["SSL://h:9093"]}"#;
        let v2 = BrokerInfo::decode(1, v2).unwrap();
        assert_eq!(v2.endpoints[0].security_protocol, "SSL");
    }

    #[test]
    fn rejects_unknown_versions_and_bad_endpoints() {
        assert!(matches!(
            BrokerInfo::decode(1, br#"{"version":5,"host":"h","port":1}"#),
            Err(ZnodeError::UnsupportedVersion { version: 5, .. })
        ));
        let bad =
            br#"{"version":4,"endpoints":["PLAINTEXT//h:1"],"listener_security_protocol_map":{}}"#;
        assert!(matches!(
            BrokerInfo::decode(1, bad),
            Err(ZnodeError::InvalidField { .. })
        ));
    }
}
