//! Keys and values of `__consumer_offsets` records in Kafka's "Struct" encoding (big-endian;
//! STRING = int16 length + UTF-8, NULLABLE_STRING with -1 for null, BYTES = int32 length,
//! ARRAY = int32 count), each starting with an int16 schema version (kafka-2.4.md §6.2).
//!
//! Kafka 2.4 writes offset keys at version 1, group keys at version 2, offset values at
//! version 3 (version 1 when the commit carried an explicit retention time) and group values at
//! version 3. Every version 2.4 can read is read here.

use bytes::Bytes;

/// A record that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The bytes end before the schema does.
    #[error("record ended early while reading {0}")]
    Truncated(&'static str),
    /// A schema version this broker does not know.
    #[error("unknown {kind} schema version {version}")]
    UnknownVersion {
        /// Key, offset value or group value.
        kind: &'static str,
        /// The version read.
        version: i16,
    },
    /// A string that is not UTF-8, a negative length, or a string too long to encode.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// The key of a `__consumer_offsets` record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordKey {
    /// Key versions 0 and 1: a committed offset.
    Offset {
        /// Group id.
        group: String,
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
    },
    /// Key version 2: the group's metadata.
    Group {
        /// Group id.
        group: String,
    },
}

impl RecordKey {
    /// The group the record belongs to.
    pub fn group(&self) -> &str {
        match self {
            RecordKey::Offset { group, .. } | RecordKey::Group { group } => group,
        }
    }

    /// Encodes the key as Kafka 2.4 writes it (offset keys v1, group keys v2).
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let mut out = Writer::default();
        match self {
            RecordKey::Offset {
                group,
                topic,
                partition,
            } => {
                out.i16(1);
                out.string(group)?;
                out.string(topic)?;
                out.i32(*partition);
            }
            RecordKey::Group { group } => {
                out.i16(2);
                out.string(group)?;
            }
        }
        Ok(out.0)
    }

    /// Decodes any key version.
    pub fn decode(bytes: &[u8]) -> Result<RecordKey, RecordError> {
        let mut r = Reader(bytes);
        match r.i16("key version")? {
            0 | 1 => Ok(RecordKey::Offset {
                group: r.string("group")?,
                topic: r.string("topic")?,
                partition: r.i32("partition")?,
            }),
            2 => Ok(RecordKey::Group {
                group: r.string("group")?,
            }),
            version => Err(RecordError::UnknownVersion {
                kind: "key",
                version,
            }),
        }
    }
}

/// A committed offset (Kafka's `OffsetAndMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetValue {
    /// The committed offset.
    pub offset: i64,
    /// Leader epoch of the committed record, -1 when unknown (value v3).
    pub leader_epoch: i32,
    /// Client metadata ("" when none).
    pub metadata: String,
    /// When the commit was made (ms).
    pub commit_timestamp: i64,
    /// Explicit expiry from the commit's retention time (values v1); `None` = broker retention.
    pub expire_timestamp: Option<i64>,
}

impl OffsetValue {
    /// Encodes as Kafka 2.4 does: v1 when an expiry is set, else v3.
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let mut out = Writer::default();
        match self.expire_timestamp {
            Some(expire) => {
                out.i16(1);
                out.i64(self.offset);
                out.string(&self.metadata)?;
                out.i64(self.commit_timestamp);
                out.i64(expire);
            }
            None => {
                out.i16(3);
                out.i64(self.offset);
                out.i32(self.leader_epoch);
                out.string(&self.metadata)?;
                out.i64(self.commit_timestamp);
            }
        }
        Ok(out.0)
    }

    /// Decodes value versions 0–3.
    pub fn decode(bytes: &[u8]) -> Result<OffsetValue, RecordError> {
        let mut r = Reader(bytes);
        let version = r.i16("offset value version")?;
        let offset = r.i64("offset")?;
        let (leader_epoch, metadata, commit_timestamp, expire_timestamp) = match version {
            0 | 2 => (-1, r.string("metadata")?, r.i64("commit_timestamp")?, None),
            1 => (
                -1,
                r.string("metadata")?,
                r.i64("commit_timestamp")?,
                Some(r.i64("expire_timestamp")?),
            ),
            3 => (
                r.i32("leader_epoch")?,
                r.string("metadata")?,
                r.i64("commit_timestamp")?,
                None,
            ),
            version => {
                return Err(RecordError::UnknownVersion {
                    kind: "offset value",
                    version,
                })
            }
        };
        Ok(OffsetValue {
            offset,
            leader_epoch,
            metadata,
            commit_timestamp,
            expire_timestamp,
        })
    }
}

