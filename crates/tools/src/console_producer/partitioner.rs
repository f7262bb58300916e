//! The Java producer's `DefaultPartitioner` of Kafka 2.4: a keyed record goes to
//! `toPositive(murmur2(key)) % partitions`; a record without key sticks to one partition until
//! a new batch has to be started for it (KIP-480's `StickyPartitionCache`), then moves to
//! another partition chosen at random.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Kafka's `Utils.murmur2` (seed 0x9747b28c), over the key bytes.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        // Kafka reads each 4-byte group little-endian.
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows).
pub fn to_positive(number: i32) -> i32 {
    number & 0x7fff_ffff
}

/// The partition of a keyed record.
pub fn partition_for_key(key: &[u8], partition_count: i32) -> i32 {
    to_positive(murmur2(key)) % partition_count.max(1)
}

/// The sticky partition per topic for records without key.
#[derive(Debug)]
pub struct StickyPartitionCache {
    /// Current sticky partition by topic.
    current: HashMap<String, i32>,
    /// xorshift state: the choice only needs to spread load, not to be unpredictable.
    random_state: u64,
}

impl Default for StickyPartitionCache {
    fn default() -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0x2545_f491_4f6c_dd1d);
        Self::with_seed(seed)
    }
}

impl StickyPartitionCache {
    /// A cache whose random choices follow `seed` (tests pin it).
    pub fn with_seed(seed: u64) -> Self {
        Self {
            current: HashMap::new(),
            random_state: seed | 1,
        }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.random_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random_state = x;
        x
    }

    /// The sticky partition of `topic`, choosing one among `available` (partitions with a
    /// leader; all `partition_count` partitions when none has one) the first time.
    pub fn partition(&mut self, topic: &str, partition_count: i32, available: &[i32]) -> i32 {
        if let Some(&partition) = self.current.get(topic) {
            if partition < partition_count {
                return partition;
            }
        }
        self.next_partition(topic, -1, partition_count, available)
    }

    /// `onNewBatch`: when `previous` was the sticky partition, move to a different one.
    pub fn next_partition(
        &mut self,
        topic: &str,
        previous: i32,
        partition_count: i32,
        available: &[i32],
    ) -> i32 {
        let current = self.current.get(topic).copied();
        if current.is_some() && current != Some(previous) {
            if let Some(partition) = current.filter(|p| *p < partition_count) {
                return partition;
            }
        }
        let candidates: Vec<i32> = if available.is_empty() {
            (0..partition_count.max(1)).collect()
        } else {
            available.to_vec()
        };
        let choice = if candidates.len() == 1 {
            candidates[0]
        } else {
            let others: Vec<i32> = candidates
                .iter()
                .copied()
                .filter(|p| Some(*p) != current)
                .collect();
            let pool = if others.is_empty() {
                &candidates
            } else {
                &others
            };
            pool[(self.next_random() % pool.len() as u64) as usize]
        };
        self.current.insert(topic.to_string(), choice);
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafka_utils_test_vectors() {
        // Vectors from Kafka's UtilsTest.testMurmur2.
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"foobar"), -790_332_482);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
        assert_eq!(murmur2(b"a-little-bit-longer-string"), -1_486_304_829);
        assert_eq!(
            murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            -58_897_971
        );
        assert_eq!(murmur2(b"abc"), 479_470_107);
    }

    #[test]
    fn keyed_records_use_the_positive_hash() {
        assert_eq!(partition_for_key(b"21", 3), to_positive(-973_932_308) % 3);
    }

    #[test]
    fn sticky_partition_moves_only_on_a_new_batch() {
        let mut cache = StickyPartitionCache::with_seed(42);
        let first = cache.partition("t", 4, &[]);
        assert_eq!(cache.partition("t", 4, &[]), first);
        let second = cache.next_partition("t", first, 4, &[]);
        assert_ne!(first, second);
        // A stale notification for another partition does not move it again.
        assert_eq!(cache.next_partition("t", first, 4, &[]), second);
    }
}
