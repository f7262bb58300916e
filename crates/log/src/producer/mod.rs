//! Idempotent-producer state of one partition (Kafka's `ProducerStateManager` and
//! `ProducerAppendInfo`).
//!
//! For every producer id seen in the log it keeps the epoch and the last five batches' sequence
//! ranges and offsets. A leader append is checked against it: an older epoch is fenced
//! (INVALID_PRODUCER_EPOCH), a retried batch is answered with its original offsets (Kafka 2.4
//! answers NONE, not DUPLICATE_SEQUENCE_NUMBER, on the client path), a gap in sequence numbers is
//! OUT_OF_ORDER_SEQUENCE_NUMBER and a producer whose state is gone is UNKNOWN_PRODUCER_ID. The
//! state is written to `<offset>.snapshot` files ([`snapshot`]) on roll and close, and rebuilt on
//! load from the latest snapshot plus the batch headers after it ([`replay`]).

pub mod entry;
pub mod replay;
pub mod snapshot;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use entry::{BatchMetadata, ProducerStateEntry};

use entry::{in_sequence, increment_sequence, NO_PRODUCER_EPOCH, NO_SEQUENCE};

/// Why a producer's batch was refused, or its state could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum ProducerError {
    /// The batch's epoch is older than the producer's latest (Kafka's `ProducerFencedException`).
    #[error("Producer's epoch in {partition} is {epoch}, which is smaller than the last seen epoch {current_epoch}")]
    InvalidProducerEpoch {
        /// `topic-partition`.
        partition: String,
        /// Epoch in the batch.
        epoch: i16,
        /// Latest epoch seen.
        current_epoch: i16,
    },
    /// The batch does not follow the last sequence number.
    #[error("{0}")]
    OutOfOrderSequence(String),
    /// The broker has no state for the producer and the batch does not start a sequence.
    #[error("Found no record of producerId={producer_id} on the broker in partition {partition}. It is possible that the last message with the producerId={producer_id} has been removed due to hitting the retention limit.")]
    UnknownProducerId {
        /// `topic-partition`.
        partition: String,
        /// The producer id.
        producer_id: i64,
    },
    /// A snapshot file does not parse.
    #[error("Corrupt producer snapshot {path}: {reason}")]
    CorruptSnapshot {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a snapshot or a segment failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl ProducerError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ProducerError {
        ProducerError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The Kafka error code of a refused append.
    pub fn kafka_error_code(&self) -> i16 {
        match self {
            ProducerError::InvalidProducerEpoch { .. } => 47,
            ProducerError::OutOfOrderSequence(_) => 45,
            ProducerError::UnknownProducerId { .. } => 59,
            ProducerError::CorruptSnapshot { .. } => -1,
            ProducerError::Io { .. } => 56,
        }
    }
}

/// The producer fields of one batch header, with the offsets the log gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerBatch {
    /// Producer id (>= 0 for idempotent batches).
    pub producer_id: i64,
    /// Producer epoch.
    pub producer_epoch: i16,
    /// First sequence number.
    pub base_sequence: i32,
    /// Offset of the first record.
    pub first_offset: i64,
    /// Offset of the last record.
    pub last_offset: i64,
    /// Max timestamp of the batch.
    pub max_timestamp: i64,
    /// Part of a transaction.
    pub is_transactional: bool,
    /// A transaction marker.
    pub is_control: bool,
}

impl ProducerBatch {
    /// Sequence number of the last record.
    pub fn last_sequence(&self) -> i32 {
        let delta = i32::try_from(self.last_offset - self.first_offset).unwrap_or(0);
        increment_sequence(self.base_sequence, delta)
    }

    fn metadata(&self) -> BatchMetadata {
        BatchMetadata {
            last_seq: self.last_sequence(),
            last_offset: self.last_offset,
            offset_delta: i32::try_from(self.last_offset - self.first_offset).unwrap_or(0),
            timestamp: self.max_timestamp,
        }
    }
}

/// The producer state of one partition.
#[derive(Debug)]
pub struct ProducerStateManager {
    /// The partition directory holding the snapshots.
    dir: PathBuf,
    /// `topic-partition`, for messages.
    partition: String,
    /// State per producer id.
    producers: BTreeMap<i64, ProducerStateEntry>,
    /// The state covers the log up to (excluding) this offset.
    map_end_offset: i64,
    /// Offset of the latest snapshot written or loaded, -1 when none.
    last_snapshot_offset: i64,
}

