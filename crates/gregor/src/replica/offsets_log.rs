//! The replica manager as the group coordinator's [`OffsetsLog`]: offset commits and group
//! records are appended to `__consumer_offsets` as the partition's leader with acks=all and
//! `offsets.commit.timeout.ms` (Kafka's `GroupMetadataManager.appendForGroup`), and read back
//! from the local log when the coordinator loads a partition.

use std::sync::Arc;

use gregor_coordinator::config::AppendFuture;
use gregor_coordinator::{LogChunk, OffsetsLog, GROUP_METADATA_TOPIC};
use gregor_log::dir::TopicPartition;
use gregor_protocol::ErrorCode;

use super::append::ProducePartition;
use super::ReplicaManager;
use crate::handlers::context::now_ms;

/// `__consumer_offsets` through the replica manager.
#[derive(Debug)]
pub struct ReplicaOffsetsLog {
    /// The broker's replica manager.
    pub replica_manager: Arc<ReplicaManager>,
    /// `offsets.commit.timeout.ms`.
    pub commit_timeout_ms: i32,
}

/// The produce version whose record rules apply to coordinator writes (magic 2 batches).
const PRODUCE_VERSION: i16 = 8;

impl OffsetsLog for ReplicaOffsetsLog {
    fn append(&self, partition: i32, batch: Vec<u8>) -> AppendFuture {
        let replica_manager = Arc::clone(&self.replica_manager);
        let timeout = self.commit_timeout_ms;
        Box::pin(async move {
            let tp = TopicPartition::new(GROUP_METADATA_TOPIC, partition);
            let records = bytes::Bytes::from(batch);
            let results = replica_manager
                .append_records(
                    -1,
                    timeout,
                    PRODUCE_VERSION,
                    vec![ProducePartition { tp, records }],
                    now_ms(),
                )
                .await;
            match results.first().map(|(_, r)| r.error) {
                Some(ErrorCode::None) => Ok(()),
                Some(error) => Err(error),
                None => Err(ErrorCode::UnknownServerError),
            }
        })
    }

