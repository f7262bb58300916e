//! Reaching a group's coordinator: FindCoordinator (key type 0) with the answer cached per group,
//! requests sent to the coordinator, and the retry rule every group API shares, as the Java
//! client's `AbstractCoordinator` applies it: COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR
//! forget the coordinator and look it up again after `retry.backoff.ms`;
//! COORDINATOR_LOAD_IN_PROGRESS and lost connections retry after the backoff; anything else is
//! the caller's to handle. Retries stop at a deadline, not after a count, because a new
//! cluster's `__consumer_offsets` can take seconds to get leaders.

use std::future::Future;
use std::time::{Duration, Instant};

use gregor_protocol::{ApiKey, ErrorCode, FindCoordinatorRequest};

use crate::client::KafkaClient;
use crate::error::ClientError;
use crate::operations::Coordinator;
use crate::request::KafkaRequest;

/// FindCoordinator key type of consumer groups.
pub const GROUP_KEY_TYPE: i8 = 0;

/// True for the codes that mean "this broker is not (or not yet) the group's coordinator".
pub(crate) fn coordinator_moved(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
    )
}

impl KafkaClient {
    /// The coordinator of `group`: the cached one, else one FindCoordinator round trip (whose
    /// retriable failures the caller retries). Makes sure metadata knows the coordinator's
    /// broker, so a connection to it can be opened.
    pub async fn group_coordinator(&self, group: &str) -> Result<Coordinator, ClientError> {
        if let Some(coordinator) = self.cached_coordinator(group) {
            return Ok(coordinator);
        }
        let request = FindCoordinatorRequest {
            key: group.to_string(),
            key_type: GROUP_KEY_TYPE,
            ..Default::default()
        };
        let response = self.send_to_any(request).await?;
        if !response.error_code.is_ok() {
            return Err(ClientError::Kafka {
                api: ApiKey::FindCoordinator,
                error: response.error_code,
                message: response.error_message,
            });
        }
        let coordinator = Coordinator {
            node_id: response.node_id,
            host: response.host,
            port: response.port,
        };
        if self.cluster().broker(coordinator.node_id).is_none() {
            self.refresh_metadata(&[]).await?;
        }
        self.cache_coordinator(group, coordinator.clone());
        Ok(coordinator)
    }

    /// Sends `request` to the coordinator of `group` (once; bounded by `timeout_ms` when given,
    /// else by `request.timeout.ms`). A failed connection forgets the coordinator.
    pub async fn send_to_group_coordinator<R: KafkaRequest>(
        &self,
        group: &str,
        request: R,
        timeout_ms: Option<u64>,
    ) -> Result<R::Response, ClientError> {
        let coordinator = self.group_coordinator(group).await?;
        let result = match self.connection(coordinator.node_id).await {
            Ok(connection) => match timeout_ms {
                Some(timeout_ms) => connection.send_with_timeout(request, timeout_ms).await,
                None => connection.send(request).await,
            },
            Err(error) => Err(error),
        };
        if result
            .as_ref()
            .is_err_and(|error| error.error_code().is_none())
        {
            self.forget_group_coordinator(group);
        }
        result
    }

    /// Turns a group-level error code into a result: coordinator moves forget the coordinator
    /// (and stay retriable, like every retriable Kafka code).
    pub fn check_group_error(
        &self,
        group: &str,
        api: ApiKey,
        error: ErrorCode,
    ) -> Result<(), ClientError> {
        if error.is_ok() {
            return Ok(());
        }
        if coordinator_moved(error) {
            self.forget_group_coordinator(group);
        }
        Err(ClientError::kafka(api, error))
    }

    /// Runs `attempt` until it succeeds, fails with a non-retriable error, or `timeout_ms` has
    /// passed; waits `retry.backoff.ms` between attempts.
    pub async fn retry_group_request<T, F, Fut>(
        &self,
        timeout_ms: u64,
        mut attempt: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let backoff = Duration::from_millis(self.config().retry_backoff_ms);
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retriable() && Instant::now() + backoff < deadline => {
                    log::debug!("[Client] group request retried after: {error}");
                    tokio::time::sleep(backoff).await;
                }
                Err(error) => return Err(error),
            }
        }
    }
}
