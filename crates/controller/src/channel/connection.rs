//! One controller → broker connection, over `gregor-client`'s [`BrokerConnection`] (TCP to the
//! broker's inter-broker endpoint, ApiVersions v3 negotiation with the KIP-511 fallback). The
//! controller keeps one request in flight per broker, as Kafka's `RequestSendThread` does, and
//! fits each request to the negotiated version before sending.

use gregor_client::{BrokerConnection, ClientError, ConnectionConfig};
use gregor_protocol::{ApiKey, RequestBody, ResponseBody};

use super::versions::fit_to_version;

/// Largest response frame accepted; control responses are small (per-partition errors).
const MAX_RESPONSE_BYTES: usize = 100 * 1024 * 1024;

/// Why a request to a broker failed; the channel reconnects and retries.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Connecting, negotiating, sending or receiving failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The broker did not answer a request that Kafka always answers.
    #[error("no response to {0:?}")]
    NoResponse(ApiKey),
}

/// An open, negotiated connection.
pub struct ControllerConnection {
    /// The client connection.
    inner: BrokerConnection,
}

impl ControllerConnection {
    /// Connects to `host:port` and negotiates versions; `timeout_ms` bounds the connect and
    /// every request (`controller.socket.timeout.ms`).
    pub async fn open(
        host: &str,
        port: i32,
        client_id: String,
        timeout_ms: u64,
    ) -> Result<ControllerConnection, ConnectionError> {
        let addr = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let config = ConnectionConfig {
            client_id: Some(client_id),
            connect_timeout_ms: timeout_ms,
            request_timeout_ms: timeout_ms,
            max_in_flight: 1,
            max_response_bytes: MAX_RESPONSE_BYTES,
            ..ConnectionConfig::default()
        };
        let inner = BrokerConnection::connect(&addr, config).await?;
        Ok(ControllerConnection { inner })
    }

    /// Sends `body` at the highest version both sides support and waits for the response.
    pub async fn send(&mut self, body: RequestBody) -> Result<ResponseBody, ConnectionError> {
        let api_key = body.api_key();
        let version = self.inner.version_for(api_key)?;
        let body = fit_to_version(body, version);
        self.inner
            .send_body(body, version)
            .await?
            .ok_or(ConnectionError::NoResponse(api_key))
    }

    /// True once the connection died and must be reopened.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
