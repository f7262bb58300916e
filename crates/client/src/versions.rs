//! The broker's API version ranges (from its ApiVersions answer) and the choice of version for
//! each request: the highest version both the broker and this client support, optionally capped
//! by the caller. Pure logic, no I/O.

use std::collections::HashMap;

use gregor_protocol::{is_implemented, ApiKey, ApiVersionsResponse};

use crate::error::ClientError;

/// Version ranges a broker advertised, by API key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerApiVersions {
    /// `(min_version, max_version)` per API the broker listed.
    ranges: HashMap<ApiKey, (i16, i16)>,
}

impl BrokerApiVersions {
    /// The table from a successful ApiVersions response. Keys this client does not know (newer
    /// than 2.4.1) are ignored, as the Java client ignores them.
    pub fn from_response(response: &ApiVersionsResponse) -> Self {
        let ranges = response
            .api_keys
            .iter()
            .filter_map(|entry| {
                let key = ApiKey::from_i16(entry.api_key)?;
                Some((key, (entry.min_version, entry.max_version)))
            })
            .collect();
        Self { ranges }
    }

    /// The broker's range for `api`, if it listed it.
    pub fn range(&self, api: ApiKey) -> Option<(i16, i16)> {
        self.ranges.get(&api).copied()
    }

    /// The highest version of `api` both sides support, no higher than `cap` if given.
    pub fn negotiate(&self, api: ApiKey, cap: Option<i16>) -> Result<i16, ClientError> {
        let client = client_range(api);
        let broker = self.range(api);
        let unsupported = || ClientError::UnsupportedVersion {
            api,
            broker,
            client,
        };
        let (broker_min, broker_max) = broker.ok_or_else(unsupported)?;
        if !is_implemented(api) {
            return Err(unsupported());
        }
        let mut version = broker_max.min(client.1);
        if let Some(cap) = cap {
            version = version.min(cap);
        }
        if version < broker_min.max(client.0) {
            return Err(unsupported());
        }
        Ok(version)
    }

    /// Checks a version the caller pinned against both ranges.
    pub fn check_pinned(&self, api: ApiKey, version: i16) -> Result<i16, ClientError> {
        let client = client_range(api);
        let broker = self.range(api);
        let in_broker = broker.is_some_and(|(min, max)| (min..=max).contains(&version));
        if in_broker && is_implemented(api) && api.supports(version) {
            Ok(version)
        } else {
            Err(ClientError::UnsupportedVersion {
                api,
                broker,
                client,
            })
        }
    }
}

/// The versions of `api` this client can encode and decode (gregor-protocol's range).
pub fn client_range(api: ApiKey) -> (i16, i16) {
    let versions = api.valid_versions();
    (*versions.start(), *versions.end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gregor_protocol::ApiVersionsResponseKey;

    fn table(entries: &[(i16, i16, i16)]) -> BrokerApiVersions {
        BrokerApiVersions::from_response(&ApiVersionsResponse {
            api_keys: entries
                .iter()
                .map(
                    |&(api_key, min_version, max_version)| ApiVersionsResponseKey {
                        api_key,
                        min_version,
                        max_version,
                        ..Default::default()
                    },
                )
                .collect(),
            ..Default::default()
        })
    }

    #[test]
    fn picks_the_highest_common_version() {
        let versions = table(&[(3, 0, 5), (0, 0, 20)]);
        assert_eq!(versions.negotiate(ApiKey::Metadata, None).unwrap(), 5);
        // A newer broker's higher versions are capped at what we implement (Produce v8).
        assert_eq!(versions.negotiate(ApiKey::Produce, None).unwrap(), 8);
        assert_eq!(versions.negotiate(ApiKey::Produce, Some(2)).unwrap(), 2);
    }

    #[test]
    fn unlisted_or_disjoint_apis_are_unsupported() {
        let versions = table(&[(3, 10, 12), (99, 0, 1)]);
        assert!(matches!(
            versions.negotiate(ApiKey::Metadata, None),
            Err(ClientError::UnsupportedVersion {
                api: ApiKey::Metadata,
                ..
            })
        ));
        assert!(versions.negotiate(ApiKey::Fetch, None).is_err());
        assert!(versions.check_pinned(ApiKey::Metadata, 9).is_err());
    }

    #[test]
    fn pinned_versions_must_be_in_both_ranges() {
        let versions = table(&[(3, 0, 7)]);
        assert_eq!(versions.check_pinned(ApiKey::Metadata, 1).unwrap(), 1);
        assert!(versions.check_pinned(ApiKey::Metadata, 8).is_err());
    }
}
