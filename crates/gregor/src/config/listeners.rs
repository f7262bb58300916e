//! Listener end points: `listeners`, `advertised.listeners`, `listener.security.protocol.map`.
//!
//! Follows Kafka's `EndPoint.createEndPoint` and `CoreUtils.listenerListToEndPoints`: an end
//! point is `NAME://host:port` (host may be empty = all interfaces, or a bracketed IPv6
//! address); names are upper-cased; every name must have a security protocol in the map;
//! names and non-zero ports must be distinct.

use std::collections::BTreeMap;
use std::fmt;

use super::error::ConfigError;

/// How a listener's connections are secured (Kafka's `SecurityProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecurityProtocol {
    /// No TLS, no authentication: the only one Gregor serves.
    Plaintext,
    /// TLS.
    Ssl,
    /// SASL over plain TCP.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// Kafka's name, also the wire/ZooKeeper spelling.
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    /// Kafka's `SecurityProtocol` id (used in UpdateMetadata v0-v2 end points).
    pub fn id(self) -> i16 {
        match self {
            SecurityProtocol::Plaintext => 0,
            SecurityProtocol::Ssl => 1,
            SecurityProtocol::SaslPlaintext => 2,
            SecurityProtocol::SaslSsl => 3,
        }
    }

    /// `SecurityProtocol.forName`: case-insensitive.
    pub fn for_name(name: &str) -> Option<SecurityProtocol> {
        match name.to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Some(SecurityProtocol::Plaintext),
            "SSL" => Some(SecurityProtocol::Ssl),
            "SASL_PLAINTEXT" => Some(SecurityProtocol::SaslPlaintext),
            "SASL_SSL" => Some(SecurityProtocol::SaslSsl),
            _ => None,
        }
    }

    /// Parses the protocol named by `config_name`, with `KafkaConfig.getSecurityProtocol`'s error.
    pub fn from_config(name: &str, config_name: &str) -> Result<SecurityProtocol, ConfigError> {
        SecurityProtocol::for_name(name).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "Invalid security protocol `{name}` defined in {config_name}"
            ))
        })
    }
}

/// A listener name, always upper case (`ListenerName.normalised`).
pub type ListenerName = String;

/// One place the broker listens on or advertises (Kafka's `EndPoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndPoint {
    /// Host or IP; `None` when the listener string had an empty host (bind all interfaces,
    /// advertise the canonical host name).
    pub host: Option<String>,
    /// TCP port; 0 lets the OS choose (tests).
    pub port: u16,
    /// The upper-cased listener name, e.g. `PLAINTEXT`.
    pub listener_name: ListenerName,
    /// The protocol the map assigns to this name.
    pub security_protocol: SecurityProtocol,
}

impl fmt::Display for EndPoint {
    /// `NAME://host:port` (`EndPoint.connectionString`), IPv6 hosts bracketed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Some(host) if host.contains(':') => {
                write!(f, "{}://[{}]:{}", self.listener_name, host, self.port)
            }
            Some(host) => write!(f, "{}://{}:{}", self.listener_name, host, self.port),
            None => write!(f, "{}://:{}", self.listener_name, self.port),
        }
    }
}

/// Splits a CSV value like `CoreUtils.parseCsvList`: blanks around commas, empties dropped.
pub fn parse_csv_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses `listener.security.protocol.map` (`NAME:PROTOCOL,...`).
pub fn parse_security_protocol_map(
    text: &str,
) -> Result<BTreeMap<ListenerName, SecurityProtocol>, ConfigError> {
    let name = "listener.security.protocol.map";
    let mut map = BTreeMap::new();
    if text.is_empty() {
        return Ok(map);
    }
    for entry in text.split(',').map(str::trim) {
        let Some((listener, protocol)) = entry.rsplit_once(':') else {
            return Err(ConfigError::invalid_value(
                name,
                text,
                format!(
                    "Error parsing configuration property '{name}': entry '{entry}' has no ':'"
                ),
            ));
        };
        let protocol = SecurityProtocol::from_config(protocol.trim(), name)?;
        map.insert(listener.trim().to_ascii_uppercase(), protocol);
    }
    Ok(map)
}

/// Parses one `NAME://host:port` like `EndPoint.createEndPoint`.
fn parse_end_point(
    text: &str,
    protocols: &BTreeMap<ListenerName, SecurityProtocol>,
) -> Result<EndPoint, String> {
    let unparsable = || format!("Unable to parse {text} to a broker endpoint");
    // Kafka's regex `^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)` is greedy: the name runs
    // to the last `://` and the port is after the last `:`.
    let (name, rest) = text.rsplit_once("://").ok_or_else(unparsable)?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(unparsable)?;
    let host = host.strip_prefix('[').unwrap_or(host);
    let host = host.strip_suffix(']').unwrap_or(host);
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-%._:".contains(c));
    let port_ok = !port.is_empty()
        && port
            .strip_prefix('-')
            .unwrap_or(port)
            .bytes()
            .all(|b| b.is_ascii_digit());
    if !host_ok || !port_ok {
        return Err(unparsable());
    }
    // Kafka accepts any int here and fails later at bind time; a u16 catches it now.
    let port: u16 = port
        .parse()
        .map_err(|_| format!("Invalid port {port} in {text}"))?;
    let listener_name = name.to_ascii_uppercase();
    let security_protocol = *protocols
        .get(&listener_name)
        .ok_or_else(|| format!("No security protocol defined for listener {listener_name}"))?;
    Ok(EndPoint {
        host: (!host.is_empty()).then(|| host.to_string()),
        port,
        listener_name,
        security_protocol,
    })
}

