//! [`BrokerConnection`]: one TCP connection to one broker. Connecting negotiates API versions
//! (ApiVersions v3 with the KIP-511 fallback, §2); afterwards every request goes out at the
//! highest version both sides support unless the caller pins or caps it. Requests pipeline: many
//! may be in flight (up to `max_in_flight`), and each `send` resolves with its own response.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use gregor_protocol::{
    encode_request, ApiKey, ApiVersionsRequest, ApiVersionsResponse, ErrorCode, RequestBody,
    RequestHeader, ResponseBody,
};
use tokio::net::{lookup_host, TcpStream};
use tokio::sync::oneshot;

use crate::error::ClientError;
use crate::request::KafkaRequest;
use crate::versions::BrokerApiVersions;
use crate::wire::{Outgoing, Pending, Wire};

/// How connections behave. Defaults follow the Java client where it has a setting.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// `client.id` sent in every request header.
    pub client_id: Option<String>,
    /// Bound on the TCP connect (Java: `socket.connection.setup.timeout.ms` did not exist in
    /// 2.4; we bound it anyway so a black-holed address cannot hang a tool).
    pub connect_timeout_ms: u64,
    /// `request.timeout.ms`: bound on each request, from send to response.
    pub request_timeout_ms: u64,
    /// Requests written and not yet answered, per connection.
    pub max_in_flight: usize,
    /// Largest response frame accepted; larger sizes close the connection before allocating.
    pub max_response_bytes: usize,
    /// Highest version to use per API (the caller's cap on negotiation).
    pub max_versions: HashMap<ApiKey, i16>,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            client_id: Some("gregor".to_string()),
            connect_timeout_ms: 10_000,
            request_timeout_ms: 30_000,
            max_in_flight: 100,
            max_response_bytes: 256 * 1024 * 1024,
            max_versions: HashMap::new(),
        }
    }
}

/// `client_software_name` of our ApiVersions v3 request (must match Kafka's name pattern).
pub const CLIENT_SOFTWARE_NAME: &str = "gregor";

/// A connected, version-negotiated connection to one broker.
pub struct BrokerConnection {
    /// `host:port` as given, for errors and logs.
    addr: String,
    /// Settings (timeouts, caps).
    config: ConnectionConfig,
    /// The socket and its tasks.
    wire: Wire,
    /// The broker's ApiVersions answer.
    versions: BrokerApiVersions,
    /// Next correlation id; wraps around, which is harmless with in-order matching.
    next_correlation_id: AtomicI32,
}

impl BrokerConnection {
    /// Connects to `addr` (`host:port`), sets TCP_NODELAY and negotiates API versions.
    pub async fn connect(addr: &str, config: ConnectionConfig) -> Result<Self, ClientError> {
        let stream = open_socket(addr, config.connect_timeout_ms).await?;
        let wire = Wire::start(
            stream,
            addr.to_string(),
            config.max_in_flight,
            config.max_response_bytes,
        );
        let mut connection = Self {
            addr: addr.to_string(),
            config,
            wire,
            versions: BrokerApiVersions::default(),
            next_correlation_id: AtomicI32::new(0),
        };
        connection.versions = connection.negotiate_versions().await?;
        log::debug!("[Client] connected to {addr}");
        Ok(connection)
    }

    /// ApiVersions at our highest version; on error 35 retry at the highest version the broker
    /// lists for key 18 (never higher than what we just sent, so this always ends), as
    /// `NetworkClient.handleApiVersionsResponse` does.
    async fn negotiate_versions(&self) -> Result<BrokerApiVersions, ClientError> {
        let mut version = *ApiKey::ApiVersions.valid_versions().end();
        loop {
            let request = ApiVersionsRequest {
                client_software_name: CLIENT_SOFTWARE_NAME.to_string(),
                client_software_version: env!("CARGO_PKG_VERSION").to_string(),
                ..Default::default()
            };
            let response: ApiVersionsResponse = self.exchange(request, version).await?;
            match response.error_code {
                ErrorCode::None => return Ok(BrokerApiVersions::from_response(&response)),
                ErrorCode::UnsupportedVersion if version > 0 => {
                    let listed = response
                        .api_keys
                        .iter()
                        .find(|entry| entry.api_key == ApiKey::ApiVersions.code())
                        .map_or(0, |entry| entry.max_version);
                    version = listed.clamp(0, version - 1);
                    log::debug!("[Client] {} wants ApiVersions v{version}", self.addr);
                }
                error => return Err(ClientError::kafka(ApiKey::ApiVersions, error)),
            }
        }
    }

    /// The broker address this connection was opened to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The broker's advertised version ranges.
    pub fn api_versions(&self) -> &BrokerApiVersions {
        &self.versions
    }

    /// The version `send` would use for `api`.
    pub fn version_for(&self, api: ApiKey) -> Result<i16, ClientError> {
        let cap = self.config.max_versions.get(&api).copied();
        self.versions.negotiate(api, cap)
    }

    /// Sends `request` at the negotiated version and waits for its response. For Produce with
    /// acks = 0 it returns as soon as the request is written, with an empty response.
    pub async fn send<R: KafkaRequest>(&self, request: R) -> Result<R::Response, ClientError> {
        let version = self.version_for(R::API_KEY)?;
        self.exchange(request, version).await
    }

