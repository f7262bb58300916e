//! The controller election in ZooKeeper (Kafka's `registerControllerAndIncrementControllerEpoch`):
//! one multi-op creates the ephemeral `/controller` and moves `/controller_epoch` forward from
//! the version we read, so exactly one broker wins each epoch. The returned epoch zkVersion
//! fences every later controller write (the controller adds a version check on
//! `/controller_epoch` to each of its multi-ops).

use zookeeper_client as zk;

use crate::client::{retry_until_connected, KafkaZkClient, PERSISTENT};
use crate::error::ZkError;
use crate::paths::{CONTROLLER_EPOCH_PATH, CONTROLLER_PATH};
use crate::znode::controller::{ControllerEpoch, ControllerInfo};
use crate::znode::now_ms;

impl KafkaZkClient {
    /// The broker id in `/controller`, if a controller is elected.
    pub async fn get_controller_id(&self) -> Result<Option<i32>, ZkError> {
        match self.get_data(CONTROLLER_PATH).await? {
            Some((data, _)) => Ok(Some(ControllerInfo::decode(&data)?.broker_id)),
            None => Ok(None),
        }
    }

    /// `/controller_epoch` and its data version (the epoch zkVersion), if it exists.
    pub async fn get_controller_epoch(&self) -> Result<Option<(ControllerEpoch, i32)>, ZkError> {
        match self.get_data(CONTROLLER_EPOCH_PATH).await? {
            Some((data, stat)) => Ok(Some((ControllerEpoch::decode(&data)?, stat.version))),
            None => Ok(None),
        }
    }

    /// Tries to become controller: creates `/controller_epoch` with `0` if absent, then in one
    /// multi-op creates the ephemeral `/controller` for `broker_id` and sets `/controller_epoch`
    /// to epoch + 1 expecting the version just read. Returns the new epoch and its zkVersion.
    /// When the multi-op fails because someone else was faster, re-reads: if `/controller` is us
    /// and the epoch is ours (a retried request that did land), we won; otherwise
    /// [`ZkError::ControllerMoved`].
    pub async fn register_controller_and_increment_controller_epoch(
        &self,
        broker_id: i32,
    ) -> Result<(ControllerEpoch, i32), ZkError> {
        let initial = ControllerEpoch::INITIAL.encode();
        let create_epoch = || {
            self.client
                .create(CONTROLLER_EPOCH_PATH, &initial, &PERSISTENT)
        };
        match retry_until_connected(&self.client, create_epoch).await {
            Ok(_) | Err(zk::Error::NodeExists) => {}
            Err(error) => return Err(ZkError::request("create", CONTROLLER_EPOCH_PATH, error)),
        }
        let Some((current_epoch, epoch_zk_version)) = self.get_controller_epoch().await? else {
            return Err(ZkError::ControllerMoved);
        };
        let new_epoch = ControllerEpoch(current_epoch.0 + 1);
        let controller = ControllerInfo {
            broker_id,
            timestamp_ms: now_ms(),
        }
        .encode();
        let new_epoch_data = new_epoch.encode();

        let mut writer = self.client.new_multi_writer();
        let multi_error = |error| ZkError::request("multi", CONTROLLER_PATH, error);
        writer
            .add_create(CONTROLLER_PATH, &controller, &crate::client::EPHEMERAL)
            .map_err(multi_error)?;
        writer
            .add_set_data(
                CONTROLLER_EPOCH_PATH,
                &new_epoch_data,
                Some(epoch_zk_version),
            )
            .map_err(multi_error)?;
        match writer.commit().await {
            Ok(results) => match results.get(1) {
                Some(zk::MultiWriteResult::SetData { stat }) => Ok((new_epoch, stat.version)),
                _ => Err(multi_error(zk::Error::UnexpectedError(
                    "no set_data result".into(),
                ))),
            },
            Err(zk::MultiWriteError::OperationFailed {
                source: zk::Error::NodeExists | zk::Error::BadVersion,
                ..
            })
            | Err(zk::MultiWriteError::RequestFailed {
                source: zk::Error::ConnectionLoss,
            }) => self.check_controller_and_epoch(broker_id, new_epoch).await,
            Err(error) => Err(multi_error(zk::Error::from(error))),
        }
    }

    /// After a failed or lost election multi-op: did we win anyway?
    async fn check_controller_and_epoch(
        &self,
        broker_id: i32,
        new_epoch: ControllerEpoch,
    ) -> Result<(ControllerEpoch, i32), ZkError> {
        if self.get_controller_id().await? == Some(broker_id) {
            if let Some((epoch, epoch_zk_version)) = self.get_controller_epoch().await? {
                // Only our own successful multi-op writes this epoch next to our /controller.
                if epoch == new_epoch {
                    return Ok((epoch, epoch_zk_version));
                }
            }
        }
        Err(ZkError::ControllerMoved)
    }
}