impl ProducerStateManager {
    /// Empty state for the partition directory `dir`.
    pub fn new(dir: &Path, partition: &str) -> ProducerStateManager {
        ProducerStateManager {
            dir: dir.to_path_buf(),
            partition: partition.to_string(),
            producers: BTreeMap::new(),
            map_end_offset: 0,
            last_snapshot_offset: -1,
        }
    }

    /// Kafka's `truncateAndReload`: deletes snapshots outside `[log_start_offset,
    /// log_end_offset]`, loads the latest readable one (deleting corrupt ones) and drops
    /// producers whose last data lies below the log start. Returns the offset from which the
    /// log must be replayed ([`replay`]) to complete the state.
    pub fn load(
        &mut self,
        log_start_offset: i64,
        log_end_offset: i64,
    ) -> Result<i64, ProducerError> {
        self.producers.clear();
        self.last_snapshot_offset = -1;
        let mut offsets = snapshot::list_snapshots(&self.dir)?;
        for offset in offsets
            .iter()
            .filter(|o| **o < log_start_offset || **o > log_end_offset)
        {
            snapshot::delete_file(&snapshot::snapshot_path(&self.dir, *offset))?;
        }
        offsets.retain(|o| (log_start_offset..=log_end_offset).contains(o));
        while let Some(offset) = offsets.pop() {
            let path = snapshot::snapshot_path(&self.dir, offset);
            let bytes = std::fs::read(&path).map_err(|e| ProducerError::io(&path, e))?;
            match snapshot::decode(&path, &bytes) {
                Ok(entries) => {
                    for entry in entries {
                        if entry.last_data_offset() < 0
                            || entry.last_data_offset() >= log_start_offset
                        {
                            self.producers.insert(entry.producer_id, entry);
                        }
                    }
                    self.map_end_offset = offset;
                    self.last_snapshot_offset = offset;
                    return Ok(offset);
                }
                Err(e) => {
                    log::warn!("[ProducerStateManager partition={}] Failed to load producer snapshot: {e}; deleting it", self.partition);
                    snapshot::delete_file(&path)?;
                }
            }
        }
        self.map_end_offset = log_start_offset;
        Ok(log_start_offset)
    }

    /// The state of one producer.
    pub fn last_entry(&self, producer_id: i64) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    /// Every producer's state, by id.
    pub fn producers(&self) -> &BTreeMap<i64, ProducerStateEntry> {
        &self.producers
    }

    /// The state covers the log below this offset.
    pub fn map_end_offset(&self) -> i64 {
        self.map_end_offset
    }

    /// Checks a leader append of `batches` (in order, with their assigned offsets) against the
    /// state. `Ok(Some(batch))` means the first producer batch is a retry of `batch`, already in
    /// the log: nothing must be appended and the client gets its original offsets.
    pub fn validate_client_append(
        &self,
        batches: &[ProducerBatch],
    ) -> Result<Option<BatchMetadata>, ProducerError> {
        let mut pending: BTreeMap<i64, ProducerStateEntry> = BTreeMap::new();
        for batch in batches.iter().filter(|b| b.producer_id >= 0) {
            let current = pending
                .get(&batch.producer_id)
                .or_else(|| self.producers.get(&batch.producer_id));
            if let Some(duplicate) = current.and_then(|entry| {
                entry.find_duplicate(
                    batch.producer_epoch,
                    batch.base_sequence,
                    batch.last_sequence(),
                )
            }) {
                return Ok(Some(duplicate));
            }
            let mut entry = current
                .cloned()
                .unwrap_or_else(|| ProducerStateEntry::empty(batch.producer_id));
            if !batch.is_control {
                self.check_data_batch(&entry, batch)?;
            }
            apply(&mut entry, batch);
            pending.insert(batch.producer_id, entry);
        }
        Ok(None)
    }

