//! The broker's side of leader-driven ISR changes: writes each proposed ISR to the partition
//! state znode with a version check (Kafka's `updateLeaderAndIsr`), then records an
//! `/isr_change_notification/isr_change_<seq>` so the controller refreshes every broker's
//! metadata, and runs the periodic ISR shrink (`replica.lag.time.max.ms / 2`).

use std::sync::Arc;
use std::time::Duration;

use gregor_zk::zookeeper_client as zk;
use gregor_zk::{IsrChangeNotification, LeaderIsrAndControllerEpoch};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::cluster::IsrChange;
use crate::handlers::context::now_ms;
use crate::handlers::BrokerContext;
use crate::replica::ReplicaManager;

/// Writes proposed ISR changes until the channel closes or the task is aborted.
pub async fn write_isr_changes(
    context: Arc<BrokerContext>,
    mut changes: UnboundedReceiver<IsrChange>,
) {
    while let Some(change) = changes.recv().await {
        let version = write_one(&context, &change).await;
        context
            .replica_manager
            .complete_isr_change(&change, version);
    }
}

/// The new znode version, or `None` when the write failed (a newer state won: the next
/// LeaderAndIsr or follower fetch decides again).
async fn write_one(context: &BrokerContext, change: &IsrChange) -> Option<i32> {
    let zk = context.zk()?;
    let path = gregor_zk::paths::topic_partition_state_path(&change.tp.topic, change.tp.partition);
    let state = LeaderIsrAndControllerEpoch {
        leader: change.leader,
        leader_epoch: change.leader_epoch,
        isr: change.isr.clone(),
        controller_epoch: change.controller_epoch,
    };
    let stat = match zk
        .raw()
        .set_data(&path, &state.encode(), Some(change.zk_version))
        .await
    {
        Ok(stat) => stat,
        Err(e) => {
            log::info!(target: "kafka.cluster.Partition", "[Partition {}] Cached zkVersion {} not equal to that in zookeeper or write failed ({e}), skip updating ISR", change.tp, change.zk_version);
            return None;
        }
    };
    let notification = IsrChangeNotification {
        partitions: vec![gregor_zk::TopicPartition {
            topic: change.tp.topic.clone(),
            partition: change.tp.partition,
        }],
    };
    let options = zk::CreateMode::PersistentSequential.with_acls(zk::Acls::anyone_all());
    if let Err(e) = zk
        .raw()
        .create(
            IsrChangeNotification::PATH_PREFIX,
            &notification.encode(),
            &options,
        )
        .await
    {
        log::warn!("Cannot record the ISR change of {}: {e}", change.tp);
    }
    Some(stat.version)
}

/// Kafka's `isr-expiration` task.
pub async fn shrink_isr_periodically(replica_manager: Arc<ReplicaManager>, lag_time_max_ms: i64) {
    let period = Duration::from_millis(u64::try_from(lag_time_max_ms / 2).unwrap_or(5000).max(100));
    let mut ticker = tokio::time::interval(period);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        replica_manager.maybe_shrink_isrs(now_ms(), lag_time_max_ms);
    }
}
