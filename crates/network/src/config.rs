//! Network settings under Kafka's own config keys, with Kafka 2.4.1's defaults.
//!
//! This module owns parsing of `listeners` (`NAME://host:port`) and of the socket and connection
//! limits the acceptor and the connection tasks enforce. It does not read files: the broker's
//! config loader hands it `(key, value)` pairs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// Errors in network settings; each names the Kafka key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A listener is not of the form `NAME://host:port`.
    #[error("invalid listener '{0}': expected NAME://host:port")]
    InvalidListener(String),
    /// A key holds a value that does not parse or is out of range.
    #[error("invalid value '{value}' for configuration {key}: {reason}")]
    InvalidValue {
        /// Kafka's name of the key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
}

/// Kafka's config keys this layer owns.
const LISTENERS: &str = "listeners";
const SOCKET_REQUEST_MAX_BYTES: &str = "socket.request.max.bytes";
const MAX_CONNECTIONS: &str = "max.connections";
const MAX_CONNECTIONS_PER_IP: &str = "max.connections.per.ip";
const MAX_CONNECTIONS_PER_IP_OVERRIDES: &str = "max.connections.per.ip.overrides";
const CONNECTIONS_MAX_IDLE_MS: &str = "connections.max.idle.ms";
const SOCKET_SEND_BUFFER_BYTES: &str = "socket.send.buffer.bytes";
const SOCKET_RECEIVE_BUFFER_BYTES: &str = "socket.receive.buffer.bytes";

/// One configured listener: `PLAINTEXT://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerConfig {
    /// The listener name (`PLAINTEXT`, or a name mapped by `listener.security.protocol.map`).
    pub name: String,
    /// Host to bind; empty means every interface, as in Kafka's `PLAINTEXT://:9092`.
    pub host: String,
    /// Port to bind; 0 asks the OS for an ephemeral port (read it back from the server).
    pub port: u16,
}

impl ListenerConfig {
    /// Parses one listener, e.g. `PLAINTEXT://127.0.0.1:9092` or `PLAINTEXT://[::1]:0`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let invalid = || ConfigError::InvalidListener(text.to_string());
        let (name, rest) = text.trim().split_once("://").ok_or_else(invalid)?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(invalid)?;
        if name.is_empty() {
            return Err(invalid());
        }
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = port.parse::<u16>().map_err(|_| invalid())?;
        Ok(ListenerConfig {
            name: name.to_string(),
            host: host.to_string(),
            port,
        })
    }

    /// Parses Kafka's comma-separated `listeners` value.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, ConfigError> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect()
    }
}

/// Limits and socket options of the network layer.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// `listeners`: where to accept connections.
    pub listeners: Vec<ListenerConfig>,
    /// `socket.request.max.bytes`: frames above this close the connection.
    pub socket_request_max_bytes: i32,
    /// `max.connections`: broker-wide cap; at the cap the acceptor waits for a slot (Kafka's
    /// `waitForConnectionSlot`). `None` = unlimited (Kafka's default `Int.MaxValue`).
    pub max_connections: Option<usize>,
    /// `max.connections.per.ip`: connections beyond it are closed right after accept.
    pub max_connections_per_ip: Option<usize>,
    /// `max.connections.per.ip.overrides`: per-address caps that replace the default one.
    pub max_connections_per_ip_overrides: HashMap<IpAddr, usize>,
    /// `connections.max.idle.ms`: a connection with no traffic and nothing in flight for this
    /// long is closed.
    pub connections_max_idle_ms: u64,
    /// Requests read from one connection but not yet answered; at the bound the connection
    /// stops reading from its socket (backpressure), it does not fail.
    pub queued_max_requests_per_connection: usize,
    /// `socket.send.buffer.bytes` (SO_SNDBUF); -1 keeps the OS default.
    pub socket_send_buffer_bytes: i32,
    /// `socket.receive.buffer.bytes` (SO_RCVBUF); -1 keeps the OS default.
    pub socket_receive_buffer_bytes: i32,
    /// How long a graceful shutdown waits for in-flight responses before closing anyway.
    pub shutdown_timeout_ms: u64,
    /// Write file regions with sendfile(2); false forces the read-and-write path (tests use it
    /// to exercise the fallback, which also runs when sendfile reports EINVAL/ENOSYS).
    pub use_sendfile: bool,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            listeners: vec![ListenerConfig {
                name: "PLAINTEXT".to_string(),
                host: String::new(),
                port: 9092,
            }],
            socket_request_max_bytes: 104_857_600,
            max_connections: None,
            max_connections_per_ip: None,
            max_connections_per_ip_overrides: HashMap::new(),
            connections_max_idle_ms: 600_000,
            queued_max_requests_per_connection: 100,
            socket_send_buffer_bytes: 102_400,
            socket_receive_buffer_bytes: 102_400,
            shutdown_timeout_ms: 30_000,
            use_sendfile: true,
        }
    }
}

