//! The controller's ZooKeeper writes, each fenced as Kafka 2.4 fences them: one multi-op whose
//! first operation checks that `/controller_epoch` still has the data version we wrote when we
//! were elected. If another broker became controller since, the check fails and the write is
//! refused as a whole ([`FencedError::ControllerMoved`]).

use gregor_zk::paths::{self, CONTROLLER_EPOCH_PATH};
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{KafkaZkClient, LeaderIsrAndControllerEpoch, ZkError};

/// Kafka creates controller znodes with the open ACL.
const PERSISTENT: zk::CreateOptions<'static> =
    zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());

/// Outcome of a refused fenced write.
#[derive(Debug, thiserror::Error)]
pub enum FencedError {
    /// `/controller_epoch` moved on: another controller was elected.
    #[error("controller epoch zkVersion check failed: another controller was elected")]
    ControllerMoved,
    /// The write itself failed (NODEEXISTS, BADVERSION, NONODE, connection...).
    #[error("ZooKeeper {op} {path} failed: {source}")]
    Write {
        /// The operation.
        op: &'static str,
        /// Its znode.
        path: String,
        /// ZooKeeper's answer.
        source: zk::Error,
    },
}

impl FencedError {
    /// The ZooKeeper error of the write, if it was not the fence that failed.
    pub fn write_error(&self) -> Option<&zk::Error> {
        match self {
            FencedError::Write { source, .. } => Some(source),
            FencedError::ControllerMoved => None,
        }
    }
}

impl From<FencedError> for ZkError {
    fn from(error: FencedError) -> ZkError {
        match error {
            FencedError::ControllerMoved => ZkError::ControllerMoved,
            FencedError::Write { op, path, source } => ZkError::request(op, path, source),
        }
    }
}

/// One write of a fenced multi-op.
enum Op<'a> {
    Create(&'a [u8]),
    SetData(&'a [u8], i32),
    Delete,
}

/// Fenced writes on the controller's session.
#[derive(Debug, Clone)]
pub struct FencedZk {
    /// The session.
    pub zk: KafkaZkClient,
    /// Data version of `/controller_epoch` after our election.
    pub epoch_zk_version: i32,
}

impl FencedZk {
    async fn write(&self, path: &str, op: Op<'_>) -> Result<Option<zk::Stat>, FencedError> {
        let op_name = match op {
            Op::Create(_) => "create",
            Op::SetData(..) => "set_data",
            Op::Delete => "delete",
        };
        let write_error = |source: zk::Error| FencedError::Write {
            op: op_name,
            path: path.to_string(),
            source,
        };
        let mut writer = self.zk.raw().new_multi_writer();
        writer
            .add_check_version(CONTROLLER_EPOCH_PATH, self.epoch_zk_version)
            .map_err(write_error)?;
        match op {
            Op::Create(data) => writer.add_create(path, data, &PERSISTENT),
            Op::SetData(data, version) => writer.add_set_data(path, data, Some(version)),
            Op::Delete => writer.add_delete(path, None),
        }
        .map_err(write_error)?;
        match writer.commit().await {
            Ok(results) => Ok(results.into_iter().find_map(|result| match result {
                zk::MultiWriteResult::SetData { stat } => Some(stat),
                zk::MultiWriteResult::Create { stat, .. } => Some(stat),
                _ => None,
            })),
            Err(zk::MultiWriteError::OperationFailed { index: 0, .. }) => {
                Err(FencedError::ControllerMoved)
            }
            Err(zk::MultiWriteError::OperationFailed { source, .. }) => Err(write_error(source)),
            Err(zk::MultiWriteError::RequestFailed { source }) => Err(write_error(source)),
        }
    }

    /// Creates a persistent znode; an existing one is an error the caller sees.
    pub async fn create(&self, path: &str, data: &[u8]) -> Result<(), FencedError> {
        self.write(path, Op::Create(data)).await.map(|_| ())
    }

    /// Creates a persistent znode unless it exists (no data, e.g. `.../partitions`).
    pub async fn create_if_absent(&self, path: &str) -> Result<(), FencedError> {
        match self.create(path, &[]).await {
            Err(error) if matches!(error.write_error(), Some(zk::Error::NodeExists)) => Ok(()),
            other => other,
        }
    }

    /// Conditional set-data; returns the new data version.
    pub async fn set_data(
        &self,
        path: &str,
        data: &[u8],
        expected_version: i32,
    ) -> Result<i32, FencedError> {
        let stat = self
            .write(path, Op::SetData(data, expected_version))
            .await?;
        Ok(stat
            .map(|stat| stat.version)
            .unwrap_or(expected_version + 1))
    }

    /// Deletes a znode (any version); absent is fine.
    pub async fn delete(&self, path: &str) -> Result<(), FencedError> {
        match self.write(path, Op::Delete).await {
            Err(error) if matches!(error.write_error(), Some(zk::Error::NoNode)) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// Deletes a znode and everything below it, leaves first, each delete fenced (Kafka's
    /// `deleteRecursive` with the controller's epoch check).
    pub async fn delete_recursive(&self, path: &str) -> Result<(), FencedError> {
        // Depth-first listing, bounded by the tree ZooKeeper holds.
        let mut stack = vec![path.to_string()];
        let mut ordered = Vec::new();
        while let Some(node) = stack.pop() {
            let children =
                self.zk
                    .get_children(&node)
                    .await
                    .map_err(|error| FencedError::Write {
                        op: "get_children",
                        path: node.clone(),
                        source: error
                            .zookeeper_error()
                            .cloned()
                            .unwrap_or(zk::Error::UnexpectedError(error.to_string())),
                    })?;
            stack.extend(children.iter().map(|child| format!("{node}/{child}")));
            ordered.push(node);
        }
        for node in ordered.iter().rev() {
            self.delete(node).await?;
        }
        Ok(())
    }

    /// Creates `/brokers/topics/<t>/partitions/<p>/state` (and its parents) for a partition's
    /// first leader (Kafka's `createTopicPartitionStatesRaw`). Returns the znode's version (0).
    pub async fn create_partition_state(
        &self,
        topic: &str,
        partition: i32,
        state: &LeaderIsrAndControllerEpoch,
    ) -> Result<i32, FencedError> {
        self.create_if_absent(&paths::topic_partitions_path(topic))
            .await?;
        self.create_if_absent(&paths::topic_partition_path(topic, partition))
            .await?;
        let path = paths::topic_partition_state_path(topic, partition);
        self.create(&path, &state.encode()).await?;
        Ok(0)
    }

    /// Rewrites a partition state znode conditionally on `zk_version`; returns the new version.
    pub async fn update_partition_state(
        &self,
        topic: &str,
        partition: i32,
        state: &LeaderIsrAndControllerEpoch,
        zk_version: i32,
    ) -> Result<i32, FencedError> {
        let path = paths::topic_partition_state_path(topic, partition);
        self.set_data(&path, &state.encode(), zk_version).await
    }
}