/// One member inside a group metadata value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberValue {
    /// Member id.
    pub member_id: String,
    /// Static membership id (v3+).
    pub group_instance_id: Option<String>,
    /// The member's client id.
    pub client_id: String,
    /// The member's host, as `/127.0.0.1`.
    pub client_host: String,
    /// Rebalance timeout (v1+; v0 reads the session timeout here).
    pub rebalance_timeout_ms: i32,
    /// Session timeout.
    pub session_timeout_ms: i32,
    /// The member's metadata for the selected protocol.
    pub subscription: Bytes,
    /// What the leader assigned it.
    pub assignment: Bytes,
}

/// A group's metadata (Kafka's group metadata value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupValue {
    /// e.g. `consumer`; "" when none.
    pub protocol_type: String,
    /// Generation.
    pub generation: i32,
    /// Selected protocol (assignor).
    pub protocol: Option<String>,
    /// Leader member id.
    pub leader: Option<String>,
    /// When the group entered its state (v2+; `None` if absent or -1).
    pub current_state_timestamp: Option<i64>,
    /// Members with their assignments.
    pub members: Vec<MemberValue>,
}

impl GroupValue {
    /// Encodes as value version 3, as Kafka 2.4 does.
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let mut out = Writer::default();
        out.i16(3);
        out.string(&self.protocol_type)?;
        out.i32(self.generation);
        out.nullable_string(self.protocol.as_deref())?;
        out.nullable_string(self.leader.as_deref())?;
        out.i64(self.current_state_timestamp.unwrap_or(-1));
        out.array_len(self.members.len())?;
        for m in &self.members {
            out.string(&m.member_id)?;
            out.nullable_string(m.group_instance_id.as_deref())?;
            out.string(&m.client_id)?;
            out.string(&m.client_host)?;
            out.i32(m.rebalance_timeout_ms);
            out.i32(m.session_timeout_ms);
            out.bytes(&m.subscription)?;
            out.bytes(&m.assignment)?;
        }
        Ok(out.0)
    }

    /// Decodes value versions 0–3.
    pub fn decode(bytes: &[u8]) -> Result<GroupValue, RecordError> {
        let mut r = Reader(bytes);
        let version = r.i16("group value version")?;
        if !(0..=3).contains(&version) {
            return Err(RecordError::UnknownVersion {
                kind: "group value",
                version,
            });
        }
        let protocol_type = r.string("protocol_type")?;
        let generation = r.i32("generation")?;
        let protocol = r.nullable_string("protocol")?;
        let leader = r.nullable_string("leader")?;
        let current_state_timestamp = if version >= 2 {
            Some(r.i64("current_state_timestamp")?).filter(|t| *t != -1)
        } else {
            None
        };
        let count = r.i32("members")?;
        let count = usize::try_from(count).map_err(|_| RecordError::Invalid("member count"))?;
        let mut members = Vec::with_capacity(count.min(r.0.len()));
        for _ in 0..count {
            let member_id = r.string("member_id")?;
            let group_instance_id = if version >= 3 {
                r.nullable_string("group_instance_id")?
            } else {
                None
            };
            let client_id = r.string("client_id")?;
            let client_host = r.string("client_host")?;
            let rebalance = if version >= 1 {
                Some(r.i32("rebalance_timeout")?)
            } else {
                None
            };
            let session_timeout_ms = r.i32("session_timeout")?;
            members.push(MemberValue {
                member_id,
                group_instance_id,
                client_id,
                client_host,
                rebalance_timeout_ms: rebalance.unwrap_or(session_timeout_ms),
                session_timeout_ms,
                subscription: r.bytes("subscription")?,
                assignment: r.bytes("assignment")?,
            });
        }
        Ok(GroupValue {
            protocol_type,
            generation,
            protocol,
            leader,
            current_state_timestamp,
            members,
        })
    }
}

