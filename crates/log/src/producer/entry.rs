//! One producer's state in one partition (Kafka's `ProducerStateEntry` and `BatchMetadata`):
//! its epoch and the metadata of its last [`MAX_CACHED_BATCHES`] batches, which is what
//! duplicate detection and sequence checks need.

use std::collections::VecDeque;

/// Batches remembered per producer for duplicate detection: a producer has at most 5
/// in-flight requests per connection when idempotence is on (Kafka's `NumBatchesToRetain`).
pub const MAX_CACHED_BATCHES: usize = 5;

/// Kafka's "no sequence" sentinel (`RecordBatch.NO_SEQUENCE`).
pub const NO_SEQUENCE: i32 = -1;

/// Kafka's "no epoch" sentinel (`RecordBatch.NO_PRODUCER_EPOCH`).
pub const NO_PRODUCER_EPOCH: i16 = -1;

/// What is remembered of one appended batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    /// Sequence number of the batch's last record.
    pub last_seq: i32,
    /// Offset of the batch's last record.
    pub last_offset: i64,
    /// `last_offset - first_offset` (the batch's last offset delta).
    pub offset_delta: i32,
    /// The batch's max timestamp.
    pub timestamp: i64,
}

impl BatchMetadata {
    /// Sequence number of the batch's first record.
    pub fn first_seq(&self) -> i32 {
        decrement_sequence(self.last_seq, self.offset_delta)
    }

    /// Offset of the batch's first record.
    pub fn first_offset(&self) -> i64 {
        self.last_offset - i64::from(self.offset_delta)
    }
}

/// A producer's state in one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerStateEntry {
    /// The producer id.
    pub producer_id: i64,
    /// Latest epoch seen.
    pub producer_epoch: i16,
    /// The last batches of the current epoch, oldest first.
    pub batches: VecDeque<BatchMetadata>,
    /// Epoch of the transaction coordinator that wrote the last marker (-1 without
    /// transactions, which Gregor does not coordinate).
    pub coordinator_epoch: i32,
    /// Timestamp of the last batch appended.
    pub last_timestamp: i64,
    /// First offset of the open transaction, if any.
    pub current_txn_first_offset: Option<i64>,
}

impl ProducerStateEntry {
    /// A producer with no history (Kafka's `ProducerStateEntry.empty`).
    pub fn empty(producer_id: i64) -> ProducerStateEntry {
        ProducerStateEntry {
            producer_id,
            producer_epoch: NO_PRODUCER_EPOCH,
            batches: VecDeque::new(),
            coordinator_epoch: -1,
            last_timestamp: -1,
            current_txn_first_offset: None,
        }
    }

    /// Last sequence number appended, or [`NO_SEQUENCE`].
    pub fn last_seq(&self) -> i32 {
        self.batches.back().map_or(NO_SEQUENCE, |b| b.last_seq)
    }

    /// Offset of the last record appended, or -1.
    pub fn last_data_offset(&self) -> i64 {
        self.batches.back().map_or(-1, |b| b.last_offset)
    }

    /// Last offset delta, or 0.
    pub fn last_offset_delta(&self) -> i32 {
        self.batches.back().map_or(0, |b| b.offset_delta)
    }

    /// A new epoch forgets the previous epoch's batches.
    pub fn maybe_update_epoch(&mut self, producer_epoch: i16) {
        if self.producer_epoch != producer_epoch {
            self.batches.clear();
            self.producer_epoch = producer_epoch;
        }
    }

    /// Records an appended batch, keeping the last [`MAX_CACHED_BATCHES`].
    pub fn add_batch(&mut self, producer_epoch: i16, batch: BatchMetadata) {
        self.maybe_update_epoch(producer_epoch);
        if self.batches.len() == MAX_CACHED_BATCHES {
            self.batches.pop_front();
        }
        self.batches.push_back(batch);
        self.last_timestamp = batch.timestamp;
    }

    /// The cached batch with exactly this epoch and sequence range: a retried batch.
    pub fn find_duplicate(
        &self,
        producer_epoch: i16,
        first_seq: i32,
        last_seq: i32,
    ) -> Option<BatchMetadata> {
        if producer_epoch != self.producer_epoch {
            return None;
        }
        self.batches
            .iter()
            .find(|b| b.first_seq() == first_seq && b.last_seq == last_seq)
            .copied()
    }
}

/// `base + delta` with Kafka's wrap-around past `i32::MAX` to 0
/// (`DefaultRecordBatch.incrementSequence`).
pub fn increment_sequence(base: i32, delta: i32) -> i32 {
    if base == NO_SEQUENCE {
        return NO_SEQUENCE;
    }
    if base > i32::MAX - delta {
        delta - (i32::MAX - base) - 1
    } else {
        base + delta
    }
}

/// `seq - delta` with Kafka's wrap-around below 0 (`DefaultRecordBatch.decrementSequence`).
pub fn decrement_sequence(seq: i32, delta: i32) -> i32 {
    if seq < delta {
        i32::MAX - (delta - seq) + 1
    } else {
        seq - delta
    }
}

/// True when `next` directly follows `last` (Kafka's `inSequence`).
pub fn in_sequence(last: i32, next: i32) -> bool {
    i64::from(next) == i64::from(last) + 1 || (next == 0 && last == i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(last_seq: i32, last_offset: i64, delta: i32) -> BatchMetadata {
        BatchMetadata {
            last_seq,
            last_offset,
            offset_delta: delta,
            timestamp: 7,
        }
    }

    #[test]
    fn sequences_wrap_like_kafkas() {
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(decrement_sequence(1, 3), i32::MAX - 1);
        assert!(in_sequence(i32::MAX, 0));
        assert!(in_sequence(4, 5));
        assert!(!in_sequence(4, 6));
        assert!(in_sequence(NO_SEQUENCE, 0));
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut entry = ProducerStateEntry::empty(1);
        for n in 0..7 {
            entry.add_batch(0, batch(n * 10 + 9, i64::from(n) * 10 + 9, 9));
        }
        assert_eq!(entry.batches.len(), MAX_CACHED_BATCHES);
        assert!(entry.find_duplicate(0, 0, 9).is_none());
        let dup = entry.find_duplicate(0, 20, 29).unwrap();
        assert_eq!(dup.first_offset(), 20);
        assert!(entry.find_duplicate(1, 20, 29).is_none());
    }

    #[test]
    fn a_new_epoch_forgets_batches() {
        let mut entry = ProducerStateEntry::empty(1);
        entry.add_batch(0, batch(9, 9, 9));
        entry.add_batch(1, batch(0, 10, 0));
        assert_eq!(entry.batches.len(), 1);
        assert_eq!(entry.producer_epoch, 1);
    }
}
