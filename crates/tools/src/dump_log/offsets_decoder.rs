//! `--offsets-decoder`: records of `__consumer_offsets` as Kafka 2.4's
//! `DumpLogSegments.OffsetsMessageParser` prints them. An offset commit is
//! `key: offset::<group>:<topic>:<partition> payload: <offset>[:<metadata>]`; group metadata is
//! `key: {"metadata":"<group>"}` with a JSON payload of protocol type, protocol, generation and
//! each member's assignment. Tombstones (null values) print neither key nor payload.

use gregor_client::group::{Assignment, CONSUMER_PROTOCOL_TYPE};
use gregor_coordinator::records::{GroupValue, OffsetValue, RecordKey};

/// The ` key: ... payload: ...` text of one record, `None` when Kafka prints nothing (a
/// tombstone) or the record is not one of `__consumer_offsets` (Kafka throws there; this
/// prints the record without contents instead).
pub fn key_and_payload(key: Option<&[u8]>, value: Option<&[u8]>) -> Option<(String, String)> {
    let value = value?;
    match RecordKey::decode(key?).ok()? {
        RecordKey::Offset {
            group,
            topic,
            partition,
        } => {
            let offset = OffsetValue::decode(value).ok()?;
            let payload = if offset.metadata.is_empty() {
                offset.offset.to_string()
            } else {
                format!("{}:{}", offset.offset, offset.metadata)
            };
            Some((format!("offset::{group}:{topic}:{partition}"), payload))
        }
        RecordKey::Group { group } => {
            let metadata = GroupValue::decode(value).ok()?;
            Some((
                format!("{{\"metadata\":{}}}", json(&group)),
                group_payload(&metadata),
            ))
        }
    }
}

/// The JSON Kafka builds from a Scala `Map` of four entries (insertion order).
fn group_payload(group: &GroupValue) -> String {
    let assignment: Vec<String> = group
        .members
        .iter()
        .map(|m| {
            let decoded = (group.protocol_type == CONSUMER_PROTOCOL_TYPE)
                .then(|| Assignment::decode(&m.assignment).ok())
                .flatten();
            match decoded {
                Some(a) => {
                    let partitions: Vec<String> = a
                        .partitions
                        .iter()
                        .flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}")))
                        .collect();
                    let user_data = a.user_data.as_deref().map(hex).unwrap_or_default();
                    if user_data.is_empty() {
                        format!("{}=[{}]", m.member_id, partitions.join(", "))
                    } else {
                        format!("{}=[{}]:{user_data}", m.member_id, partitions.join(", "))
                    }
                }
                None => format!("{}={}", m.member_id, hex(&m.assignment)),
            }
        })
        .collect();
    format!(
        "{{\"protocolType\":{},\"protocol\":{},\"generationId\":{},\"assignment\":{}}}",
        json(&group.protocol_type),
        group.protocol.as_deref().map_or("null".to_string(), json),
        group.generation,
        json(&format!("{{{}}}", assignment.join(",")))
    )
}

/// A JSON string literal.
fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Kafka's `"%X".format(BigInt(1, bytes))`: upper-case hex without leading zeros, "" for none.
fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let digits: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use gregor_coordinator::records::MemberValue;

    #[test]
    fn offsets_print_as_kafka_2_4_does() {
        let key = RecordKey::Offset {
            group: "g".into(),
            topic: "t".into(),
            partition: 3,
        }
        .encode()
        .unwrap();
        let mut value = OffsetValue {
            offset: 42,
            leader_epoch: -1,
            metadata: String::new(),
            commit_timestamp: 0,
            expire_timestamp: None,
        };
        let plain = value.encode().unwrap();
        assert_eq!(
            key_and_payload(Some(&key), Some(&plain)),
            Some(("offset::g:t:3".to_string(), "42".to_string()))
        );
        value.metadata = "m".into();
        let with_metadata = value.encode().unwrap();
        assert_eq!(
            key_and_payload(Some(&key), Some(&with_metadata)).unwrap().1,
            "42:m"
        );
        assert_eq!(key_and_payload(Some(&key), None), None);
    }

    #[test]
    fn group_metadata_prints_members_assignments() {
        let mut assignment = Assignment::default();
        assignment.partitions.insert("first".into(), vec![0, 1]);
        let group = GroupValue {
            protocol_type: "consumer".into(),
            generation: 2,
            protocol: Some("range".into()),
            leader: Some("m-1".into()),
            current_state_timestamp: Some(0),
            members: vec![MemberValue {
                member_id: "m-1".into(),
                group_instance_id: None,
                client_id: "c".into(),
                client_host: "/127.0.0.1".into(),
                rebalance_timeout_ms: 1,
                session_timeout_ms: 1,
                subscription: Bytes::new(),
                assignment: assignment.encode(),
            }],
        };
        let key = RecordKey::Group { group: "g".into() }.encode().unwrap();
        let (k, payload) = key_and_payload(Some(&key), Some(&group.encode().unwrap())).unwrap();
        assert_eq!(k, r#"{"metadata":"g"}"#);
        assert_eq!(
            payload,
            r#"{"protocolType":"consumer","protocol":"range","generationId":2,"assignment":"{m-1=[first-0, first-1]}"}"#
        );
        let empty = GroupValue {
            protocol: None,
            members: Vec::new(),
            ..group
        };
        let (_, payload) = key_and_payload(Some(&key), Some(&empty.encode().unwrap())).unwrap();
        assert_eq!(
            payload,
            r#"{"protocolType":"consumer","protocol":null,"generationId":2,"assignment":"{}"}"#
        );
        assert_eq!(hex(&[0x00, 0x0A, 0xFF]), "AFF");
    }
}
