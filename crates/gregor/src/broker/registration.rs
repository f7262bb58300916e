//! The broker's registration in ZooKeeper: `/brokers/ids/<id>` built from the advertised
//! listeners (a configured port 0 is replaced by the bound port, an empty host by the host
//! name), and re-registration on a new session after ZooKeeper expired the old one.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gregor_zk::{zookeeper_client as zk, BrokerInfo, EndPoint, KafkaZkClient};

use super::SERVER_LOGGER;
use crate::config::KafkaConfig;
use crate::handlers::context::now_ms;
use crate::handlers::BrokerContext;

/// The registration data of this broker.
pub fn broker_info(
    config: &KafkaConfig,
    broker_id: i32,
    bound: &[(String, SocketAddr)],
) -> BrokerInfo {
    let endpoints = config
        .advertised_listeners
        .iter()
        .map(|listener| {
            let bound_port = bound
                .iter()
                .find(|(name, _)| *name == listener.listener_name)
                .map(|(_, addr)| addr.port());
            let port = match (listener.port, bound_port) {
                (0, Some(port)) => port,
                (port, _) => port,
            };
            let host = listener.host.clone().unwrap_or_else(local_host_name);
            EndPoint {
                listener_name: listener.listener_name.clone(),
                host,
                port: i32::from(port),
                security_protocol: listener.security_protocol.name().to_string(),
            }
        })
        .collect();
    BrokerInfo {
        broker_id,
        endpoints,
        rack: config.rack.clone(),
        jmx_port: -1,
        timestamp_ms: now_ms(),
    }
}

/// The machine's host name (Kafka advertises the canonical host name for an empty host).
fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Watches the session; after expiry connects a new one and registers again (Kafka's
/// `SessionExpirationListener` → `registerBroker`), retrying until it works or the broker
/// shuts down (the task is aborted then).
pub async fn watch_session(
    context: Arc<BrokerContext>,
    config: Arc<KafkaConfig>,
    info: BrokerInfo,
) {
    loop {
        let Some(zk) = context.zk() else { return };
        let mut watcher = zk.state_watcher();
        drop(zk);
        loop {
            let state = watcher.changed().await;
            if state == zk::SessionState::Expired {
                break;
            }
            if state.is_terminated() {
                return;
            }
        }
        log::info!(target: SERVER_LOGGER, "[KafkaServer id={}] ZooKeeper session expired; re-registering", info.broker_id);
        let zk = loop {
            match reconnect_and_register(&config, &info).await {
                Ok((zk, epoch)) => {
                    context.replica_manager.set_broker_epoch(epoch);
                    break zk;
                }
                Err(e) => {
                    log::error!(target: SERVER_LOGGER, "Error re-registering broker {}: {e}", info.broker_id);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        context.replace_zk(zk.clone());
        if let Some(controller) = context.controller() {
            if let Err(e) = controller.new_session(zk).await {
                log::error!(target: SERVER_LOGGER, "Cannot hand the new session to the controller: {e}");
            }
        }
    }
}

async fn reconnect_and_register(
    config: &KafkaConfig,
    info: &BrokerInfo,
) -> Result<(KafkaZkClient, i64), gregor_zk::ZkError> {
    let zk = KafkaZkClient::connect(
        &config.zk_connect,
        u64::try_from(config.zk_session_timeout_ms).unwrap_or(6000),
        u64::try_from(config.zk_connection_timeout_ms).unwrap_or(6000),
    )
    .await?;
    let epoch = zk.register_broker(info).await?;
    Ok((zk, epoch))
}
