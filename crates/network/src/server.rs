//! The acceptor side: binding listeners, accepting connections under the connection limits,
//! spawning one task per connection, and graceful shutdown.
//!
//! Shutdown order: [`ServerHandle::shutdown`] stops every acceptor and tells connections to stop
//! reading; requests already read are handled and their responses written; after
//! `shutdown_timeout_ms` whatever remains is closed and [`Server::run`] returns.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socket2::SockRef;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{ListenerConfig, NetworkConfig};
use crate::connection;
use crate::metrics::NetworkMetrics;
use crate::quota::ConnectionQuotas;
use crate::service::{RequestContext, Service};

/// Kafka binds with Java's default backlog of 50; connections waiting for a `max.connections`
/// slot queue here.
const LISTEN_BACKLOG: u32 = 50;

/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A listener's host did not resolve to any address.
    #[error("listener {listener}: cannot resolve host '{host}'")]
    Resolve {
        /// Listener name.
        listener: String,
        /// The host as configured.
        host: String,
    },
    /// Binding or listening failed (port in use, permission, ...).
    #[error("listener {listener}: cannot bind {addr}: {source}")]
    Bind {
        /// Listener name.
        listener: String,
        /// The address tried.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// State every acceptor and connection task shares.
pub(crate) struct Shared<S> {
    /// The request handlers.
    pub(crate) service: Arc<S>,
    /// Limits and socket options.
    pub(crate) config: NetworkConfig,
    /// Counters.
    pub(crate) metrics: Arc<NetworkMetrics>,
    /// Connection counts for `max.connections` and `max.connections.per.ip`.
    quotas: Arc<ConnectionQuotas>,
    /// Cancelled by [`ServerHandle::shutdown`]: stop accepting and reading.
    pub(crate) shutdown: CancellationToken,
    /// Cancelled when the shutdown timeout runs out: drop every connection now.
    pub(crate) force_close: CancellationToken,
    /// The acceptor and connection tasks, awaited by [`Server::run`].
    tracker: TaskTracker,
    /// Source of connection ids.
    next_connection_id: AtomicU64,
}

/// A bound listener.
struct BoundListener {
    /// Listener name (`PLAINTEXT`).
    name: Arc<str>,
    /// The listening socket.
    listener: TcpListener,
    /// The address actually bound (the OS's port when 0 was configured).
    local_addr: SocketAddr,
}

/// A network server with its listeners bound, ready to [`run`](Server::run).
pub struct Server<S> {
    /// Shared with the tasks `run` spawns.
    shared: Arc<Shared<S>>,
    /// Bound listeners, in configuration order.
    listeners: Vec<BoundListener>,
}

/// Stops a running [`Server`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct ServerHandle {
    /// See [`Shared::shutdown`].
    shutdown: CancellationToken,
}

impl ServerHandle {
    /// Starts a graceful shutdown; [`Server::run`] returns when it is complete.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl<S: Service> Server<S> {
    /// Binds every configured listener. Port 0 binds an ephemeral port; read it with
    /// [`Server::local_addr`].
    pub async fn bind(config: NetworkConfig, service: Arc<S>) -> Result<Self, NetworkError> {
        let mut listeners = Vec::with_capacity(config.listeners.len());
        for listener_config in &config.listeners {
            listeners.push(bind_listener(listener_config, &config).await?);
        }
        let shared = Arc::new(Shared {
            service,
            metrics: Arc::new(NetworkMetrics::default()),
            quotas: ConnectionQuotas::new(&config),
            config,
            shutdown: CancellationToken::new(),
            force_close: CancellationToken::new(),
            tracker: TaskTracker::new(),
            next_connection_id: AtomicU64::new(0),
        });
        Ok(Server { shared, listeners })
    }

    /// The bound address of the listener named `name`.
    pub fn local_addr(&self, name: &str) -> Option<SocketAddr> {
        self.listeners
            .iter()
            .find(|listener| &*listener.name == name)
            .map(|listener| listener.local_addr)
    }

    /// Every listener's name and bound address, in configuration order.
    pub fn local_addrs(&self) -> Vec<(String, SocketAddr)> {
        self.listeners
            .iter()
            .map(|listener| (listener.name.to_string(), listener.local_addr))
            .collect()
    }

