//! Connection limits: `max.connections` and `max.connections.per.ip` (+ overrides).
//!
//! Kafka 2.4.1 (`ConnectionQuotas.inc`) first waits for a broker-wide slot, blocking the acceptor
//! while the broker is at `max.connections` (new clients wait in the TCP backlog), and then
//! counts the address; an address over its cap is closed right after accept. This module keeps
//! the counts; a [`ConnectionSlot`] gives both back when the connection ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::NetworkConfig;

/// An address already holds its maximum number of connections.
#[derive(Debug, thiserror::Error)]
#[error("address {ip} already has the configured maximum of {max} connections")]
pub struct TooManyConnections {
    /// The client address.
    pub ip: IpAddr,
    /// Its cap.
    pub max: usize,
}

/// Shared connection counts of all listeners.
#[derive(Debug)]
pub(crate) struct ConnectionQuotas {
    /// Broker-wide slots; `None` when `max.connections` is unlimited.
    slots: Option<Arc<Semaphore>>,
    /// Open connections per client address.
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    /// `max.connections.per.ip`.
    default_max_per_ip: Option<usize>,
    /// `max.connections.per.ip.overrides`.
    overrides: HashMap<IpAddr, usize>,
}

/// Proof that a connection is counted; dropping it releases the slot and the address count.
#[derive(Debug)]
pub(crate) struct ConnectionSlot {
    /// Broker-wide slot, released on drop.
    _permit: Option<OwnedSemaphorePermit>,
    /// Address whose count this slot holds.
    ip: IpAddr,
    /// Where to give the address count back.
    quotas: Arc<ConnectionQuotas>,
}

impl ConnectionQuotas {
    pub(crate) fn new(config: &NetworkConfig) -> Arc<Self> {
        let slots = config
            .max_connections
            .map(|max| Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))));
        Arc::new(ConnectionQuotas {
            slots,
            per_ip: Mutex::new(HashMap::new()),
            default_max_per_ip: config.max_connections_per_ip,
            overrides: config.max_connections_per_ip_overrides.clone(),
        })
    }

    /// Waits for a broker-wide slot, then counts `ip` against its cap.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        ip: IpAddr,
    ) -> Result<ConnectionSlot, TooManyConnections> {
        let permit = match &self.slots {
            // The semaphore is never closed, so acquire cannot fail; if it ever did, counting
            // the connection without a slot is the safe direction.
            Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
            None => None,
        };
        let mut counts = self.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(ip).or_insert(0);
        let max = self.overrides.get(&ip).copied().or(self.default_max_per_ip);
        if let Some(max) = max {
            if *count >= max {
                return Err(TooManyConnections { ip, max });
            }
        }
        *count += 1;
        Ok(ConnectionSlot {
            _permit: permit,
            ip,
            quotas: Arc::clone(self),
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut counts = self
            .quotas
            .per_ip
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn per_ip_cap_refuses_then_frees() {
        let config = NetworkConfig {
            max_connections_per_ip: Some(1),
            ..NetworkConfig::default()
        };
        let quotas = ConnectionQuotas::new(&config);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let first = quotas.acquire(ip).await.unwrap();
        let refused = quotas.acquire(ip).await.unwrap_err();
        assert_eq!(refused.max, 1);
        assert!(quotas.acquire("127.0.0.2".parse().unwrap()).await.is_ok());
        drop(first);
        assert!(quotas.acquire(ip).await.is_ok());
    }
}