    /// Kafka's `checkProducerEpoch` + `checkSequence` for a client's data batch.
    fn check_data_batch(
        &self,
        entry: &ProducerStateEntry,
        batch: &ProducerBatch,
    ) -> Result<(), ProducerError> {
        let epoch = batch.producer_epoch;
        let first_seq = batch.base_sequence;
        if epoch < entry.producer_epoch {
            return Err(ProducerError::InvalidProducerEpoch {
                partition: self.partition.clone(),
                epoch,
                current_epoch: entry.producer_epoch,
            });
        }
        if epoch != entry.producer_epoch {
            if first_seq != 0 {
                if entry.producer_epoch != NO_PRODUCER_EPOCH {
                    return Err(ProducerError::OutOfOrderSequence(format!(
                        "Invalid sequence number for new epoch in partition {}: {epoch} (request epoch), {first_seq} (seq. number)",
                        self.partition
                    )));
                }
                return Err(ProducerError::UnknownProducerId {
                    partition: self.partition.clone(),
                    producer_id: batch.producer_id,
                });
            }
            return Ok(());
        }
        let last_seq = entry.last_seq();
        if last_seq == NO_SEQUENCE && first_seq != 0 {
            return Err(ProducerError::UnknownProducerId {
                partition: self.partition.clone(),
                producer_id: batch.producer_id,
            });
        }
        if !in_sequence(last_seq, first_seq) {
            return Err(ProducerError::OutOfOrderSequence(format!(
                "Out of order sequence number for producerId {} in partition {}: {first_seq} (incoming seq. number), {last_seq} (current end sequence number)",
                batch.producer_id, self.partition
            )));
        }
        Ok(())
    }

    /// Records appended batches (leader, follower or replay on load; no checks) and moves the
    /// map end offset to `next_offset`.
    pub fn update(&mut self, batches: &[ProducerBatch], next_offset: i64) {
        for batch in batches.iter().filter(|b| b.producer_id >= 0) {
            let entry = self
                .producers
                .entry(batch.producer_id)
                .or_insert_with(|| ProducerStateEntry::empty(batch.producer_id));
            if batch.producer_epoch < entry.producer_epoch {
                // A follower or the log itself cannot be refused; Kafka only warns.
                log::warn!(
                    "[ProducerStateManager partition={}] Producer {} epoch {} is older than {}",
                    self.partition,
                    batch.producer_id,
                    batch.producer_epoch,
                    entry.producer_epoch
                );
            }
            apply(entry, batch);
        }
        self.map_end_offset = self.map_end_offset.max(next_offset);
    }

    /// Writes `<map end offset>.snapshot` unless one already exists for that offset.
    pub fn take_snapshot(&mut self) -> Result<(), ProducerError> {
        if self.map_end_offset <= self.last_snapshot_offset {
            return Ok(());
        }
        let path = snapshot::snapshot_path(&self.dir, self.map_end_offset);
        let bytes = snapshot::encode(self.producers.values());
        snapshot::write_file(&path, &bytes)?;
        self.last_snapshot_offset = self.map_end_offset;
        Ok(())
    }

    /// Forgets producers idle for longer than `expiration_ms` (Kafka's
    /// `removeExpiredProducers`, run every `producer.id.expiration.check.interval.ms` with
    /// `transactional.id.expiration.ms`); producers with an open transaction are kept.
    /// Returns how many were removed.
    pub fn remove_expired_producers(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        let before = self.producers.len();
        self.producers.retain(|_, e| {
            e.current_txn_first_offset.is_some()
                || now_ms.saturating_sub(e.last_timestamp) < expiration_ms
        });
        before - self.producers.len()
    }

    /// The log start moved (DeleteRecords, retention): forgets producers whose last data is
    /// below it and deletes older snapshots (Kafka's `truncateHead`).
    pub fn truncate_head(&mut self, log_start_offset: i64) -> Result<(), ProducerError> {
        self.producers
            .retain(|_, e| e.last_data_offset() < 0 || e.last_data_offset() >= log_start_offset);
        for offset in snapshot::list_snapshots(&self.dir)? {
            if offset < log_start_offset {
                snapshot::delete_file(&snapshot::snapshot_path(&self.dir, offset))?;
            }
        }
        self.map_end_offset = self.map_end_offset.max(log_start_offset);
        Ok(())
    }
}

/// Kafka's `appendDataBatch` / `appendEndTxnMarker` on one entry.
fn apply(entry: &mut ProducerStateEntry, batch: &ProducerBatch) {
    if batch.is_control {
        entry.maybe_update_epoch(batch.producer_epoch);
        entry.current_txn_first_offset = None;
        entry.last_timestamp = batch.max_timestamp;
        return;
    }
    entry.add_batch(batch.producer_epoch, batch.metadata());
    if batch.is_transactional && entry.current_txn_first_offset.is_none() {
        entry.current_txn_first_offset = Some(batch.first_offset);
    }
}