    fn read(&self, partition: i32, offset: i64, max_bytes: usize) -> Result<LogChunk, ErrorCode> {
        let tp = TopicPartition::new(GROUP_METADATA_TOPIC, partition);
        let leader = self
            .replica_manager
            .leader_partition(&tp)
            .map_err(|e| e.error_code())?;
        let snapshot = leader.log().lock().reader().snapshot();
        let start = snapshot.log_start_offset();
        let end = snapshot.log_end_offset();
        let from = offset.max(start);
        let mut chunk = LogChunk {
            log_start_offset: start,
            log_end_offset: end,
            bytes: Vec::new(),
        };
        if from >= end {
            return Ok(chunk);
        }
        let info = snapshot
            .read(from, max_bytes, end, true)
            .map_err(|_| ErrorCode::KafkaStorageError)?;
        if let Some(region) = info.records {
            chunk.bytes = region
                .read_to_vec()
                .map_err(|_| ErrorCode::KafkaStorageError)?;
        }
        Ok(chunk)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use gregor_coordinator::records::OffsetValue;
    use gregor_coordinator::{CommitRequest, GroupConfig, GroupCoordinator, JoinRequest};
    use gregor_protocol::records::RecordBatchBuilder;

    use super::*;
    use crate::cluster::PartitionState;
    use crate::replica::state_change::tests::manager;
    use crate::replica::{PartitionStateChange, TopicOverrides};

    /// Broker 1 leads `__consumer_offsets-0` (the only offsets partition) at `epoch`.
    fn lead(rm: &ReplicaManager, epoch: i32) {
        let change = PartitionStateChange {
            topic: GROUP_METADATA_TOPIC.into(),
            partition: 0,
            state: PartitionState {
                leader: 1,
                leader_epoch: epoch,
                isr: vec![1],
                replicas: vec![1],
                controller_epoch: 1,
                zk_version: 0,
            },
        };
        let outcome = rm.become_leader_or_follower(0, 1, vec![change], &TopicOverrides::new(), 0);
        assert_eq!(outcome.error, ErrorCode::None);
    }

    fn coordinator(rm: &Arc<ReplicaManager>, retention_ms: i64) -> GroupCoordinator {
        let config = GroupConfig {
            broker_id: 1,
            offsets_topic_partitions: 1,
            min_session_timeout_ms: 10,
            initial_rebalance_delay_ms: 0,
            offsets_retention_ms: retention_ms,
            offsets_retention_check_interval_ms: 50,
            ..GroupConfig::default()
        };
        let log = ReplicaOffsetsLog {
            replica_manager: Arc::clone(rm),
            commit_timeout_ms: 5000,
        };
        GroupCoordinator::start(config, Arc::new(log))
    }

    async fn loaded(coordinator: &GroupCoordinator) {
        for _ in 0..200 {
            if coordinator.owned_partitions() == [(0, true)] {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("partition 0 never loaded");
    }

    fn offset(value: i64) -> OffsetValue {
        OffsetValue {
            offset: value,
            leader_epoch: -1,
            metadata: String::new(),
            commit_timestamp: now_ms(),
            expire_timestamp: None,
        }
    }

    async fn simple_commit(coordinator: &GroupCoordinator, group: &str, value: i64) -> ErrorCode {
        let results = coordinator
            .commit_offsets(CommitRequest {
                group_id: group.into(),
                generation: -1,
                member_id: String::new(),
                group_instance_id: None,
                offsets: vec![(("t".into(), 0), offset(value))],
            })
            .await;
        results[0].1
    }

    fn committed(coordinator: &GroupCoordinator, group: &str) -> Option<i64> {
        let found = coordinator
            .fetch_offsets(group, Some(&[("t".into(), 0)]))
            .unwrap();
        found[0].1.as_ref().map(|v| v.offset)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn offsets_are_read_back_from_the_log_after_a_leadership_change() {
        let dir = tempfile::tempdir().unwrap();
        let rm = Arc::new(manager(dir.path()));
        let coordinator = coordinator(&rm, 3_600_000);
        assert_eq!(
            coordinator.fetch_offsets("g", None).unwrap_err(),
            ErrorCode::NotCoordinator
        );
        lead(&rm, 1);
        coordinator.on_elected(0, 1);
        loaded(&coordinator).await;
        assert_eq!(simple_commit(&coordinator, "g", 10).await, ErrorCode::None);
        assert_eq!(simple_commit(&coordinator, "g", 11).await, ErrorCode::None);
        assert_eq!(simple_commit(&coordinator, "h", 5).await, ErrorCode::None);
        // A record this broker cannot read is skipped, the rest still loads.
        let garbage = RecordBatchBuilder::new()
            .append(now_ms(), Some(&[0, 9, 1]), Some(b"?"), &[])
            .build()
            .unwrap();
        let log = ReplicaOffsetsLog {
            replica_manager: Arc::clone(&rm),
            commit_timeout_ms: 5000,
        };
        log.append(0, garbage).await.unwrap();
        coordinator.on_resigned(0);
        assert_eq!(
            coordinator.fetch_offsets("g", None).unwrap_err(),
            ErrorCode::NotCoordinator
        );
        coordinator.on_elected(0, 2);
        loaded(&coordinator).await;
        assert_eq!(committed(&coordinator, "g"), Some(11));
        assert_eq!(committed(&coordinator, "h"), Some(5));
        // Deleting a group writes tombstones: after another reload it is gone.
        let deleted = coordinator.delete_groups(&["h".to_string()]).await;
        assert_eq!(deleted[0].1, ErrorCode::None);
        coordinator.on_resigned(0);
        coordinator.on_elected(0, 3);
        loaded(&coordinator).await;
        assert_eq!(committed(&coordinator, "h"), None);
        assert_eq!(committed(&coordinator, "g"), Some(11));
        coordinator.shutdown();
    }

    fn join_request(group: &str, member_id: &str) -> JoinRequest {
        JoinRequest {
            group_id: group.into(),
            member_id: member_id.into(),
            group_instance_id: None,
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 1000,
            protocol_type: "consumer".into(),
            protocols: vec![("range".into(), Bytes::from_static(b"s"))],
            require_known_member_id: false,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn offsets_expire_after_retention_but_not_while_the_group_is_active() {
        let dir = tempfile::tempdir().unwrap();
        let rm = Arc::new(manager(dir.path()));
        let coordinator = coordinator(&rm, 300);
        lead(&rm, 1);
        coordinator.on_elected(0, 1);
        loaded(&coordinator).await;
        // A standalone commit expires retention after the commit.
        assert_eq!(
            simple_commit(&coordinator, "solo", 1).await,
            ErrorCode::None
        );
        // A member of an active group keeps its offsets.
        let joined = coordinator.join_group(join_request("active", "")).await;
        assert_eq!(joined.error, ErrorCode::None);
        let me = joined.member_id.clone();
        let sync = coordinator
            .sync_group("active", 1, &me, None, vec![(me.clone(), Bytes::new())])
            .await;
        assert!(sync.is_ok());
        let results = coordinator
            .commit_offsets(CommitRequest {
                group_id: "active".into(),
                generation: 1,
                member_id: me.clone(),
                group_instance_id: None,
                offsets: vec![(("t".into(), 0), offset(7))],
            })
            .await;
        assert_eq!(results[0].1, ErrorCode::None);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(committed(&coordinator, "solo"), None);
        assert_eq!(committed(&coordinator, "active"), Some(7));
        // Once the group is Empty for the retention period its offsets go, then the group.
        let left = coordinator
            .leave_group("active", &[(me.clone(), None)])
            .unwrap();
        assert_eq!(left, [ErrorCode::None]);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(committed(&coordinator, "active"), None);
        let summary = coordinator.describe_group("active").unwrap();
        assert_eq!(summary.state, "Dead");
        coordinator.shutdown();
    }
}
