//! What the admin handlers (CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
//! AlterConfigs) share: the controller check Kafka 2.4.1 makes, the ZooKeeper admin client,
//! the live brokers from the metadata cache, and the wait for the metadata cache to reflect a
//! change (Kafka's `DelayedCreatePartitions` / `DelayedDeleteTopics`).

use std::collections::BTreeMap;
use std::time::Duration;

use gregor_protocol::ErrorCode;
use gregor_zk::{AdminError, AdminZkClient, BrokerMetadata};

use super::BrokerContext;

/// How often a delayed admin operation re-checks the metadata cache. Kafka completes its
/// delayed operations when UpdateMetadata arrives; polling the cache is the same observable
/// behaviour without coupling the cache to this module.
const METADATA_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Kafka's `controller.isActive` as a broker outside the controller sees it: the metadata
/// cache names this broker as controller.
pub fn is_controller(broker: &BrokerContext) -> bool {
    broker.metadata_cache.controller_id() == Some(broker.broker_id)
}

/// The admin client over the current ZooKeeper session, `None` after shutdown.
pub fn admin_zk(broker: &BrokerContext) -> Option<AdminZkClient> {
    broker.zk().map(AdminZkClient::new)
}

/// Live brokers with racks, as Kafka's `AdminManager` takes them from the metadata cache.
pub fn alive_broker_metadata(broker: &BrokerContext) -> Vec<BrokerMetadata> {
    broker
        .metadata_cache
        .alive_brokers()
        .into_iter()
        .map(|b| BrokerMetadata {
            id: b.id,
            rack: b.rack,
        })
        .collect()
}

/// The protocol error code and message of an admin failure (Kafka's `ApiError.fromThrowable`:
/// no message for UNKNOWN_SERVER_ERROR, so that internals do not leak to clients).
pub fn admin_error(error: &AdminError) -> (ErrorCode, Option<String>) {
    let code = ErrorCode::from_i16(error.kafka_error_code());
    let message = (code != ErrorCode::UnknownServerError).then(|| error.to_string());
    (code, message)
}

/// True when every partition `0..partitions` of `topic` has a leader in the metadata cache
/// (Kafka's `DelayedCreatePartitions.isMissingLeader` is false for all).
pub fn has_leaders(broker: &BrokerContext, topic: &str, partitions: i32) -> bool {
    (0..partitions).all(|p| {
        broker
            .metadata_cache
            .partition(topic, p)
            .is_some_and(|state| state.leader >= 0)
    })
}

/// Waits up to `timeout_ms` until `done` holds for every entry of `pending`; returns the keys
/// for which it still does not.
pub async fn wait_for_metadata<K, F>(timeout_ms: i32, pending: Vec<K>, done: F) -> Vec<K>
where
    F: Fn(&K) -> bool,
{
    let deadline = tokio::time::Instant::now()
        + Duration::from_millis(u64::try_from(timeout_ms.max(0)).unwrap_or(0));
    let mut pending = pending;
    loop {
        pending.retain(|k| !done(k));
        if pending.is_empty() || tokio::time::Instant::now() >= deadline {
            return pending;
        }
        tokio::time::sleep(METADATA_POLL_INTERVAL).await;
    }
}

/// Names that occur more than once, in first-occurrence order.
pub fn duplicates<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order = Vec::new();
    for name in names {
        let count = counts.entry(name).or_insert(0);
        *count += 1;
        if *count == 2 {
            order.push(name.to_string());
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_reported_once() {
        let names = ["a", "b", "a", "a", "c", "b"];
        assert_eq!(duplicates(names.into_iter()), vec!["a", "b"]);
    }

    #[tokio::test]
    async fn a_wait_returns_what_never_completed() {
        let left = wait_for_metadata(0, vec![1, 2, 3], |k| *k != 2).await;
        assert_eq!(left, vec![2]);
    }
}