/// Parses a listener list (`listeners` / `advertised.listeners`) and checks that names and
/// non-zero ports are distinct. `config_name` is named in every error.
pub fn listener_list_to_end_points(
    config_name: &str,
    text: &str,
    protocols: &BTreeMap<ListenerName, SecurityProtocol>,
) -> Result<Vec<EndPoint>, ConfigError> {
    let wrap = |reason: String| {
        ConfigError::invalid_value(
            config_name,
            text,
            format!("Error creating broker listeners from '{text}': {reason}"),
        )
    };
    let end_points = parse_csv_list(text)
        .iter()
        .map(|item| parse_end_point(item, protocols))
        .collect::<Result<Vec<_>, _>>()
        .map_err(wrap)?;
    let mut ports: Vec<u16> = end_points
        .iter()
        .map(|e| e.port)
        .filter(|&p| p != 0)
        .collect();
    let port_count = ports.len();
    ports.sort_unstable();
    ports.dedup();
    if ports.len() != port_count {
        return Err(ConfigError::Requirement(format!(
            "Each listener must have a different port, listeners: {text}"
        )));
    }
    let mut names: Vec<&str> = end_points
        .iter()
        .map(|e| e.listener_name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != end_points.len() {
        return Err(ConfigError::Requirement(format!(
            "Each listener must have a different name, listeners: {text}"
        )));
    }
    Ok(end_points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::definitions::DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP;

    fn default_map() -> BTreeMap<ListenerName, SecurityProtocol> {
        parse_security_protocol_map(DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP).unwrap()
    }

    #[test]
    fn parses_hosts_ports_and_names() {
        let eps = listener_list_to_end_points(
            "listeners",
            "plaintext://:9092, SSL://broker1.example.com:9093,SASL_PLAINTEXT://[::1]:9094",
            &default_map(),
        )
        .unwrap();
        assert_eq!(eps.len(), 3);
        assert_eq!(eps[0].host, None);
        assert_eq!(eps[0].listener_name, "PLAINTEXT");
        assert_eq!(eps[0].to_string(), "PLAINTEXT://:9092");
        assert_eq!(eps[1].host.as_deref(), Some("broker1.example.com"));
        assert_eq!(eps[1].security_protocol, SecurityProtocol::Ssl);
        assert_eq!(eps[2].host.as_deref(), Some("::1"));
        assert_eq!(eps[2].to_string(), "SASL_PLAINTEXT://[::1]:9094");
    }

    #[test]
    fn custom_names_need_a_protocol_mapping() {
        let map = parse_security_protocol_map("INTERNAL:PLAINTEXT,EXTERNAL:SSL").unwrap();
        let eps =
            listener_list_to_end_points("listeners", "INTERNAL://0.0.0.0:19092", &map).unwrap();
        assert_eq!(eps[0].security_protocol, SecurityProtocol::Plaintext);
        let err = listener_list_to_end_points("listeners", "OTHER://:1", &map).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value OTHER://:1 for configuration listeners: Error creating broker listeners \
             from 'OTHER://:1': No security protocol defined for listener OTHER"
        );
    }

    #[test]
    fn unparsable_listeners_name_the_key() {
        for bad in [
            "localhost:9092",
            "PLAINTEXT://host",
            "PLAINTEXT://h:x",
            "PLAINTEXT://h o:1",
        ] {
            let err = listener_list_to_end_points("advertised.listeners", bad, &default_map())
                .unwrap_err();
            let text = err.to_string();
            assert!(text.contains("advertised.listeners"), "{text}");
            assert!(text.contains("Error creating broker listeners"), "{text}");
        }
        let err = listener_list_to_end_points("listeners", "PLAINTEXT://:70000", &default_map())
            .unwrap_err();
        assert!(err.to_string().contains("listeners"));
    }

    #[test]
    fn duplicate_ports_and_names_are_rejected() {
        let err = listener_list_to_end_points(
            "listeners",
            "PLAINTEXT://:9092,SSL://:9092",
            &default_map(),
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("Each listener must have a different port"));
        let err = listener_list_to_end_points(
            "listeners",
            "PLAINTEXT://:1,plaintext://:2",
            &default_map(),
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("Each listener must have a different name"));
        // Port 0 may repeat (tests bind ephemeral ports).
        assert!(listener_list_to_end_points(
            "listeners",
            "PLAINTEXT://:0,SSL://:0",
            &default_map()
        )
        .is_ok());
    }

    #[test]
    fn protocol_map_errors_name_the_key() {
        let err = parse_security_protocol_map("A:NOPE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid security protocol `NOPE` defined in listener.security.protocol.map"
        );
        let err = parse_security_protocol_map("JUSTANAME").unwrap_err();
        assert!(err.to_string().contains("listener.security.protocol.map"));
    }
}
