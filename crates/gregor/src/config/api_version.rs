//! Inter-broker protocol and message format versions (Kafka's `kafka.api.ApiVersion`).
//!
//! `inter.broker.protocol.version` and `log.message.format.version` name one of these; the
//! broker later uses the ordering to pick request versions and the record format to write.
//! Parsing follows `ApiVersion.apply`: `0.x` versions keep three dot-separated segments,
//! others two, so `2.4.1` means `2.4` and a short version means its latest IV.

use std::cmp::Ordering;
use std::fmt;

/// Every version Kafka 2.4.1 knows, oldest first, with the record format (magic) it implies.
const VERSIONS: &[(&str, u8)] = &[
    ("0.8.0", 0),
    ("0.8.1", 0),
    ("0.8.2", 0),
    ("0.9.0", 0),
    ("0.10.0-IV0", 0),
    ("0.10.0-IV1", 1),
    ("0.10.1-IV0", 1),
    ("0.10.1-IV1", 1),
    ("0.10.1-IV2", 1),
    ("0.10.2-IV0", 1),
    ("0.11.0-IV0", 2),
    ("0.11.0-IV1", 2),
    ("0.11.0-IV2", 2),
    ("1.0-IV0", 2),
    ("1.1-IV0", 2),
    ("2.0-IV0", 2),
    ("2.0-IV1", 2),
    ("2.1-IV0", 2),
    ("2.1-IV1", 2),
    ("2.1-IV2", 2),
    ("2.2-IV0", 2),
    ("2.2-IV1", 2),
    ("2.3-IV0", 2),
    ("2.3-IV1", 2),
    ("2.4-IV0", 2),
    ("2.4-IV1", 2),
];

/// One inter-broker protocol version, e.g. `2.4-IV1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    /// Position in [`VERSIONS`]; later versions compare greater.
    index: usize,
}

impl ApiVersion {
    /// The newest version, Kafka 2.4.1's default for both version keys.
    pub const LATEST: ApiVersion = ApiVersion {
        index: VERSIONS.len() - 1,
    };

    /// Parses `2.4`, `2.4-IV1`, `2.4.1`, `0.10.2.1`, ... like `ApiVersion.apply`.
    pub fn parse(text: &str) -> Option<ApiVersion> {
        let segments = if text.starts_with("0.") { 3 } else { 2 };
        let key = text.split('.').take(segments).collect::<Vec<_>>().join(".");
        // An exact IV name wins; a short name means the newest IV of that release.
        if let Some(index) = VERSIONS.iter().position(|(name, _)| *name == key) {
            return Some(ApiVersion { index });
        }
        VERSIONS
            .iter()
            .rposition(|(name, _)| short_of(name) == key)
            .map(|index| ApiVersion { index })
    }

    /// The full name, e.g. `2.4-IV1`.
    pub fn version(self) -> &'static str {
        VERSIONS[self.index].0
    }

    /// The release name without the IV suffix, e.g. `2.4`.
    pub fn short_version(self) -> &'static str {
        short_of(VERSIONS[self.index].0)
    }

    /// The record batch magic this version writes (0, 1 or 2).
    pub fn record_version(self) -> u8 {
        VERSIONS[self.index].1
    }

    /// The oldest version that supports a record format, for Kafka's error message.
    pub fn min_supported_for(record_version: u8) -> ApiVersion {
        let index = VERSIONS
            .iter()
            .position(|(_, magic)| *magic >= record_version)
            .unwrap_or(VERSIONS.len() - 1);
        ApiVersion { index }
    }
}

fn short_of(name: &str) -> &str {
    name.split_once("-IV").map_or(name, |(short, _)| short)
}

impl PartialOrd for ApiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ApiVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.index.cmp(&other.index)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_patch_versions_mean_the_latest_iv() {
        assert_eq!(ApiVersion::parse("2.4").unwrap().version(), "2.4-IV1");
        assert_eq!(ApiVersion::parse("2.4.1").unwrap().version(), "2.4-IV1");
        assert_eq!(ApiVersion::parse("2.4-IV0").unwrap().version(), "2.4-IV0");
        assert_eq!(
            ApiVersion::parse("0.10.2.1").unwrap().version(),
            "0.10.2-IV0"
        );
        assert_eq!(ApiVersion::parse("0.8.2").unwrap().record_version(), 0);
        assert_eq!(ApiVersion::LATEST.version(), "2.4-IV1");
    }

    #[test]
    fn unknown_versions_are_rejected() {
        assert!(ApiVersion::parse("2.5").is_none());
        assert!(ApiVersion::parse("banana").is_none());
        assert!(ApiVersion::parse("").is_none());
    }

    #[test]
    fn versions_are_ordered() {
        let old = ApiVersion::parse("0.10.0").unwrap();
        assert!(old < ApiVersion::LATEST);
        assert_eq!(old.record_version(), 1);
        assert_eq!(ApiVersion::min_supported_for(2).short_version(), "0.11.0");
    }
}
