//! `kafka-topics --bootstrap-server` against an in-process broker (gregor-network serving a
//! small in-memory topic table): Kafka 2.4's silent create/alter/delete, list and describe
//! output, and error texts built from the broker's error codes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use gregor_network::{NetworkConfig, Outcome, RequestContext, Response, Server, Service};
use gregor_protocol::{
    ApiKey, ApiVersionsResponse, ApiVersionsResponseKey, CreatableTopicResult,
    CreatePartitionsResponse, CreatePartitionsTopicResult, CreateTopicsResponse,
    DeletableTopicResult, DeleteTopicsResponse, DescribeConfigsResourceResult,
    DescribeConfigsResponse, DescribeConfigsResult, ErrorCode, MetadataResponse,
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic, RequestBody,
    RequestHeader, ResponseBody,
};
use gregor_tools::kafka_topics_main;

/// The broker's one node id.
const NODE_ID: i32 = 1001;

/// Topic name → (partition count, config overrides).
type Topics = BTreeMap<String, (i32, BTreeMap<String, String>)>;

#[derive(Default)]
struct FakeBroker {
    /// What the broker knows; every request reads or changes it.
    topics: Mutex<Topics>,
}

const SERVED: [(ApiKey, i16, i16); 6] = [
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::Metadata, 0, 9),
    (ApiKey::CreateTopics, 0, 5),
    (ApiKey::DeleteTopics, 0, 4),
    (ApiKey::CreatePartitions, 0, 1),
    (ApiKey::DescribeConfigs, 0, 2),
];

impl Service for FakeBroker {
    fn supported_versions(&self, api_key: ApiKey) -> Option<std::ops::RangeInclusive<i16>> {
        SERVED
            .iter()
            .find(|(key, _, _)| *key == api_key)
            .map(|(_, min, max)| *min..=*max)
    }

