//! The consumer's embedded protocol (§6.4, Kafka's `ConsumerProtocol`): the Subscription a member
//! puts in its JoinGroup metadata and the Assignment the leader hands out through SyncGroup.
//! The broker never parses these bytes; members and the admin tools do. Pure code, no I/O.
//!
//! Both start with an INT16 version. 2.4 clients write version 1; readers take any version ≥ 0
//! and read a higher one as version 1, since later versions only append fields.
//!
//! ```text
//! Subscription: version INT16, topics [STRING], user_data NULLABLE_BYTES,
//!               owned_partitions [topic STRING, partitions [INT32]]   (version 1+)
//! Assignment:   version INT16, partitions [topic STRING, partitions [INT32]],
//!               user_data NULLABLE_BYTES
//! ```

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};

/// JoinGroup `protocol_type` of consumers.
pub const CONSUMER_PROTOCOL_TYPE: &str = "consumer";

/// The embedded-protocol version 2.4 clients write.
pub const CONSUMER_PROTOCOL_VERSION: i16 = 1;

/// Partitions by topic, topics in name order, partitions as listed.
pub type TopicPartitions = BTreeMap<String, Vec<i32>>;

/// Why embedded-protocol bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddedProtocolError {
    /// The bytes end before a field does.
    #[error("consumer protocol bytes end before {0}")]
    Truncated(&'static str),
    /// A length or count is negative where Kafka forbids it, or the version is negative.
    #[error("invalid {0} in consumer protocol bytes")]
    Invalid(&'static str),
    /// A string is not UTF-8.
    #[error("consumer protocol string is not UTF-8")]
    NotUtf8,
}

/// What a member subscribes to (JoinGroup metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Assignor-specific data; `None` (length -1) for range and roundrobin.
    pub user_data: Option<Bytes>,
    /// Partitions the member owns (cooperative protocols; empty for the eager range assignor).
    pub owned_partitions: TopicPartitions,
}

/// What the leader assigned to a member (SyncGroup assignment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// Assigned partitions.
    pub partitions: TopicPartitions,
    /// Assignor-specific data; `None` for range and roundrobin.
    pub user_data: Option<Bytes>,
}

impl Subscription {
    /// Version 1 bytes.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        out.put_i16(CONSUMER_PROTOCOL_VERSION);
        put_count(&mut out, self.topics.len());
        for topic in &self.topics {
            put_string(&mut out, topic);
        }
        put_nullable_bytes(&mut out, self.user_data.as_deref());
        put_topic_partitions(&mut out, &self.owned_partitions);
        out.freeze()
    }

    /// Reads any version (version 0 has no owned partitions).
    pub fn decode(bytes: &[u8]) -> Result<Subscription, EmbeddedProtocolError> {
        let mut reader = Reader { bytes };
        let version = reader.version()?;
        let count = reader.count("topic count")?;
        let mut topics = Vec::new();
        for _ in 0..count {
            topics.push(reader.string()?);
        }
        let user_data = reader.nullable_bytes()?;
        let owned_partitions = if version >= 1 {
            reader.topic_partitions()?
        } else {
            TopicPartitions::new()
        };
        Ok(Subscription {
            topics,
            user_data,
            owned_partitions,
        })
    }
}

impl Assignment {
    /// Version 1 bytes.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        out.put_i16(CONSUMER_PROTOCOL_VERSION);
        put_topic_partitions(&mut out, &self.partitions);
        put_nullable_bytes(&mut out, self.user_data.as_deref());
        out.freeze()
    }

    /// Reads any version. Empty bytes (what the coordinator hands a member the leader left
    /// out, and what DescribeGroups shows outside Stable) are an empty assignment.
    pub fn decode(bytes: &[u8]) -> Result<Assignment, EmbeddedProtocolError> {
        if bytes.is_empty() {
            return Ok(Assignment::default());
        }
        let mut reader = Reader { bytes };
        reader.version()?;
        let partitions = reader.topic_partitions()?;
        let user_data = reader.nullable_bytes()?;
        Ok(Assignment {
            partitions,
            user_data,
        })
    }

    /// Number of assigned partitions.
    pub fn partition_count(&self) -> usize {
        self.partitions.values().map(Vec::len).sum()
    }
}

fn put_count(out: &mut BytesMut, count: usize) {
    out.put_i32(i32::try_from(count).unwrap_or(i32::MAX));
}

fn put_string(out: &mut BytesMut, text: &str) {
    out.put_i16(i16::try_from(text.len()).unwrap_or(i16::MAX));
    out.put_slice(text.as_bytes());
}

fn put_nullable_bytes(out: &mut BytesMut, bytes: Option<&[u8]>) {
    match bytes {
        None => out.put_i32(-1),
        Some(bytes) => {
            put_count(out, bytes.len());
            out.put_slice(bytes);
        }
    }
}

