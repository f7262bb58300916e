//! Offsets committed with OffsetCommit v0, which Kafka 2.4 still keeps in ZooKeeper (Kafka's
//! `KafkaZkClient.setOrCreateConsumerOffset` / `getConsumerOffset`): the decimal offset as the
//! data of `/consumers/<group>/offsets/<topic>/<partition>`.

use zookeeper_client as zk;

use crate::client::{retry_until_connected, KafkaZkClient, PERSISTENT};
use crate::error::ZkError;
use crate::paths::CONSUMERS_PATH;

/// `/consumers/<group>/offsets/<topic>/<partition>`.
pub fn consumer_offset_path(group: &str, topic: &str, partition: i32) -> String {
    format!("{CONSUMERS_PATH}/{group}/offsets/{topic}/{partition}")
}

impl KafkaZkClient {
    /// Writes a v0 committed offset, creating the znode and its parents if needed.
    pub async fn set_or_create_consumer_offset(
        &self,
        group: &str,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<(), ZkError> {
        let path = consumer_offset_path(group, topic, partition);
        let data = offset.to_string();
        let client = self.raw();
        match retry_until_connected(client, || client.set_data(&path, data.as_bytes(), None)).await
        {
            Ok(_) => return Ok(()),
            Err(zk::Error::NoNode) => {}
            Err(error) => return Err(ZkError::request("set_data", &path, error)),
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.make_sure_persistent_path_exists(parent).await?;
        }
        match retry_until_connected(client, || {
            client.create(&path, data.as_bytes(), &PERSISTENT)
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(zk::Error::NodeExists) => {
                retry_until_connected(client, || client.set_data(&path, data.as_bytes(), None))
                    .await
                    .map(|_| ())
                    .map_err(|error| ZkError::request("set_data", &path, error))
            }
            Err(error) => Err(ZkError::request("create", &path, error)),
        }
    }

    /// A v0 committed offset; `None` when there is none or it is not a number.
    pub async fn get_consumer_offset(
        &self,
        group: &str,
        topic: &str,
        partition: i32,
    ) -> Result<Option<i64>, ZkError> {
        let path = consumer_offset_path(group, topic, partition);
        Ok(self
            .get_data(&path)
            .await?
            .and_then(|(data, _)| std::str::from_utf8(&data).ok()?.trim().parse().ok()))
    }
}
