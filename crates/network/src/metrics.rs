//! Counters the network keeps cheaply: relaxed atomics, read as a snapshot. No exporter.

use std::sync::atomic::{AtomicU64, Ordering};

/// Request counters are kept for API keys below this bound (2.4.1 defines 0..=47).
pub const TRACKED_API_KEYS: usize = 64;

/// Live counters shared by the acceptors and connection tasks.
#[derive(Debug)]
pub struct NetworkMetrics {
    /// Connections accepted and registered since start.
    connections_accepted: AtomicU64,
    /// Connections closed right after accept by `max.connections.per.ip`.
    connections_rejected: AtomicU64,
    /// Connections currently open.
    connections_active: AtomicU64,
    /// Connections closed for bad input (size, header, body, key, version).
    bad_requests: AtomicU64,
    /// Connections closed by the idle timeout.
    idle_closed: AtomicU64,
    /// Request frames received, by API key.
    requests_by_key: [AtomicU64; TRACKED_API_KEYS],
    /// Request bytes received (size prefixes included).
    bytes_received: AtomicU64,
    /// Response bytes written (size prefixes included).
    bytes_sent: AtomicU64,
}

/// A point-in-time copy of [`NetworkMetrics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// See [`NetworkMetrics`].
    pub connections_accepted: u64,
    /// See [`NetworkMetrics`].
    pub connections_rejected: u64,
    /// See [`NetworkMetrics`].
    pub connections_active: u64,
    /// See [`NetworkMetrics`].
    pub bad_requests: u64,
    /// See [`NetworkMetrics`].
    pub idle_closed: u64,
    /// Request counts indexed by API key.
    pub requests_by_key: Vec<u64>,
    /// See [`NetworkMetrics`].
    pub bytes_received: u64,
    /// See [`NetworkMetrics`].
    pub bytes_sent: u64,
}

impl Default for NetworkMetrics {
    fn default() -> Self {
        NetworkMetrics {
            connections_accepted: AtomicU64::new(0),
            connections_rejected: AtomicU64::new(0),
            connections_active: AtomicU64::new(0),
            bad_requests: AtomicU64::new(0),
            idle_closed: AtomicU64::new(0),
            requests_by_key: std::array::from_fn(|_| AtomicU64::new(0)),
            bytes_received: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
        }
    }
}

impl NetworkMetrics {
    /// Copies the counters.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        MetricsSnapshot {
            connections_accepted: load(&self.connections_accepted),
            connections_rejected: load(&self.connections_rejected),
            connections_active: load(&self.connections_active),
            bad_requests: load(&self.bad_requests),
            idle_closed: load(&self.idle_closed),
            requests_by_key: self.requests_by_key.iter().map(load).collect(),
            bytes_received: load(&self.bytes_received),
            bytes_sent: load(&self.bytes_sent),
        }
    }

    pub(crate) fn connection_opened(&self) {
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
        self.connections_active.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.connections_active.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_rejected(&self) {
        self.connections_rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn bad_request(&self) {
        self.bad_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn idle_close(&self) {
        self.idle_closed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn request(&self, api_key: i16, frame_bytes: usize) {
        if let Some(counter) = usize::try_from(api_key)
            .ok()
            .and_then(|key| self.requests_by_key.get(key))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        self.bytes_received
            .fetch_add(frame_bytes as u64 + 4, Ordering::Relaxed);
    }

    pub(crate) fn sent(&self, bytes: u64) {
        self.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
    }
}