    async fn call(
        &self,
        ctx: RequestContext,
        _header: RequestHeader,
        body: RequestBody,
    ) -> Outcome {
        let mut topics = self.topics.lock().unwrap();
        let body = match body {
            RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(ApiVersionsResponse {
                api_keys: SERVED
                    .iter()
                    .map(|(key, min, max)| ApiVersionsResponseKey {
                        api_key: key.code(),
                        min_version: *min,
                        max_version: *max,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            RequestBody::Metadata(_) => ResponseBody::Metadata(metadata(&ctx, &topics)),
            RequestBody::CreateTopics(request) => {
                let results = request
                    .topics
                    .into_iter()
                    .map(|topic| {
                        let (error_code, error_message) = if topic.replication_factor > 1 {
                            (
                                ErrorCode::InvalidReplicationFactor,
                                Some(format!(
                                    "Replication factor: {} larger than available brokers: 1.",
                                    topic.replication_factor
                                )),
                            )
                        } else {
                            let count = if topic.num_partitions > 0 {
                                topic.num_partitions
                            } else if topic.assignments.is_empty() {
                                1
                            } else {
                                topic.assignments.len() as i32
                            };
                            let configs = topic
                                .configs
                                .into_iter()
                                .map(|c| (c.name, c.value.unwrap_or_default()))
                                .collect();
                            topics.insert(topic.name.clone(), (count, configs));
                            (ErrorCode::None, None)
                        };
                        CreatableTopicResult {
                            name: topic.name,
                            error_code,
                            error_message,
                            ..Default::default()
                        }
                    })
                    .collect();
                ResponseBody::CreateTopics(CreateTopicsResponse {
                    topics: results,
                    ..Default::default()
                })
            }
            RequestBody::DeleteTopics(request) => {
                let responses = request
                    .topic_names
                    .into_iter()
                    .map(|name| {
                        let error_code = if topics.remove(&name).is_some() {
                            ErrorCode::None
                        } else {
                            ErrorCode::UnknownTopicOrPartition
                        };
                        DeletableTopicResult {
                            name,
                            error_code,
                            ..Default::default()
                        }
                    })
                    .collect();
                ResponseBody::DeleteTopics(DeleteTopicsResponse {
                    responses,
                    ..Default::default()
                })
            }
            RequestBody::CreatePartitions(request) => {
                let results = request
                    .topics
                    .into_iter()
                    .map(|topic| {
                        let entry = topics.get_mut(&topic.name);
                        let (error_code, error_message) = match entry {
                            Some((count, _)) if topic.count > *count => {
                                *count = topic.count;
                                (ErrorCode::None, None)
                            }
                            Some((count, _)) => (ErrorCode::InvalidPartitions, Some(format!("Topic currently has {count} partitions, which is higher than the requested {}.", topic.count))),
                            None => (ErrorCode::UnknownTopicOrPartition, None),
                        };
                        CreatePartitionsTopicResult { name: topic.name, error_code, error_message, ..Default::default() }
                    })
                    .collect();
                ResponseBody::CreatePartitions(CreatePartitionsResponse {
                    results,
                    ..Default::default()
                })
            }
            RequestBody::DescribeConfigs(request) => {
                let resources = request
                    .resources
                    .into_iter()
                    .map(|resource| {
                        let overrides = topics
                            .get(&resource.resource_name)
                            .map(|(_, c)| c.clone())
                            .unwrap_or_default();
                        let mut entries: Vec<DescribeConfigsResourceResult> = overrides
                            .into_iter()
                            .map(|(name, value)| DescribeConfigsResourceResult {
                                config_name: name,
                                config_value: Some(value),
                                config_source: 1,
                                ..Default::default()
                            })
                            .collect();
                        // A broker default that --describe must not show.
                        entries.push(DescribeConfigsResourceResult {
                            config_name: "min.insync.replicas".to_string(),
                            config_value: Some("1".to_string()),
                            config_source: 5,
                            is_default: true,
                            ..Default::default()
                        });
                        DescribeConfigsResult {
                            resource_type: resource.resource_type,
                            resource_name: resource.resource_name,
                            config_entries: entries,
                            ..Default::default()
                        }
                    })
                    .collect();
                ResponseBody::DescribeConfigs(DescribeConfigsResponse {
                    resources,
                    ..Default::default()
                })
            }
            _ => return Outcome::Close("not served".to_string()),
        };
        Outcome::Respond(Response::new(body))
    }
}

fn metadata(ctx: &RequestContext, topics: &Topics) -> MetadataResponse {
    MetadataResponse {
        brokers: vec![MetadataResponseBroker {
            node_id: NODE_ID,
            host: ctx.local_addr.ip().to_string(),
            port: i32::from(ctx.local_addr.port()),
            ..Default::default()
        }],
        cluster_id: Some("test".to_string()),
        controller_id: NODE_ID,
        topics: topics
            .iter()
            .map(|(name, (count, _))| MetadataResponseTopic {
                name: name.clone(),
                is_internal: name.starts_with("__"),
                partitions: (0..*count)
                    .map(|p| MetadataResponsePartition {
                        partition_index: p,
                        leader_id: NODE_ID,
                        replica_nodes: vec![NODE_ID],
                        isr_nodes: vec![NODE_ID],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Runs kafka-topics with `--bootstrap-server <addr>` first; returns stdout, stderr, code.
fn topics(addr: &str, args: &[&str]) -> (String, String, i32) {
    let mut all = vec!["--bootstrap-server".to_string(), addr.to_string()];
    all.extend(args.iter().map(|arg| arg.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kafka_topics_main(&all, &mut out, &mut err);
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
        code,
    )
}

#[test]
fn bootstrap_mode_prints_what_kafka_2_4_prints() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let broker = Arc::new(FakeBroker::default());
    broker
        .topics
        .lock()
        .unwrap()
        .insert("__consumer_offsets".to_string(), (1, BTreeMap::new()));
    let addr = runtime.block_on(async {
        let mut config = NetworkConfig::default();
        config
            .apply("listeners", "PLAINTEXT://127.0.0.1:0")
            .unwrap();
        let server = Server::bind(config, Arc::clone(&broker)).await.unwrap();
        let addr = server.local_addr("PLAINTEXT").unwrap();
        tokio::spawn(server.run());
        addr.to_string()
    });

    // 2.4 prints nothing for a successful create (KAFKA-9363 added the line in 2.5).
    assert_eq!(
        topics(
            &addr,
            &[
                "--create",
                "--topic",
                "first",
                "--partitions",
                "2",
                "--config",
                "retention.ms=1000"
            ]
        ),
        (String::new(), String::new(), 0)
    );
    let (out, _, code) = topics(&addr, &["--create", "--topic", "first"]);
    assert_eq!(
        (out.as_str(), code),
        (
            "Error while executing topic command : Topic first already exists\n",
            1
        )
    );
    let (out, _, code) = topics(
        &addr,
        &["--create", "--topic", "big", "--replication-factor", "3"],
    );
    assert_eq!((out.as_str(), code), ("Error while executing topic command : org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1.\n", 1));

    assert_eq!(topics(&addr, &["--list"]).0, "__consumer_offsets\nfirst\n");
    assert_eq!(
        topics(&addr, &["--list", "--exclude-internal"]).0,
        "first\n"
    );
    assert_eq!(topics(&addr, &["--list", "--topic", "nothing"]).0, "\n");

    let (out, _, code) = topics(&addr, &["--describe", "--topic", "first"]);
    assert_eq!(code, 0);
    assert_eq!(out, "Topic: first\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=1000\n\tTopic: first\tPartition: 0\tLeader: 1001\tReplicas: 1001\tIsr: 1001\n\tTopic: first\tPartition: 1\tLeader: 1001\tReplicas: 1001\tIsr: 1001\n");
    let (out, _, _) = topics(&addr, &["--describe", "--at-min-isr-partitions"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(
        topics(&addr, &["--describe", "--under-min-isr-partitions"]).0,
        ""
    );

    assert_eq!(
        topics(&addr, &["--alter", "--topic", "first", "--partitions", "3"]),
        (String::new(), String::new(), 0)
    );
    assert!(topics(&addr, &["--describe", "--topic", "first"])
        .0
        .starts_with("Topic: first\tPartitionCount: 3\t"));
    let (out, _, code) = topics(&addr, &["--alter", "--topic", "first", "--partitions", "2"]);
    assert_eq!((out.as_str(), code), ("Error while executing topic command : org.apache.kafka.common.errors.InvalidPartitionsException: Topic currently has 3 partitions, which is higher than the requested 2.\n", 1));
    let (_, err, code) = topics(&addr, &["--alter", "--topic", "first", "--config", "a=b"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Option combination \"[bootstrap-server],[config]\" can't be used with option \"[alter]\"\n"), "{err}");

    assert_eq!(
        topics(&addr, &["--delete", "--topic", "first"]),
        (String::new(), String::new(), 0)
    );
    let (out, _, code) = topics(&addr, &["--delete", "--topic", "first"]);
    assert_eq!(
        (out.as_str(), code),
        (
            "Error while executing topic command : Topic 'first' does not exist as expected\n",
            1
        )
    );
    assert_eq!(topics(&addr, &["--list"]).0, "__consumer_offsets\n");
}
