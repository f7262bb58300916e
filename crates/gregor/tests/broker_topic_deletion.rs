//! Topic deletion as the broker sees it (kafka-2.4.md §2.6): the controller reacts to
//! `/admin/delete_topics/<t>`, sends StopReplica with delete_partitions and an UpdateMetadata
//! that drops the topic; the broker renames the partition dir to `<tp>.<uuid>-delete` at once
//! and Metadata stops listing the topic.

mod broker_harness;

use std::time::{Duration, Instant};

use broker_harness::{produce, runtime, Broker};
use gregor_protocol::{ErrorCode, MetadataRequest, MetadataRequestTopic};
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::KafkaZkClient;

#[test]
fn deleted_topic_leaves_metadata_and_its_log_dir_is_renamed() {
    let Some(zookeeper) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zookeeper.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["gone"]).await;
        let connection = broker.connect().await;
        assert_eq!(
            produce(&connection, "gone", 1, &["x"]).await,
            (ErrorCode::None, 0)
        );
        assert!(broker.log_dir().join("gone-0").exists());
        let client = KafkaZkClient::connect(&zookeeper.connect_string(), 10_000, 10_000)
            .await
            .unwrap();
        let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
        client
            .raw()
            .create("/admin/delete_topics/gone", &[], &options)
            .await
            .unwrap();
        let request = MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: "gone".into(),
                ..Default::default()
            }]),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let response = connection.send(request.clone()).await.unwrap();
            let dir_gone = !broker.log_dir().join("gone-0").exists();
            if response.topics[0].error_code == ErrorCode::UnknownTopicOrPartition && dir_gone {
                break;
            }
            assert!(Instant::now() < deadline, "topic not deleted: {response:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let renamed = std::fs::read_dir(broker.log_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .any(|name| name.starts_with("gone-0.") && name.ends_with("-delete"));
        assert!(renamed, "no gone-0.<uuid>-delete dir");
    });
}