/// The topic names of a consumer-protocol Subscription (kafka-2.4.md §6.4: int16 version, then
/// an array of strings); the broker reads nothing else of it. A truncated or malformed list
/// yields the names before the fault.
pub fn subscription_topics(subscription: &[u8]) -> Vec<String> {
    let mut r = Reader(subscription);
    let mut topics = Vec::new();
    let Ok(count) = r.i16("version").and_then(|_| r.i32("topics")) else {
        return topics;
    };
    for _ in 0..count.max(0) {
        match r.string("topic") {
            Ok(topic) => topics.push(topic),
            Err(_) => break,
        }
    }
    topics
}

/// Big-endian writer of Kafka's Struct types.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn i16(&mut self, v: i16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn string(&mut self, s: &str) -> Result<(), RecordError> {
        let len = i16::try_from(s.len()).map_err(|_| RecordError::Invalid("string length"))?;
        self.i16(len);
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn nullable_string(&mut self, s: Option<&str>) -> Result<(), RecordError> {
        match s {
            Some(s) => self.string(s),
            None => {
                self.i16(-1);
                Ok(())
            }
        }
    }

    fn array_len(&mut self, len: usize) -> Result<(), RecordError> {
        let len = i32::try_from(len).map_err(|_| RecordError::Invalid("array length"))?;
        self.i32(len);
        Ok(())
    }

    fn bytes(&mut self, b: &[u8]) -> Result<(), RecordError> {
        self.array_len(b.len())?;
        self.0.extend_from_slice(b);
        Ok(())
    }
}

