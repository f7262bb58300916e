//! [`ApiKey`]: every API key a Kafka 2.4.1 broker defines (0..=47), with its valid version range
//! and first flexible version (§5.1), and the header-version rule of §1.4.

use std::ops::RangeInclusive;

macro_rules! api_keys {
    ($($name:ident = $code:literal, max $max:literal, flexible $flex:expr;)*) => {
        /// A Kafka API key (the first int16 of every request header).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i16)]
        pub enum ApiKey {
            $(
                #[doc = concat!("Kafka API key ", stringify!($code), ".")]
                $name = $code,
            )*
        }

        impl ApiKey {
            /// All keys in ascending order (the order ApiVersions lists them).
            pub const ALL: &'static [ApiKey] = &[$(ApiKey::$name),*];

            /// The key for a wire value, or `None` if 2.4.1 does not define it.
            pub fn from_i16(code: i16) -> Option<Self> {
                match code {
                    $($code => Some(Self::$name),)*
                    _ => None,
                }
            }

            /// Versions a Kafka 2.4.1 broker accepts (min is always 0).
            pub fn valid_versions(self) -> RangeInclusive<i16> {
                match self {
                    $(Self::$name => 0..=$max,)*
                }
            }

            /// First flexible version (KIP-482), or `None` if no 2.4.1 version is flexible.
            pub fn flexible_since(self) -> Option<i16> {
                match self {
                    $(Self::$name => $flex,)*
                }
            }

            /// Kafka's name of the API (e.g. "Produce").
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)*
                }
            }
        }
    };
}

api_keys! {
    Produce = 0, max 8, flexible None;
    Fetch = 1, max 11, flexible None;
    ListOffsets = 2, max 5, flexible None;
    Metadata = 3, max 9, flexible Some(9);
    LeaderAndIsr = 4, max 4, flexible Some(4);
    StopReplica = 5, max 2, flexible Some(2);
    UpdateMetadata = 6, max 6, flexible Some(6);
    ControlledShutdown = 7, max 3, flexible Some(3);
    OffsetCommit = 8, max 8, flexible Some(8);
    OffsetFetch = 9, max 6, flexible Some(6);
    FindCoordinator = 10, max 3, flexible Some(3);
    JoinGroup = 11, max 6, flexible Some(6);
    Heartbeat = 12, max 4, flexible Some(4);
    LeaveGroup = 13, max 4, flexible Some(4);
    SyncGroup = 14, max 4, flexible Some(4);
    DescribeGroups = 15, max 5, flexible Some(5);
    ListGroups = 16, max 3, flexible Some(3);
    SaslHandshake = 17, max 1, flexible None;
    ApiVersions = 18, max 3, flexible Some(3);
    CreateTopics = 19, max 5, flexible Some(5);
    DeleteTopics = 20, max 4, flexible Some(4);
    DeleteRecords = 21, max 1, flexible None;
    InitProducerId = 22, max 2, flexible Some(2);
    OffsetForLeaderEpoch = 23, max 3, flexible None;
    AddPartitionsToTxn = 24, max 1, flexible None;
    AddOffsetsToTxn = 25, max 1, flexible None;
    EndTxn = 26, max 1, flexible None;
    WriteTxnMarkers = 27, max 0, flexible None;
    TxnOffsetCommit = 28, max 2, flexible None;
    DescribeAcls = 29, max 1, flexible None;
    CreateAcls = 30, max 1, flexible None;
    DeleteAcls = 31, max 1, flexible None;
    DescribeConfigs = 32, max 2, flexible None;
    AlterConfigs = 33, max 1, flexible None;
    AlterReplicaLogDirs = 34, max 1, flexible None;
    DescribeLogDirs = 35, max 1, flexible None;
    SaslAuthenticate = 36, max 1, flexible None;
    CreatePartitions = 37, max 1, flexible None;
    CreateDelegationToken = 38, max 2, flexible Some(2);
    RenewDelegationToken = 39, max 1, flexible None;
    ExpireDelegationToken = 40, max 1, flexible None;
    DescribeDelegationToken = 41, max 1, flexible None;
    DeleteGroups = 42, max 2, flexible Some(2);
    ElectLeaders = 43, max 2, flexible Some(2);
    IncrementalAlterConfigs = 44, max 1, flexible Some(1);
    AlterPartitionReassignments = 45, max 0, flexible Some(0);
    ListPartitionReassignments = 46, max 0, flexible Some(0);
    OffsetDelete = 47, max 0, flexible None;
}

impl ApiKey {
    /// The wire value.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// True when `version` is flexible for this API. No upper bound: 2.4.1 parses an unknown
    /// higher ApiVersions version with the flexible header too (§1.4).
    pub fn is_flexible(self, version: i16) -> bool {
        self.flexible_since().is_some_and(|first| version >= first)
    }

    /// True when 2.4.1 accepts `version` of this API.
    pub fn supports(self, version: i16) -> bool {
        self.valid_versions().contains(&version)
    }
}

/// Request header version (0, 1 or 2) for an API version (§1.4).
pub fn request_header_version(api_key: ApiKey, version: i16) -> i16 {
    if api_key == ApiKey::ControlledShutdown && version == 0 {
        0
    } else if api_key.is_flexible(version) {
        2
    } else {
        1
    }
}

/// Response header version (0 or 1) for an API version (§1.4): ApiVersions always uses v0.
pub fn response_header_version(api_key: ApiKey, version: i16) -> i16 {
    if api_key != ApiKey::ApiVersions && api_key.is_flexible(version) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dense_and_round_trip() {
        assert_eq!(ApiKey::ALL.len(), 48);
        for (index, key) in ApiKey::ALL.iter().enumerate() {
            assert_eq!(key.code(), index as i16);
            assert_eq!(ApiKey::from_i16(index as i16), Some(*key));
        }
        assert_eq!(ApiKey::from_i16(48), None);
        assert_eq!(ApiKey::from_i16(-1), None);
    }

    #[test]
    fn header_versions_follow_section_1_4() {
        assert_eq!(request_header_version(ApiKey::ControlledShutdown, 0), 0);
        assert_eq!(request_header_version(ApiKey::ControlledShutdown, 1), 1);
        assert_eq!(request_header_version(ApiKey::ControlledShutdown, 3), 2);
        assert_eq!(request_header_version(ApiKey::ApiVersions, 7), 2);
        assert_eq!(response_header_version(ApiKey::ApiVersions, 3), 0);
        assert_eq!(response_header_version(ApiKey::Metadata, 9), 1);
        assert_eq!(response_header_version(ApiKey::Metadata, 8), 0);
        assert_eq!(request_header_version(ApiKey::Produce, 8), 1);
    }
}