    /// A handle that can shut the server down.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shutdown: self.shared.shutdown.clone(),
        }
    }

    /// The server's counters.
    pub fn metrics(&self) -> Arc<NetworkMetrics> {
        Arc::clone(&self.shared.metrics)
    }

    /// Accepts and serves connections until shutdown, then waits (up to `shutdown_timeout_ms`)
    /// for in-flight responses before closing the remaining connections.
    pub async fn run(self) {
        let shared = self.shared;
        for listener in self.listeners {
            let acceptor_shared = Arc::clone(&shared);
            shared.tracker.spawn(accept_loop(listener, acceptor_shared));
        }
        shared.shutdown.cancelled().await;
        shared.tracker.close();
        let timeout = Duration::from_millis(shared.config.shutdown_timeout_ms);
        if tokio::time::timeout(timeout, shared.tracker.wait())
            .await
            .is_err()
        {
            log::warn!("Shutdown timeout of {timeout:?} reached, closing remaining connections");
            shared.force_close.cancel();
            shared.tracker.wait().await;
        }
        log::info!("Network server shut down");
    }
}

/// Resolves, binds and listens for one listener, with Kafka's server socket options.
async fn bind_listener(
    listener: &ListenerConfig,
    config: &NetworkConfig,
) -> Result<BoundListener, NetworkError> {
    let host = if listener.host.is_empty() {
        "0.0.0.0"
    } else {
        listener.host.as_str()
    };
    let resolve_error = || NetworkError::Resolve {
        listener: listener.name.clone(),
        host: listener.host.clone(),
    };
    let addr = tokio::net::lookup_host((host, listener.port))
        .await
        .map_err(|_| resolve_error())?
        .next()
        .ok_or_else(resolve_error)?;
    let bind_error = |source| NetworkError::Bind {
        listener: listener.name.clone(),
        addr,
        source,
    };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(bind_error)?;
    socket.set_reuseaddr(true).map_err(bind_error)?;
    // Set before listen so accepted sockets inherit it, as Kafka does.
    if let Ok(bytes) = u32::try_from(config.socket_receive_buffer_bytes) {
        socket.set_recv_buffer_size(bytes).map_err(bind_error)?;
    }
    socket.bind(addr).map_err(bind_error)?;
    let tcp_listener = socket.listen(LISTEN_BACKLOG).map_err(bind_error)?;
    let local_addr = tcp_listener.local_addr().map_err(bind_error)?;
    log::info!(
        "Awaiting socket connections on {local_addr} ({})",
        listener.name
    );
    Ok(BoundListener {
        name: Arc::from(listener.name.as_str()),
        listener: tcp_listener,
        local_addr,
    })
}

/// Accepts connections on one listener until shutdown.
async fn accept_loop<S: Service>(listener: BoundListener, shared: Arc<Shared<S>>) {
    loop {
        let accepted = tokio::select! {
            biased;
            _ = shared.shutdown.cancelled() => return,
            accepted = listener.listener.accept() => accepted,
        };
        let (stream, peer_addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                log::error!("Error accepting connection on {}: {e}", listener.name);
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        // Like Kafka's acceptor, wait here while the broker is at max.connections.
        let slot = tokio::select! {
            biased;
            _ = shared.shutdown.cancelled() => return,
            slot = shared.quotas.acquire(peer_addr.ip()) => slot,
        };
        let slot = match slot {
            Ok(slot) => slot,
            Err(too_many) => {
                log::info!("Rejected connection from {}, {too_many}", peer_addr.ip());
                shared.metrics.connection_rejected();
                continue;
            }
        };
        if let Err(e) = configure_socket(&stream, &shared.config) {
            log::warn!("Cannot set socket options for {peer_addr}: {e}; closing it");
            continue;
        }
        let context = RequestContext {
            connection_id: shared.next_connection_id.fetch_add(1, Ordering::Relaxed),
            peer_addr,
            local_addr: listener.local_addr,
            listener_name: Arc::clone(&listener.name),
            client_id: None,
        };
        let connection_shared = Arc::clone(&shared);
        shared.metrics.connection_opened();
        let guard = OpenConnection {
            metrics: Arc::clone(&shared.metrics),
            _slot: slot,
        };
        shared.tracker.spawn(async move {
            connection::serve(stream, context, connection_shared).await;
            drop(guard);
        });
    }
}

/// Holds a connection's quota slot and open-connection count; released on drop, so even a
/// panicking handler gives them back.
struct OpenConnection {
    /// Where the connection is counted.
    metrics: Arc<NetworkMetrics>,
    /// Released with the connection.
    _slot: crate::quota::ConnectionSlot,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.metrics.connection_closed();
    }
}

/// Kafka's per-connection socket options: TCP_NODELAY, SO_KEEPALIVE, SO_SNDBUF.
fn configure_socket(stream: &TcpStream, config: &NetworkConfig) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let socket = SockRef::from(stream);
    socket.set_keepalive(true)?;
    if let Ok(bytes) = usize::try_from(config.socket_send_buffer_bytes) {
        socket.set_send_buffer_size(bytes)?;
    }
    Ok(())
}