fn put_topic_partitions(out: &mut BytesMut, partitions: &TopicPartitions) {
    put_count(out, partitions.len());
    for (topic, ids) in partitions {
        put_string(out, topic);
        put_count(out, ids.len());
        for id in ids {
            out.put_i32(*id);
        }
    }
}

/// A bounds-checked big-endian reader over the remaining bytes.
struct Reader<'a> {
    /// What is left to read.
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], EmbeddedProtocolError> {
        if self.bytes.len() < n {
            return Err(EmbeddedProtocolError::Truncated(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn i16(&mut self, what: &'static str) -> Result<i16, EmbeddedProtocolError> {
        let raw = self.take(2, what)?;
        Ok(i16::from_be_bytes([raw[0], raw[1]]))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, EmbeddedProtocolError> {
        let raw = self.take(4, what)?;
        Ok(i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]))
    }

    fn version(&mut self) -> Result<i16, EmbeddedProtocolError> {
        let version = self.i16("version")?;
        if version < 0 {
            return Err(EmbeddedProtocolError::Invalid("version"));
        }
        Ok(version)
    }

    /// An array count, checked against the bytes left (each element takes at least 2 bytes)
    /// before anything is allocated.
    fn count(&mut self, what: &'static str) -> Result<usize, EmbeddedProtocolError> {
        let count =
            usize::try_from(self.i32(what)?).map_err(|_| EmbeddedProtocolError::Invalid(what))?;
        if count > self.bytes.len() / 2 {
            return Err(EmbeddedProtocolError::Truncated(what));
        }
        Ok(count)
    }

    fn string(&mut self) -> Result<String, EmbeddedProtocolError> {
        let length = usize::try_from(self.i16("string length")?)
            .map_err(|_| EmbeddedProtocolError::Invalid("string length"))?;
        let raw = self.take(length, "string")?;
        String::from_utf8(raw.to_vec()).map_err(|_| EmbeddedProtocolError::NotUtf8)
    }

    fn nullable_bytes(&mut self) -> Result<Option<Bytes>, EmbeddedProtocolError> {
        let length = self.i32("user data length")?;
        if length < 0 {
            return Ok(None);
        }
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        Ok(Some(Bytes::copy_from_slice(
            self.take(length, "user data")?,
        )))
    }

    fn topic_partitions(&mut self) -> Result<TopicPartitions, EmbeddedProtocolError> {
        let topics = self.count("topic count")?;
        let mut partitions = TopicPartitions::new();
        for _ in 0..topics {
            let topic = self.string()?;
            let count = self.count("partition count")?;
            let mut ids = Vec::with_capacity(count);
            for _ in 0..count {
                ids.push(self.i32("partition")?);
            }
            partitions.entry(topic).or_default().extend(ids);
        }
        Ok(partitions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_bytes_match_the_reference_example() {
        // §6.4: member subscribed to `first`, version 1, nothing owned.
        let subscription = Subscription {
            topics: vec!["first".to_string()],
            ..Default::default()
        };
        let expected: &[u8] = &[
            0, 1, 0, 0, 0, 1, 0, 5, b'f', b'i', b'r', b's', b't', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0,
            0,
        ];
        assert_eq!(subscription.encode().as_ref(), expected);
        assert_eq!(Subscription::decode(expected).unwrap(), subscription);
    }

    #[test]
    fn version_0_subscriptions_have_no_owned_partitions() {
        // What a 2.3 client sends: version 0, topics, null user data, nothing after.
        let bytes: &[u8] = &[0, 0, 0, 0, 0, 1, 0, 1, b't', 0xFF, 0xFF, 0xFF, 0xFF];
        let subscription = Subscription::decode(bytes).unwrap();
        assert_eq!(subscription.topics, vec!["t".to_string()]);
        assert!(subscription.owned_partitions.is_empty());
    }

    #[test]
    fn assignments_round_trip_and_empty_bytes_mean_nothing_assigned() {
        let mut partitions = TopicPartitions::new();
        partitions.insert("t0".to_string(), vec![0, 1]);
        partitions.insert("t1".to_string(), vec![2]);
        let assignment = Assignment {
            partitions,
            user_data: None,
        };
        let bytes = assignment.encode();
        assert_eq!(&bytes[..2], &[0, 1], "version 1");
        assert_eq!(Assignment::decode(&bytes).unwrap(), assignment);
        assert_eq!(assignment.partition_count(), 3);
        assert_eq!(Assignment::decode(&[]).unwrap(), Assignment::default());
    }

    #[test]
    fn lengths_beyond_the_bytes_are_refused_before_allocating() {
        // A topic count of 2^31 - 1 with nothing behind it.
        let bytes: &[u8] = &[0, 1, 0x7F, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            Subscription::decode(bytes),
            Err(EmbeddedProtocolError::Truncated("topic count"))
        );
        assert_eq!(
            Assignment::decode(&[0xFF, 0xFF]),
            Err(EmbeddedProtocolError::Invalid("version"))
        );
        assert!(Assignment::decode(&[0, 1, 0, 0, 0, 1, 0, 9, b'x']).is_err());
    }
}