    /// Like [`Self::send`] with its own bound instead of `request_timeout_ms`: the Java consumer
    /// gives JoinGroup `rebalance.timeout.ms` + 5 s, since the coordinator parks it until every
    /// member has rejoined.
    pub async fn send_with_timeout<R: KafkaRequest>(
        &self,
        request: R,
        timeout_ms: u64,
    ) -> Result<R::Response, ClientError> {
        let version = self.version_for(R::API_KEY)?;
        let body = self
            .send_body_within(request.into(), version, timeout_ms)
            .await?;
        self.typed::<R>(body)
    }

    /// Like [`Self::send`] at a version the caller pins (checked against both sides' ranges).
    pub async fn send_at<R: KafkaRequest>(
        &self,
        request: R,
        version: i16,
    ) -> Result<R::Response, ClientError> {
        let version = self.versions.check_pinned(R::API_KEY, version)?;
        self.exchange(request, version).await
    }

    /// Requests written and not yet answered.
    pub fn in_flight_count(&self) -> usize {
        self.wire.in_flight_count()
    }

    /// True once the connection is dead; a new one must be opened.
    pub fn is_closed(&self) -> bool {
        self.wire.is_closed()
    }

    /// Closes the connection, failing every request in flight with `Disconnected`.
    pub fn close(&self) {
        self.wire.close("closed by the client");
    }

    /// Sends at `version` without checking it against the broker (the handshake needs this) and
    /// maps the response body to the request's type.
    async fn exchange<R: KafkaRequest>(
        &self,
        request: R,
        version: i16,
    ) -> Result<R::Response, ClientError> {
        let body = self.send_body(request.into(), version).await?;
        self.typed::<R>(body)
    }

    /// The response body as the request's response type.
    fn typed<R: KafkaRequest>(
        &self,
        body: Option<ResponseBody>,
    ) -> Result<R::Response, ClientError> {
        match body {
            Some(body) => R::response_from(body).ok_or_else(|| self.protocol("wrong response API")),
            None => R::unanswered_response().ok_or_else(|| self.protocol("missing response")),
        }
    }

    /// Sends a request body at `version`, which is NOT checked against the broker's ranges (use
    /// [`Self::send`] or [`Self::send_at`] for that); `None` for requests Kafka does not answer. Waiting
    /// for a free in-flight slot is not timed (a slot frees when a request is answered, times
    /// out or the connection dies); from then on the exchange is bounded by
    /// `request_timeout_ms`, and a timeout closes the connection (the broker answers in order,
    /// so nothing behind the late request could arrive in time), as the Java client does.
    pub async fn send_body(
        &self,
        body: RequestBody,
        version: i16,
    ) -> Result<Option<ResponseBody>, ClientError> {
        self.send_body_within(body, version, self.config.request_timeout_ms)
            .await
    }

    /// [`Self::send_body`] bounded by `timeout_ms` instead of `request_timeout_ms`.
    async fn send_body_within(
        &self,
        body: RequestBody,
        version: i16,
        timeout_ms: u64,
    ) -> Result<Option<ResponseBody>, ClientError> {
        let api_key = body.api_key();
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);
        let header = RequestHeader::new(
            api_key,
            version,
            correlation_id,
            self.config.client_id.as_deref(),
        );
        let frame = encode_request(&header, &body)?;
        if !body.expects_response() {
            let (written, done) = oneshot::channel();
            let write = async {
                self.wire
                    .submit(Outgoing::NoResponse { frame, written })
                    .await?;
                done.await.map_err(|_| self.wire.disconnected())?
            };
            return self.timed(api_key, timeout_ms, write).await.map(|()| None);
        }
        let permit = self.wire.acquire_slot().await?;
        let (reply, response) = oneshot::channel();
        let pending = Pending {
            correlation_id,
            api_key,
            version,
            reply,
            permit,
        };
        let round_trip = async {
            self.wire
                .submit(Outgoing::Request { frame, pending })
                .await?;
            response.await.map_err(|_| self.wire.disconnected())?
        };
        self.timed(api_key, timeout_ms, round_trip).await.map(Some)
    }

    /// Bounds `exchange` by `timeout_ms`, closing the connection when it runs out.
    async fn timed<T>(
        &self,
        api: ApiKey,
        timeout_ms: u64,
        exchange: impl std::future::Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let timeout = Duration::from_millis(timeout_ms);
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => {
                self.wire.close(&format!("{api:?} request timed out"));
                Err(ClientError::Timeout {
                    api,
                    addr: self.addr.clone(),
                    timeout,
                })
            }
        }
    }

    fn protocol(&self, reason: &str) -> ClientError {
        ClientError::Protocol {
            addr: self.addr.clone(),
            reason: reason.to_string(),
        }
    }
}

/// Resolves `addr` and connects to the first address that answers, within the timeout.
async fn open_socket(addr: &str, connect_timeout_ms: u64) -> Result<TcpStream, ClientError> {
    let timeout = Duration::from_millis(connect_timeout_ms);
    let io_error = |source| ClientError::Io {
        addr: addr.to_string(),
        source,
    };
    let attempt = async {
        let mut last_error = None;
        for socket_addr in lookup_host(addr).await.map_err(io_error)? {
            match TcpStream::connect(socket_addr).await {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(io_error)?;
                    return Ok(stream);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(io_error(last_error.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address resolved")
        })))
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| ClientError::ConnectTimeout {
            addr: addr.to_string(),
            timeout,
        })?
}
