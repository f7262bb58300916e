//! `KafkaServer.startup` step by step, in Kafka 2.4's order (kafka-2.4.md §1.1).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gregor_controller::{Controller, ControllerConfig};
use gregor_log::dir::BrokerMetadata;
use gregor_log::manager::{LogManager, LogManagerConfig};
use gregor_log::LogConfig;
use gregor_network::{ListenerConfig, NetworkConfig, Server};
use gregor_zk::{EntityConfig, KafkaZkClient};

use super::registration::{broker_info, watch_session};
use super::{config_changes, isr};
use super::{BrokerError, KafkaServer, SERVER_LOGGER};
use crate::cluster::MetadataCache;
use crate::config::KafkaConfig;
use crate::handlers::context::now_ms;
use crate::handlers::{BrokerContext, KafkaApis};
use crate::replica::fetch_session::DEFAULT_SESSION_CACHE_SLOTS;
use crate::replica::ReplicaManager;

/// Starts the broker; on error everything started so far is dropped (ZooKeeper session
/// closed, log dir locks released) and the caller exits non-zero.
pub async fn startup(config: KafkaConfig) -> Result<KafkaServer, BrokerError> {
    log::info!(target: SERVER_LOGGER, "starting");
    log::info!(target: SERVER_LOGGER, "Connecting to zookeeper on {}", config.zk_connect);
    let zk = KafkaZkClient::connect(
        &config.zk_connect,
        u64::try_from(config.zk_session_timeout_ms).unwrap_or(6000),
        u64::try_from(config.zk_connection_timeout_ms).unwrap_or(6000),
    )
    .await?;
    zk.create_top_level_paths().await?;
    let cluster_id = zk.get_or_create_cluster_id().await?.0;
    log::info!(target: SERVER_LOGGER, "Cluster ID = {cluster_id}");

    let log_dirs: Vec<PathBuf> = config.log_dirs.iter().map(PathBuf::from).collect();
    let stored = BrokerMetadata::read_all(&log_dirs)?;
    if let Some(meta) = &stored {
        meta.check_cluster_id(&cluster_id)?;
    }
    let broker_id = match BrokerMetadata::resolve_broker_id(config.broker_id, stored.as_ref())? {
        Some(id) => id,
        None => zk.generate_broker_id(config.max_reserved_broker_id).await?,
    };
    let mut config = config;
    config.broker_id = broker_id;
    let config = Arc::new(config);

    let log_manager = Arc::new(open_log_manager(&config, &zk).await?);
    let log_tasks = log_manager
        .start_background_tasks()
        .map_err(|source| BrokerError::Io {
            what: "the log manager's background tasks",
            source,
        })?;

    let metadata_cache = Arc::new(MetadataCache::new());
    let replica_manager = Arc::new(ReplicaManager::new(
        broker_id,
        Arc::clone(&log_manager),
        metadata_cache,
        usize::try_from(config.max_incremental_fetch_session_cache_slots)
            .unwrap_or(DEFAULT_SESSION_CACHE_SLOTS),
    ));
    let context = Arc::new(BrokerContext::new(
        broker_id,
        cluster_id.clone(),
        Arc::clone(&config),
        Arc::clone(&replica_manager),
        zk.clone(),
    ));
    let server = Server::bind(
        network_config(&config),
        Arc::new(KafkaApis::new(Arc::clone(&context))),
    )
    .await?;
    // Bound now so the registration can advertise the real ports, but not served until the end
    // of start-up, as Kafka 2.4 starts its data-plane processors last: clients (and the
    // controller's channel to this broker) wait in the listen backlog instead of reading a
    // half-started broker's empty metadata.
    let bound_listeners = server.local_addrs();
    let network = server.handle();

    let info = broker_info(&config, broker_id, &bound_listeners);
    let broker_epoch = zk.register_broker(&info).await?;
    replica_manager.set_broker_epoch(broker_epoch);
    let meta = BrokerMetadata {
        broker_id,
        cluster_id: Some(cluster_id),
    };
    for dir in log_manager.log_dirs() {
        meta.write(&dir)?;
    }
    context.set_controller(Controller::start(zk.clone(), controller_config(&config)));
    drop(zk);

    let mut tasks = vec![
        tokio::spawn(checkpoint_high_watermarks_periodically(
            Arc::clone(&replica_manager),
            config.replica_high_watermark_checkpoint_interval_ms,
        )),
        tokio::spawn(isr::shrink_isr_periodically(
            Arc::clone(&replica_manager),
            config.replica_lag_time_max_ms,
        )),
        tokio::spawn(watch_session(
            Arc::clone(&context),
            Arc::clone(&config),
            info,
        )),
    ];
    // Kafka starts its DynamicConfigManager last, once the broker is registered.
    tasks.push(config_changes::spawn(Arc::clone(&context)));
    if let Some(changes) = replica_manager.take_isr_change_receiver() {
        tasks.push(tokio::spawn(isr::write_isr_changes(
            Arc::clone(&context),
            changes,
        )));
    }
    let network_task = tokio::spawn(server.run());
    log::info!(target: SERVER_LOGGER, "[KafkaServer id={broker_id}] started");
    Ok(KafkaServer {
        broker_id,
        bound_listeners,
        context,
        log_manager,
        log_tasks: Some(log_tasks),
        network,
        network_task,
        tasks,
    })
}

