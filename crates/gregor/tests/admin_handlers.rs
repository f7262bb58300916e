//! The admin APIs at the wire level against the real broker binary and a real ZooKeeper, at
//! the versions real clients do not pin: CreateTopics v0/v5 and its request-level errors,
//! DeleteTopics with deletion disabled (v2 vs v3 codes), DescribeConfigs v0/v1, DeleteRecords,
//! InitProducerId and the idempotent sequence checks of Produce (protocol-2.4.md §4.6–4.10,
//! §4.21, §4.23).

mod broker_harness;

use broker_harness::{first_partition, produce_request, runtime, Broker};
use bytes::Bytes;
use gregor_protocol::records::RecordBatchBuilder;
use gregor_protocol::{
    CreatableReplicaAssignment, CreatableTopic, CreateTopicsRequest, CreateableTopicConfig,
    DeleteRecordsPartition, DeleteRecordsRequest, DeleteRecordsTopic, DeleteTopicsRequest,
    DescribeConfigsRequest, DescribeConfigsResource, ErrorCode, InitProducerIdRequest,
};
use gregor_zk::test_support::TestZooKeeper;

fn topic(name: &str, partitions: i32, replication_factor: i16) -> CreatableTopic {
    CreatableTopic {
        name: name.to_string(),
        num_partitions: partitions,
        replication_factor,
        ..Default::default()
    }
}

fn create(topics: Vec<CreatableTopic>, timeout_ms: i32) -> CreateTopicsRequest {
    CreateTopicsRequest {
        topics,
        timeout_ms,
        ..Default::default()
    }
}

fn idempotent_batch(producer_id: i64, sequence: i32, values: &[&str]) -> Bytes {
    let mut builder = RecordBatchBuilder::new().producer(producer_id, 0, sequence);
    for v in values {
        builder.push(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
    }
    Bytes::from(builder.build().unwrap())
}

#[test]
fn create_topics_v5_reports_configs_and_kafkas_request_errors() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["warm-up"]).await;
        let connection = broker.connect().await;
        let mut with_config = topic("v5", 2, 1);
        with_config.configs = vec![CreateableTopicConfig {
            name: "retention.ms".into(),
            value: Some("1000".into()),
            ..Default::default()
        }];
        let response = connection
            .send_at(create(vec![with_config], 30_000), 5)
            .await
            .unwrap();
        let result = &response.topics[0];
        assert_eq!(result.error_code, ErrorCode::None);
        assert_eq!((result.num_partitions, result.replication_factor), (2, 1));
        let configs = result.configs.as_ref().unwrap();
        let retention = configs.iter().find(|c| c.name == "retention.ms").unwrap();
        assert_eq!(retention.value.as_deref(), Some("1000"));
        assert_eq!(retention.config_source, 1);
        let segment = configs.iter().find(|c| c.name == "segment.bytes").unwrap();
        assert_eq!(
            (segment.value.as_deref(), segment.config_source),
            (Some("1073741824"), 5)
        );

        let mut both = topic("both", 1, 1);
        both.assignments = vec![CreatableReplicaAssignment {
            partition_index: 0,
            broker_ids: vec![0],
            ..Default::default()
        }];
        let request = create(
            vec![
                topic("twice", 1, 1),
                topic("twice", 1, 1),
                both,
                topic("rf", 1, 2),
            ],
            30_000,
        );
        let response = connection.send_at(request, 5).await.unwrap();
        let codes: Vec<ErrorCode> = response.topics.iter().map(|t| t.error_code).collect();
        assert_eq!(
            codes,
            vec![
                ErrorCode::InvalidRequest,
                ErrorCode::InvalidRequest,
                ErrorCode::InvalidRequest,
                ErrorCode::InvalidReplicationFactor
            ]
        );
        assert_eq!(
            response.topics[0].error_message.as_deref(),
            Some("Found multiple entries for this topic.")
        );
        assert_eq!(
            response.topics[3].error_message.as_deref(),
            Some("Replication factor: 2 larger than available brokers: 1.")
        );
        assert_eq!(response.topics[3].num_partitions, -1);
        assert_eq!(response.topics[3].configs, Some(Vec::new()));

        // timeout_ms = 0: created, but answered REQUEST_TIMED_OUT at once (v0 has no message).
        let response = connection
            .send_at(create(vec![topic("no-wait", 1, 1)], 0), 0)
            .await
            .unwrap();
        assert_eq!(response.topics[0].error_code, ErrorCode::RequestTimedOut);
        let response = connection
            .send_at(create(vec![topic("no-wait", 1, 1)], 1000), 0)
            .await
            .unwrap();
        assert_eq!(response.topics[0].error_code, ErrorCode::TopicAlreadyExists);
    });
}

