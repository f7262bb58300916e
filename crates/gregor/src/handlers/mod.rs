//! Per-API request handling (Kafka's `KafkaApis`, shaped like Redpanda's handlers): one file
//! per API, each declaring `VERSIONS` and an async `handle`. The [`registry!`] list below is
//! the single source of dispatch AND of the ApiVersions answer, so an API is advertised exactly
//! when it is served. Adding an API = one new file + one line in the list.
//!
//! Handlers never touch segments or indexes: they go through the replica manager, the
//! metadata cache and the ZooKeeper client.

pub mod admin_support;
pub mod alter_configs;
pub mod api_versions;
pub mod auto_create;
pub mod config_entries;
pub mod context;
pub mod controlled_shutdown;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_groups;
pub mod delete_records;
pub mod delete_topics;
pub mod describe_configs;
pub mod describe_groups;
pub mod fetch;
pub mod find_coordinator;
pub mod heartbeat;
pub mod init_producer_id;
pub mod join_group;
pub mod leader_and_isr;
pub mod leave_group;
pub mod list_groups;
pub mod list_offsets;
pub mod metadata;
pub mod offset_commit;
pub mod offset_delete;
pub mod offset_fetch;
pub mod produce;
pub mod stop_replica;
pub mod sync_group;
pub mod update_metadata;

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext, Response, Service};
use gregor_protocol::{ApiKey, RequestBody, RequestHeader, ResponseBody};

pub use context::BrokerContext;

/// Declares every served API once: `Variant => module`. Generates the version table
/// ([`supported_versions`], [`supported_apis`]) and the dispatch in [`KafkaApis`].
macro_rules! registry {
    ($($api:ident => $module:ident),* $(,)?) => {
        /// Every served API with its version range, in API key order of the list.
        pub fn supported_apis() -> Vec<(ApiKey, RangeInclusive<i16>)> {
            vec![$((ApiKey::$api, $module::VERSIONS)),*]
        }

        /// The version range served for `api_key`, if it is served.
        pub fn supported_versions(api_key: ApiKey) -> Option<RangeInclusive<i16>> {
            match api_key {
                $(ApiKey::$api => Some($module::VERSIONS),)*
                _ => None,
            }
        }

        async fn dispatch(
            broker: &Arc<BrokerContext>,
            ctx: RequestContext,
            header: RequestHeader,
            body: RequestBody,
        ) -> Outcome {
            match body {
                $(RequestBody::$api(request) => {
                    $module::handle(broker, &ctx, &header, request).await
                })*
                other => Outcome::Close(format!(
                    "request {:?} is not served by this broker",
                    other.api_key()
                )),
            }
        }
    };
}

registry! {
    Produce => produce,
    Fetch => fetch,
    ListOffsets => list_offsets,
    Metadata => metadata,
    LeaderAndIsr => leader_and_isr,
    StopReplica => stop_replica,
    UpdateMetadata => update_metadata,
    ControlledShutdown => controlled_shutdown,
    OffsetCommit => offset_commit,
    OffsetFetch => offset_fetch,
    FindCoordinator => find_coordinator,
    JoinGroup => join_group,
    Heartbeat => heartbeat,
    LeaveGroup => leave_group,
    SyncGroup => sync_group,
    DescribeGroups => describe_groups,
    ListGroups => list_groups,
    ApiVersions => api_versions,
    CreateTopics => create_topics,
    DeleteTopics => delete_topics,
    DeleteRecords => delete_records,
    InitProducerId => init_producer_id,
    DescribeConfigs => describe_configs,
    AlterConfigs => alter_configs,
    CreatePartitions => create_partitions,
    DeleteGroups => delete_groups,
    OffsetDelete => offset_delete,
}

/// The broker's [`Service`]: routes each decoded request to its handler.
#[derive(Debug, Clone)]
pub struct KafkaApis {
    /// What the handlers work with.
    broker: Arc<BrokerContext>,
}

impl KafkaApis {
    /// A service over `broker`.
    pub fn new(broker: Arc<BrokerContext>) -> KafkaApis {
        KafkaApis { broker }
    }
}

impl Service for KafkaApis {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        supported_versions(api_key)
    }

    async fn call(&self, ctx: RequestContext, header: RequestHeader, body: RequestBody) -> Outcome {
        dispatch(&self.broker, ctx, header, body).await
    }
}

/// Wraps a response body.
pub(crate) fn respond(body: ResponseBody) -> Outcome {
    Outcome::Respond(Response::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_version_is_one_kafka_2_4_1_defines() {
        for (key, versions) in supported_apis() {
            let valid = key.valid_versions();
            assert!(
                valid.contains(versions.start()) && valid.contains(versions.end()),
                "{key:?} {versions:?} outside {valid:?}"
            );
        }
    }

    #[test]
    fn unserved_apis_are_not_advertised() {
        assert!(supported_versions(ApiKey::OffsetForLeaderEpoch).is_none());
        assert!(supported_versions(ApiKey::SaslHandshake).is_none());
        assert_eq!(supported_versions(ApiKey::JoinGroup), Some(0..=6));
        assert_eq!(supported_versions(ApiKey::OffsetCommit), Some(0..=8));
        assert_eq!(supported_versions(ApiKey::Produce), Some(0..=8));
        assert_eq!(supported_versions(ApiKey::Fetch), Some(0..=11));
    }
}
