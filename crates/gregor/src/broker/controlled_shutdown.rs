//! The broker side of controlled shutdown (Kafka's `KafkaServer.controlledShutdown`): ask the
//! controller to move leadership away, up to `controlled.shutdown.max.retries` times with
//! `controlled.shutdown.retry.backoff.ms` between attempts, before stopping anything. The
//! request goes to the controller's inter-broker endpoint over the Kafka protocol, or straight
//! to our own controller module when it is the active one.

use std::time::Duration;

use gregor_client::{BrokerConnection, ConnectionConfig};
use gregor_protocol::{ControlledShutdownRequest, ErrorCode};

use super::SERVER_LOGGER;
use crate::handlers::BrokerContext;

/// Runs the controlled shutdown; returns true when the controller reported success.
pub async fn controlled_shutdown(context: &BrokerContext) -> bool {
    let config = &context.config;
    let id = context.broker_id;
    let attempts = config.controlled_shutdown_max_retries.max(1);
    let backoff = Duration::from_millis(
        u64::try_from(config.controlled_shutdown_retry_backoff_ms).unwrap_or(5000),
    );
    for attempt in 1..=attempts {
        log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] Starting controlled shutdown");
        match attempt_once(context).await {
            Ok(true) => {
                log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] Controlled shutdown succeeded");
                return true;
            }
            Ok(false) => {
                log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] Remaining partitions to move: controlled shutdown not yet complete")
            }
            Err(e) => {
                log::warn!(target: SERVER_LOGGER, "[KafkaServer id={id}] Error during controlled shutdown, possibly because leader movement took longer than the configured controller.socket.timeout.ms and/or request.timeout.ms: {e}")
            }
        }
        if attempt < attempts {
            log::info!(target: SERVER_LOGGER, "[KafkaServer id={id}] Retrying controlled shutdown after the previous attempt failed...");
            tokio::time::sleep(backoff).await;
        }
    }
    log::warn!(target: SERVER_LOGGER, "[KafkaServer id={id}] Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed");
    false
}

/// One attempt: Ok(true) when no partition is left to move.
async fn attempt_once(context: &BrokerContext) -> Result<bool, String> {
    let broker_epoch = context.replica_manager.broker_epoch();
    if let Some(controller) = context.controller().filter(|c| c.is_active()) {
        let remaining = controller
            .controlled_shutdown(context.broker_id, broker_epoch)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(remaining.is_empty());
    }
    let controller_id = context
        .metadata_cache
        .controller_id()
        .or_else(|| context.controller().and_then(|c| c.controller_id()))
        .ok_or("no controller is known")?;
    let broker = context
        .metadata_cache
        .broker(controller_id)
        .ok_or_else(|| format!("controller {controller_id} is not in the metadata cache"))?;
    let endpoint = broker
        .endpoint(&context.config.inter_broker_listener_name)
        .ok_or("the controller has no inter-broker endpoint")?;
    let addr = format!("{}:{}", endpoint.host, endpoint.port);
    let connection = BrokerConnection::connect(&addr, ConnectionConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    let response = connection
        .send(ControlledShutdownRequest {
            broker_id: context.broker_id,
            broker_epoch,
            ..ControlledShutdownRequest::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    match response.error_code {
        ErrorCode::None => Ok(response.remaining_partitions.is_empty()),
        error => Err(format!("controller answered {error}")),
    }
}