impl NetworkConfig {
    /// Applies one Kafka config key. Returns `Ok(false)` for keys this layer does not own, so
    /// the caller can offer them elsewhere.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<bool, ConfigError> {
        match key {
            LISTENERS => self.listeners = ListenerConfig::parse_list(value)?,
            SOCKET_REQUEST_MAX_BYTES => {
                self.socket_request_max_bytes = parse_int(SOCKET_REQUEST_MAX_BYTES, value, 1)?
            }
            MAX_CONNECTIONS => self.max_connections = Some(parse_count(MAX_CONNECTIONS, value)?),
            MAX_CONNECTIONS_PER_IP => {
                self.max_connections_per_ip = Some(parse_count(MAX_CONNECTIONS_PER_IP, value)?)
            }
            MAX_CONNECTIONS_PER_IP_OVERRIDES => {
                self.max_connections_per_ip_overrides = parse_overrides(value)?
            }
            CONNECTIONS_MAX_IDLE_MS => {
                self.connections_max_idle_ms = parse_int(CONNECTIONS_MAX_IDLE_MS, value, 0u64)?
            }
            SOCKET_SEND_BUFFER_BYTES => {
                self.socket_send_buffer_bytes = parse_int(SOCKET_SEND_BUFFER_BYTES, value, -1)?
            }
            SOCKET_RECEIVE_BUFFER_BYTES => {
                self.socket_receive_buffer_bytes =
                    parse_int(SOCKET_RECEIVE_BUFFER_BYTES, value, -1)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `connections.max.idle.ms` as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.connections_max_idle_ms)
    }

    /// The per-address connection cap for `ip`, if any.
    pub fn max_connections_for(&self, ip: IpAddr) -> Option<usize> {
        self.max_connections_per_ip_overrides
            .get(&ip)
            .copied()
            .or(self.max_connections_per_ip)
    }
}

fn parse_int<T>(key: &'static str, value: &str, min: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    let invalid = |reason| ConfigError::InvalidValue {
        key,
        value: value.to_string(),
        reason,
    };
    let parsed = value
        .trim()
        .parse::<T>()
        .map_err(|_| invalid("not a number"))?;
    if parsed < min {
        return Err(invalid("below the minimum"));
    }
    Ok(parsed)
}

/// Kafka stores connection counts as Int; `Int.MaxValue` means unlimited.
fn parse_count(key: &'static str, value: &str) -> Result<usize, ConfigError> {
    let count: i32 = parse_int(key, value, 0)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// `max.connections.per.ip.overrides`: `host:count,host:count`.
fn parse_overrides(value: &str) -> Result<HashMap<IpAddr, usize>, ConfigError> {
    let key = MAX_CONNECTIONS_PER_IP_OVERRIDES;
    let invalid = |reason| ConfigError::InvalidValue {
        key,
        value: value.to_string(),
        reason,
    };
    let mut overrides = HashMap::new();
    for entry in value.split(',').filter(|e| !e.trim().is_empty()) {
        let (host, count) = entry
            .trim()
            .rsplit_once(':')
            .ok_or_else(|| invalid("expected host:count"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip = host
            .parse::<IpAddr>()
            .map_err(|_| invalid("host is not an IP address"))?;
        overrides.insert(ip, parse_count(key, count)?);
    }
    Ok(overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listeners_like_kafka() {
        let parsed = ListenerConfig::parse_list("PLAINTEXT://:9092,INTERNAL://[::1]:0").unwrap();
        assert_eq!(parsed[0].name, "PLAINTEXT");
        assert_eq!(parsed[0].host, "");
        assert_eq!(parsed[0].port, 9092);
        assert_eq!(parsed[1].host, "::1");
        assert_eq!(parsed[1].port, 0);
        assert!(ListenerConfig::parse("localhost:9092").is_err());
        assert!(ListenerConfig::parse("PLAINTEXT://host:99999").is_err());
    }

    #[test]
    fn applies_kafka_keys_and_names_the_bad_one() {
        let mut config = NetworkConfig::default();
        assert_eq!(config.socket_request_max_bytes, 104_857_600);
        assert!(config.apply("max.connections.per.ip", "3").unwrap());
        assert!(config
            .apply("max.connections.per.ip.overrides", "127.0.0.1:5")
            .unwrap());
        assert_eq!(
            config.max_connections_for("127.0.0.1".parse().unwrap()),
            Some(5)
        );
        assert_eq!(
            config.max_connections_for("10.0.0.1".parse().unwrap()),
            Some(3)
        );
        assert!(!config.apply("log.dirs", "/tmp").unwrap());
        let err = config.apply("socket.request.max.bytes", "x").unwrap_err();
        assert!(err.to_string().contains("socket.request.max.bytes"));
        assert!(config.apply("socket.send.buffer.bytes", "-2").is_err());
    }
}