#[test]
fn delete_topics_when_deletion_is_disabled_answers_by_version() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(
        tmp.path(),
        "b0",
        &zk.connect_string(),
        &[("delete.topic.enable", "false")],
    );
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["kept"]).await;
        let connection = broker.connect().await;
        let request = || DeleteTopicsRequest {
            topic_names: vec!["kept".into()],
            timeout_ms: 1000,
            ..Default::default()
        };
        let v2 = connection.send_at(request(), 2).await.unwrap();
        assert_eq!(v2.responses[0].error_code, ErrorCode::InvalidRequest);
        let v3 = connection.send_at(request(), 3).await.unwrap();
        assert_eq!(v3.responses[0].error_code, ErrorCode::TopicDeletionDisabled);
        broker.wait_for_leaders(&["kept"]).await;
    });
}

#[test]
fn producer_ids_sequences_configs_and_delete_records() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["idem"]).await;
        let connection = broker.connect().await;
        let init = |transactional_id: Option<&str>| InitProducerIdRequest {
            transactional_id: transactional_id.map(str::to_string),
            transaction_timeout_ms: 60_000,
            ..Default::default()
        };
        let first = connection.send_at(init(None), 0).await.unwrap();
        let second = connection.send_at(init(None), 2).await.unwrap();
        assert_eq!(
            (first.error_code, first.producer_id, first.producer_epoch),
            (ErrorCode::None, 0, 0)
        );
        assert_eq!(second.producer_id, 1);
        let txn = connection.send(init(Some("txn"))).await.unwrap();
        assert_eq!(
            (txn.error_code, txn.producer_id),
            (ErrorCode::NotCoordinator, -1)
        );
        let empty = connection.send(init(Some(""))).await.unwrap();
        assert_eq!(empty.error_code, ErrorCode::InvalidRequest);

        let pid = first.producer_id;
        let send = |seq: i32, values: &'static [&'static str]| {
            produce_request("idem", 0, -1, idempotent_batch(pid, seq, values))
        };
        let r = connection.send(send(0, &["a", "b"])).await.unwrap();
        assert_eq!(first_partition(&r), (ErrorCode::None, 0));
        let r = connection.send(send(2, &["c"])).await.unwrap();
        assert_eq!(first_partition(&r), (ErrorCode::None, 2));
        // A retry of the first batch is answered with its original offset, not appended again.
        let r = connection.send(send(0, &["a", "b"])).await.unwrap();
        assert_eq!(first_partition(&r), (ErrorCode::None, 0));
        let r = connection.send(send(7, &["gap"])).await.unwrap();
        assert_eq!(first_partition(&r).0, ErrorCode::OutOfOrderSequenceNumber);
        let r = connection.send(send(3, &["d"])).await.unwrap();
        assert_eq!(first_partition(&r), (ErrorCode::None, 3));

        let delete = |offset: i64| DeleteRecordsRequest {
            topics: vec![DeleteRecordsTopic {
                topic: "idem".into(),
                partitions: vec![DeleteRecordsPartition {
                    partition: 0,
                    offset,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            timeout_ms: 10_000,
            ..Default::default()
        };
        let r = connection.send(delete(2)).await.unwrap();
        let p = &r.topics[0].partitions[0];
        assert_eq!((p.error_code, p.low_watermark), (ErrorCode::None, 2));
        let r = connection.send(delete(99)).await.unwrap();
        let p = &r.topics[0].partitions[0];
        assert_eq!(
            (p.error_code, p.low_watermark),
            (ErrorCode::OffsetOutOfRange, -1)
        );
        let r = connection.send(delete(-1)).await.unwrap();
        assert_eq!(r.topics[0].partitions[0].low_watermark, 4);

        let describe = |include_synonyms: bool| DescribeConfigsRequest {
            resources: vec![DescribeConfigsResource {
                resource_type: 2,
                resource_name: "idem".into(),
                config_names: Some(vec!["segment.bytes".into()]),
                ..Default::default()
            }],
            include_synonyms,
            ..Default::default()
        };
        let v0 = connection.send_at(describe(false), 0).await.unwrap();
        let entries = &v0.resources[0].config_entries;
        assert_eq!(entries.len(), 1);
        assert!(entries[0].is_default);
        let v1 = connection.send_at(describe(true), 1).await.unwrap();
        let entry = &v1.resources[0].config_entries[0];
        assert_eq!(entry.config_source, 5);
        assert_eq!(entry.config_synonyms.len(), 1);
        assert_eq!(entry.config_synonyms[0].config_name, "log.segment.bytes");

        let loggers = DescribeConfigsRequest {
            resources: vec![DescribeConfigsResource {
                resource_type: 8,
                resource_name: "0".into(),
                config_names: None,
                ..Default::default()
            }],
            ..Default::default()
        };
        let response = connection.send_at(loggers, 2).await.unwrap();
        let result = &response.resources[0];
        assert_eq!(result.error_code, ErrorCode::None);
        assert_eq!(result.config_entries[0].config_name, "root");
        assert_eq!(result.config_entries[0].config_source, 6);
    });
}