/// Loads every log with its topic's config (`/config/topics/<t>` over the broker defaults),
/// on a blocking thread because recovery reads whole segments.
async fn open_log_manager(
    config: &KafkaConfig,
    zk: &KafkaZkClient,
) -> Result<LogManager, BrokerError> {
    let props: HashMap<String, String> = config
        .originals()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut manager_config = LogManagerConfig::from_props(&props)?;
    manager_config.log_dirs = config.log_dirs.iter().map(PathBuf::from).collect();
    let topic_configs = read_topic_configs(zk, &manager_config.default_log_config).await?;
    let opened = tokio::task::spawn_blocking(move || {
        LogManager::open(manager_config, &topic_configs, now_ms())
    })
    .await
    .map_err(|e| BrokerError::Io {
        what: "the log manager",
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(opened?)
}

/// Every topic's effective log config from `/config/topics` (Kafka reads them all before
/// loading the logs).
async fn read_topic_configs(
    zk: &KafkaZkClient,
    defaults: &LogConfig,
) -> Result<HashMap<String, LogConfig>, BrokerError> {
    let mut configs = HashMap::new();
    for topic in zk.get_children("/config/topics").await? {
        let path = gregor_zk::paths::topic_config_path(&topic);
        let Some((data, _)) = zk.get_data(&path).await? else {
            continue;
        };
        match EntityConfig::decode(&path, &data)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                defaults
                    .with_overrides(c.config.iter())
                    .map_err(|e| e.to_string())
            }) {
            Ok(config) => {
                configs.insert(topic, config);
            }
            Err(e) => {
                log::warn!(target: SERVER_LOGGER, "Ignoring the config of topic {topic}: {e}")
            }
        }
    }
    Ok(configs)
}

/// The controller module's settings from `server.properties`.
fn controller_config(config: &KafkaConfig) -> ControllerConfig {
    ControllerConfig {
        broker_id: config.broker_id,
        inter_broker_listener_name: config.inter_broker_listener_name.clone(),
        delete_topic_enable: config.delete_topic_enable,
        auto_leader_rebalance_enable: config.auto_leader_rebalance_enable,
        leader_imbalance_check_interval_seconds: u64::try_from(
            config.leader_imbalance_check_interval_seconds,
        )
        .unwrap_or(300),
        leader_imbalance_per_broker_percentage: u32::try_from(
            config.leader_imbalance_per_broker_percentage,
        )
        .unwrap_or(10),
        unclean_leader_election_enable: config.unclean_leader_election_enable,
        controller_socket_timeout_ms: u64::try_from(config.controller_socket_timeout_ms)
            .unwrap_or(30_000),
    }
}

/// The network layer's settings from `server.properties`.
fn network_config(config: &KafkaConfig) -> NetworkConfig {
    let mut network = NetworkConfig {
        listeners: config
            .listeners
            .iter()
            .map(|l| ListenerConfig {
                name: l.listener_name.clone(),
                host: l.host.clone().unwrap_or_default(),
                port: l.port,
            })
            .collect(),
        socket_request_max_bytes: config.socket_request_max_bytes,
        socket_send_buffer_bytes: config.socket_send_buffer_bytes,
        socket_receive_buffer_bytes: config.socket_receive_buffer_bytes,
        connections_max_idle_ms: u64::try_from(config.connections_max_idle_ms).unwrap_or(600_000),
        ..NetworkConfig::default()
    };
    network.max_connections_per_ip = usize::try_from(config.max_connections_per_ip)
        .ok()
        .filter(|n| *n < usize::try_from(i32::MAX).unwrap_or(usize::MAX));
    network.max_connections = usize::try_from(config.max_connections)
        .ok()
        .filter(|n| *n < usize::try_from(i32::MAX).unwrap_or(usize::MAX));
    network
}

/// Kafka's `highwatermark-checkpoint` task.
async fn checkpoint_high_watermarks_periodically(
    replica_manager: Arc<ReplicaManager>,
    interval_ms: i64,
) {
    let period = Duration::from_millis(u64::try_from(interval_ms.max(100)).unwrap_or(5000));
    let mut ticker = tokio::time::interval(period);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let manager = Arc::clone(&replica_manager);
        if tokio::task::spawn_blocking(move || manager.checkpoint_high_watermarks())
            .await
            .is_err()
        {
            log::error!(target: SERVER_LOGGER, "High watermark checkpoint task failed");
        }
    }
}
