//! `/latest_producer_id_block` (Kafka's `ProducerIdBlockZNode`).
//!
//! * Path: `/latest_producer_id_block`, persistent; created empty at start-up (a top-level path).
//! * JSON version 1: `{"version":1,"broker":0,"block_start":"0","block_end":"999"}` — a block of
//!   1000 producer ids, both ends inclusive, bounds as JSON **strings**.
//! * Written by: each broker's transaction coordinator when it needs ids, with a conditional set
//!   on the znode's data version: read the latest block, claim the next one
//!   (`block_start = previous block_end + 1`), retry on BADVERSION.
//! * After a crash: ids of a claimed block are never handed out again (the next claim starts
//!   after it), so a crash only wastes the rest of the block.

use serde::{Deserialize, Serialize};

use super::{check_version, i64_as_string, i64_from_string_or_number, parse_json, to_json};
use crate::error::ZnodeError;
use crate::paths::PRODUCER_ID_BLOCK_PATH;

/// Number of producer ids in one block (Kafka's `ProducerIdManager.PidBlockSize`).
pub const PRODUCER_ID_BLOCK_SIZE: i64 = 1000;

/// A block of producer ids claimed by one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerIdBlock {
    /// The broker that claimed it.
    pub broker_id: i32,
    /// First id, inclusive.
    pub block_start: i64,
    /// Last id, inclusive.
    pub block_end: i64,
}

#[derive(Serialize, Deserialize)]
struct ProducerIdBlockJson {
    version: i64,
    broker: i32,
    #[serde(
        serialize_with = "i64_as_string",
        deserialize_with = "i64_from_string_or_number"
    )]
    block_start: i64,
    #[serde(
        serialize_with = "i64_as_string",
        deserialize_with = "i64_from_string_or_number"
    )]
    block_end: i64,
}

impl ProducerIdBlock {
    /// The block `broker_id` claims after `previous` (the first block when there is none).
    pub fn next_after(previous: Option<&ProducerIdBlock>, broker_id: i32) -> ProducerIdBlock {
        let block_start = previous.map_or(0, |block| block.block_end + 1);
        ProducerIdBlock {
            broker_id,
            block_start,
            block_end: block_start + PRODUCER_ID_BLOCK_SIZE - 1,
        }
    }

    /// Version-1 JSON in Kafka's key order.
    pub fn encode(&self) -> Vec<u8> {
        to_json(&ProducerIdBlockJson {
            version: 1,
            broker: self.broker_id,
            block_start: self.block_start,
            block_end: self.block_end,
        })
    }

    /// Parses the znode data; `None` for the empty data the znode is created with.
    pub fn decode(bytes: &[u8]) -> Result<Option<ProducerIdBlock>, ZnodeError> {
        if bytes.is_empty() {
            return Ok(None);
        }
        let json: ProducerIdBlockJson = parse_json(PRODUCER_ID_BLOCK_PATH, bytes)?;
        check_version(PRODUCER_ID_BLOCK_PATH, json.version, 1..=1)?;
        Ok(Some(ProducerIdBlock {
            broker_id: json.broker,
            block_start: json.block_start,
            block_end: json.block_end,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kafka_json_and_chains_blocks() {
        let kafka = br#"{"version":1,"broker":0,"block_start":"0","block_end":"999"}"#;
        let block = ProducerIdBlock::decode(kafka).unwrap().unwrap();
        assert_eq!(block, ProducerIdBlock::next_after(None, 0));
        assert_eq!(block.encode(), kafka.to_vec());
        let next = ProducerIdBlock::next_after(Some(&block), 2);
        assert_eq!(
            (next.broker_id, next.block_start, next.block_end),
            (2, 1000, 1999)
        );
        assert_eq!(ProducerIdBlock::decode(b"").unwrap(), None);
        assert!(ProducerIdBlock::decode(
            br#"{"version":1,"broker":0,"block_start":"x","block_end":"9"}"#
        )
        .is_err());
    }
}