/// Reader over Kafka's Struct types; every length is checked against what remains.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&[u8], RecordError> {
        if self.0.len() < n {
            return Err(RecordError::Truncated(what));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], RecordError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn i16(&mut self, what: &'static str) -> Result<i16, RecordError> {
        Ok(i16::from_be_bytes(self.array(what)?))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, RecordError> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    fn i64(&mut self, what: &'static str) -> Result<i64, RecordError> {
        Ok(i64::from_be_bytes(self.array(what)?))
    }

    fn nullable_string(&mut self, what: &'static str) -> Result<Option<String>, RecordError> {
        let len = self.i16(what)?;
        if len < 0 {
            return Ok(None);
        }
        let raw = self.take(usize::from(len.unsigned_abs()), what)?;
        String::from_utf8(raw.to_vec())
            .map(Some)
            .map_err(|_| RecordError::Invalid(what))
    }

    fn string(&mut self, what: &'static str) -> Result<String, RecordError> {
        self.nullable_string(what)?
            .ok_or(RecordError::Invalid(what))
    }

    fn bytes(&mut self, what: &'static str) -> Result<Bytes, RecordError> {
        let len = self.i32(what)?;
        let len = usize::try_from(len).map_err(|_| RecordError::Invalid(what))?;
        Ok(Bytes::copy_from_slice(self.take(len, what)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_key_is_version_1_group_string_topic_string_partition() {
        let key = RecordKey::Offset {
            group: "g".into(),
            topic: "t".into(),
            partition: 2,
        };
        let bytes = key.encode().unwrap();
        assert_eq!(bytes, [0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 2]);
        assert_eq!(RecordKey::decode(&bytes).unwrap(), key);
        // Version 0 keys read the same fields.
        let mut v0 = bytes.clone();
        v0[1] = 0;
        assert_eq!(RecordKey::decode(&v0).unwrap(), key);
    }

    #[test]
    fn group_key_is_version_2() {
        let key = RecordKey::Group { group: "my".into() };
        let bytes = key.encode().unwrap();
        assert_eq!(bytes, [0, 2, 0, 2, b'm', b'y']);
        assert_eq!(RecordKey::decode(&bytes).unwrap(), key);
        assert!(matches!(
            RecordKey::decode(&[0, 3, 0, 0]),
            Err(RecordError::UnknownVersion { version: 3, .. })
        ));
    }

    #[test]
    fn offset_value_v3_layout() {
        let value = OffsetValue {
            offset: 7,
            leader_epoch: 4,
            metadata: "m".into(),
            commit_timestamp: 9,
            expire_timestamp: None,
        };
        let bytes = value.encode().unwrap();
        let mut expected = vec![0, 3];
        expected.extend_from_slice(&7i64.to_be_bytes());
        expected.extend_from_slice(&4i32.to_be_bytes());
        expected.extend_from_slice(&[0, 1, b'm']);
        expected.extend_from_slice(&9i64.to_be_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(OffsetValue::decode(&bytes).unwrap(), value);
    }

    #[test]
    fn offset_value_with_expiry_is_v1_and_older_versions_read() {
        let value = OffsetValue {
            offset: 1,
            leader_epoch: -1,
            metadata: String::new(),
            commit_timestamp: 100,
            expire_timestamp: Some(200),
        };
        let bytes = value.encode().unwrap();
        assert_eq!(&bytes[..2], &[0, 1]);
        assert_eq!(bytes.len(), 2 + 8 + 2 + 8 + 8);
        assert_eq!(OffsetValue::decode(&bytes).unwrap(), value);
        // v0 and v2: offset, metadata, timestamp.
        let mut v2 = vec![0, 2];
        v2.extend_from_slice(&5i64.to_be_bytes());
        v2.extend_from_slice(&[0, 0]);
        v2.extend_from_slice(&6i64.to_be_bytes());
        let decoded = OffsetValue::decode(&v2).unwrap();
        assert_eq!((decoded.offset, decoded.commit_timestamp), (5, 6));
        assert_eq!(decoded.leader_epoch, -1);
        assert!(OffsetValue::decode(&v2[..10]).is_err());
    }

    fn member(id: &str) -> MemberValue {
        MemberValue {
            member_id: id.into(),
            group_instance_id: Some("i".into()),
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            rebalance_timeout_ms: 300_000,
            session_timeout_ms: 10_000,
            subscription: Bytes::from_static(&[1, 2]),
            assignment: Bytes::from_static(&[3]),
        }
    }

    #[test]
    fn group_value_v3_round_trips_and_empty_group_has_null_protocol() {
        let value = GroupValue {
            protocol_type: "consumer".into(),
            generation: 3,
            protocol: Some("range".into()),
            leader: Some("m1".into()),
            current_state_timestamp: Some(1234),
            members: vec![member("m1"), member("m2")],
        };
        let bytes = value.encode().unwrap();
        assert_eq!(&bytes[..2], &[0, 3]);
        assert_eq!(GroupValue::decode(&bytes).unwrap(), value);
        let empty = GroupValue {
            protocol: None,
            leader: None,
            members: Vec::new(),
            ..value
        };
        let bytes = empty.encode().unwrap();
        // version, "consumer", generation, null protocol, null leader, timestamp, 0 members
        assert_eq!(bytes.len(), 2 + 10 + 4 + 2 + 2 + 8 + 4);
        assert_eq!(GroupValue::decode(&bytes).unwrap(), empty);
    }

    #[test]
    fn group_value_v0_uses_session_timeout_as_rebalance_timeout() {
        let mut v0 = vec![0, 0];
        v0.extend_from_slice(&[0, 0]); // protocol type ""
        v0.extend_from_slice(&1i32.to_be_bytes());
        v0.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]); // null protocol, null leader
        v0.extend_from_slice(&1i32.to_be_bytes());
        v0.extend_from_slice(&[0, 1, b'm', 0, 1, b'c', 0, 1, b'h']);
        v0.extend_from_slice(&6000i32.to_be_bytes());
        v0.extend_from_slice(&0i32.to_be_bytes());
        v0.extend_from_slice(&0i32.to_be_bytes());
        let g = GroupValue::decode(&v0).unwrap();
        assert_eq!(g.members[0].rebalance_timeout_ms, 6000);
        assert_eq!(g.members[0].group_instance_id, None);
        assert_eq!(g.current_state_timestamp, None);
    }

    #[test]
    fn subscription_topics_are_read_up_to_a_fault() {
        let mut v1 = vec![0, 1, 0, 0, 0, 2, 0, 1, b'a', 0, 2, b'b', b'c'];
        v1.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        assert_eq!(subscription_topics(&v1), ["a", "bc"]);
        assert_eq!(subscription_topics(&v1[..10]), ["a"]);
        assert!(subscription_topics(b"subscription").is_empty());
    }

    #[test]
    fn hostile_lengths_fail_without_allocating() {
        let mut bad = vec![0, 3, 0, 0];
        bad.extend_from_slice(&0i32.to_be_bytes());
        bad.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        bad.extend_from_slice(&(-1i64).to_be_bytes());
        bad.extend_from_slice(&i32::MAX.to_be_bytes());
        assert!(GroupValue::decode(&bad).is_err());
        assert!(RecordKey::decode(&[0, 1, 0x7f, 0xff]).is_err());
        assert!(RecordKey::decode(&[]).is_err());
    }
}
