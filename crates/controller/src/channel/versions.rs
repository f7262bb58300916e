//! Fitting a control request to the version negotiated with a broker. The channel builds every
//! request in its newest shape (partitions grouped by topic, IBP 2.4); older versions carry
//! flat partition lists (LeaderAndIsr v0–1, UpdateMetadata v0–4, StopReplica v0) and
//! UpdateMetadata v0 a single host/port per broker.

use gregor_protocol::{RequestBody, StopReplicaPartitionV0};

/// Rewrites `body` into the shape `version` can carry.
pub fn fit_to_version(body: RequestBody, version: i16) -> RequestBody {
    match body {
        RequestBody::LeaderAndIsr(mut request) if version < 2 => {
            for topic in std::mem::take(&mut request.topic_states) {
                for mut state in topic.partition_states {
                    state.topic_name = topic.topic_name.clone();
                    request.ungrouped_partition_states.push(state);
                }
            }
            RequestBody::LeaderAndIsr(request)
        }
        RequestBody::UpdateMetadata(mut request) => {
            if version < 5 {
                for topic in std::mem::take(&mut request.topic_states) {
                    for mut state in topic.partition_states {
                        state.topic_name = topic.topic_name.clone();
                        request.ungrouped_partition_states.push(state);
                    }
                }
            }
            if version == 0 {
                for broker in &mut request.live_brokers {
                    let plaintext = broker
                        .endpoints
                        .iter()
                        .find(|endpoint| endpoint.security_protocol == 0);
                    if let Some(endpoint) = plaintext {
                        broker.v0_host = endpoint.host.clone();
                        broker.v0_port = endpoint.port;
                    }
                }
            }
            RequestBody::UpdateMetadata(request)
        }
        RequestBody::StopReplica(mut request) if version < 1 => {
            for topic in std::mem::take(&mut request.topics) {
                for partition_index in topic.partition_indexes {
                    request.ungrouped_partitions.push(StopReplicaPartitionV0 {
                        topic_name: topic.name.clone(),
                        partition_index,
                        ..Default::default()
                    });
                }
            }
            RequestBody::StopReplica(request)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gregor_protocol::{StopReplicaRequest, StopReplicaTopic};

    #[test]
    fn stop_replica_v0_lists_partitions_flat() {
        let request = StopReplicaRequest {
            delete_partitions: true,
            topics: vec![StopReplicaTopic {
                name: "t".into(),
                partition_indexes: vec![0, 1],
                ..Default::default()
            }],
            ..Default::default()
        };
        let RequestBody::StopReplica(fitted) = fit_to_version(RequestBody::StopReplica(request), 0)
        else {
            panic!("kind changed");
        };
        assert!(fitted.topics.is_empty());
        let flat: Vec<_> = fitted
            .ungrouped_partitions
            .iter()
            .map(|p| (p.topic_name.as_str(), p.partition_index))
            .collect();
        assert_eq!(flat, vec![("t", 0), ("t", 1)]);
    }

    #[test]
    fn leader_and_isr_v1_and_update_metadata_v0_are_flat() {
        use gregor_protocol::{
            LeaderAndIsrPartitionState, LeaderAndIsrRequest, LeaderAndIsrTopicState,
            UpdateMetadataBroker, UpdateMetadataEndpoint, UpdateMetadataRequest,
        };
        let request = LeaderAndIsrRequest {
            topic_states: vec![LeaderAndIsrTopicState {
                topic_name: "t".into(),
                partition_states: vec![LeaderAndIsrPartitionState {
                    partition_index: 3,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let RequestBody::LeaderAndIsr(fitted) =
            fit_to_version(RequestBody::LeaderAndIsr(request), 1)
        else {
            panic!("kind changed");
        };
        assert!(fitted.topic_states.is_empty());
        assert_eq!(fitted.ungrouped_partition_states[0].topic_name, "t");
        assert_eq!(fitted.ungrouped_partition_states[0].partition_index, 3);

        let request = UpdateMetadataRequest {
            live_brokers: vec![UpdateMetadataBroker {
                id: 1,
                endpoints: vec![UpdateMetadataEndpoint {
                    host: "h".into(),
                    port: 9092,
                    listener: "PLAINTEXT".into(),
                    security_protocol: 0,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let RequestBody::UpdateMetadata(fitted) =
            fit_to_version(RequestBody::UpdateMetadata(request), 0)
        else {
            panic!("kind changed");
        };
        assert_eq!(
            (
                fitted.live_brokers[0].v0_host.as_str(),
                fitted.live_brokers[0].v0_port
            ),
            ("h", 9092)
        );
    }
}
