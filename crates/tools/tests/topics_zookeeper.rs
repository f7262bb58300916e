//! `kafka-topics --zookeeper` end to end against the real ZooKeeper, with brokers 1001–1003
//! registered as a starting broker registers itself: Kafka 2.4's output text, znodes and exit
//! codes.

use gregor_tools::kafka_topics_main;
use gregor_zk::test_support::TestZooKeeper;
use gregor_zk::zookeeper_client::{Acls, CreateMode};
use gregor_zk::{BrokerInfo, EndPoint, KafkaZkClient, LeaderIsrAndControllerEpoch};

/// A ZooKeeper with three registered brokers; the runtime keeps their sessions alive.
struct Cluster {
    server: TestZooKeeper,
    runtime: tokio::runtime::Runtime,
    zk: KafkaZkClient,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let server = TestZooKeeper::start_or_skip()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let zk = runtime.block_on(async {
            let zk = KafkaZkClient::connect(&server.connect_string(), 30_000, 30_000)
                .await
                .unwrap();
            zk.create_top_level_paths().await.unwrap();
            for broker_id in [1001, 1002, 1003] {
                let info = BrokerInfo {
                    broker_id,
                    endpoints: vec![EndPoint::plaintext("localhost", 9000 + broker_id)],
                    rack: None,
                    jmx_port: -1,
                    timestamp_ms: 1_580_000_000_000,
                };
                zk.register_broker(&info).await.unwrap();
            }
            zk
        });
        Some(Cluster {
            server,
            runtime,
            zk,
        })
    }

    /// Runs kafka-topics with `--zookeeper <this server>` first; returns stdout, stderr, code.
    fn topics(&self, args: &[&str]) -> (String, String, i32) {
        let mut all = vec!["--zookeeper".to_string(), self.server.connect_string()];
        all.extend(args.iter().map(|arg| arg.to_string()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = kafka_topics_main(&all, &mut out, &mut err);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            code,
        )
    }

    fn data(&self, path: &str) -> Option<String> {
        self.runtime
            .block_on(self.zk.get_data(path))
            .unwrap()
            .map(|(bytes, _)| String::from_utf8(bytes).unwrap())
    }

    /// Writes a partition state as the controller would.
    fn write_state(&self, topic: &str, partition: i32, state: &LeaderIsrAndControllerEpoch) {
        let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
        let parent = format!("/brokers/topics/{topic}/partitions/{partition}");
        self.runtime.block_on(async {
            self.zk.raw().mkdir(&parent, &options).await.unwrap();
            self.zk
                .raw()
                .create(&format!("{parent}/state"), &state.encode(), &options)
                .await
                .unwrap();
        });
    }
}

#[test]
fn create_describe_list_alter_delete_like_kafka() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let created = cluster.topics(&[
        "--create",
        "--replication-factor",
        "3",
        "--partitions",
        "1",
        "--topic",
        "first",
    ]);
    assert_eq!(
        created,
        ("Created topic first.\n".to_string(), String::new(), 0)
    );
    assert_eq!(
        cluster.data("/config/topics/first").unwrap(),
        r#"{"version":1,"config":{}}"#
    );
    let topic_json = cluster.data("/brokers/topics/first").unwrap();
    assert!(
        topic_json.starts_with(r#"{"version":2,"partitions":{"0":["#),
        "{topic_json}"
    );

    // Before the controller wrote a state: Kafka 2.4 prints `Leader: none` and an empty ISR.
    let (out, _, code) = cluster.topics(&["--describe", "--topic", "first"]);
    assert_eq!(code, 0);
    let replicas = out
        .lines()
        .nth(1)
        .unwrap()
        .split("Replicas: ")
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        out,
        format!("Topic: first\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: \n\tTopic: first\tPartition: 0\tLeader: none\tReplicas: {replicas}\tIsr: \n")
    );
    let mut ids: Vec<i32> = replicas.split(',').map(|id| id.parse().unwrap()).collect();
    let leader = ids[0];
    ids.sort();
    assert_eq!(ids, vec![1001, 1002, 1003]);
    let (out, _, _) = cluster.topics(&["--describe", "--unavailable-partitions"]);
    assert!(out.contains("Leader: none"), "{out}");

    cluster.write_state(
        "first",
        0,
        &LeaderIsrAndControllerEpoch {
            leader,
            leader_epoch: 0,
            isr: vec![leader],
            controller_epoch: 1,
        },
    );
    let (out, _, _) = cluster.topics(&["--describe", "--topic", "first"]);
    assert_eq!(
        out.lines().nth(1).unwrap(),
        format!(
            "\tTopic: first\tPartition: 0\tLeader: {leader}\tReplicas: {replicas}\tIsr: {leader}"
        )
    );
    let (out, _, _) = cluster.topics(&["--describe", "--under-replicated-partitions"]);
    assert_eq!(
        out,
        format!(
            "\tTopic: first\tPartition: 0\tLeader: {leader}\tReplicas: {replicas}\tIsr: {leader}\n"
        )
    );
    let (out, _, _) = cluster.topics(&["--describe", "--unavailable-partitions"]);
    assert_eq!(out, "");

    let (out, _, code) = cluster.topics(&[
        "--create",
        "--replica-assignment",
        "1001:1002,1002:1003",
        "--topic",
        "a.b",
        "--config",
        "retention.ms=1000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic a.b.\n");
    assert_eq!(
        cluster.data("/brokers/topics/a.b").unwrap(),
        r#"{"version":2,"partitions":{"1":[1002,1003],"0":[1001,1002]},"adding_replicas":{},"removing_replicas":{}}"#
    );
    let (out, _, _) = cluster.topics(&["--describe", "--topics-with-overrides"]);
    assert_eq!(
        out,
        "Topic: a.b\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: retention.ms=1000\n"
    );

    let (out, _, code) = cluster.topics(&[
        "--alter",
        "--topic",
        "a.b",
        "--partitions",
        "3",
        "--config",
        "cleanup.policy=compact",
        "--delete-config",
        "retention.ms",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.\n         Going forward, please use kafka-configs.sh for this functionality\nUpdated config for topic a.b.\nWARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected\nAdding partitions succeeded!\n");
    assert_eq!(
        cluster.data("/config/topics/a.b").unwrap(),
        r#"{"version":1,"config":{"cleanup.policy":"compact"}}"#
    );
    assert_eq!(
        cluster
            .data("/config/changes/config_change_0000000000")
            .unwrap(),
        r#"{"version":2,"entity_path":"topics/a.b"}"#
    );
    // Partition 0's leader 1001 is index 0: start 0, shift 0, partition 2 → [1003, 1001].
    assert_eq!(
        cluster.data("/brokers/topics/a.b").unwrap(),
        r#"{"version":2,"partitions":{"2":[1003,1001],"1":[1002,1003],"0":[1001,1002]},"adding_replicas":{},"removing_replicas":{}}"#
    );

    let (out, _, code) = cluster.topics(&["--delete", "--topic", "first"]);
    assert_eq!((out.as_str(), code), ("Topic first is marked for deletion.\nNote: This will have no impact if delete.topic.enable is not set to true.\n", 0));
    assert_eq!(cluster.data("/admin/delete_topics/first").unwrap(), "");
    let (out, _, _) = cluster.topics(&["--delete", "--topic", "first"]);
    assert_eq!(out, "Topic first is already marked for deletion.\n");
    let (out, _, _) = cluster.topics(&["--list"]);
    assert_eq!(out, "a.b\nfirst - marked for deletion\n");
    let (out, _, _) = cluster.topics(&["--describe", "--topic", "first"]);
    assert!(out.starts_with("Topic: first\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: \tMarkedForDeletion: true\n"), "{out}");
    let (out, _, code) = cluster.topics(&[
        "--create",
        "--topic",
        "a.b",
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--if-not-exists",
    ]);
    assert_eq!((out.as_str(), code), ("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n", 0));
}

#[test]
fn errors_print_kafkas_text_and_exit_1() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let create = |topic: &str, rf: &str| {
        cluster.topics(&[
            "--create",
            "--topic",
            topic,
            "--partitions",
            "1",
            "--replication-factor",
            rf,
        ])
    };
    assert_eq!(create("first", "1").2, 0);
    let (out, err, code) = create("first", "1");
    assert_eq!(
        (out.as_str(), code),
        (
            "Error while executing topic command : Topic 'first' already exists.\n",
            1
        )
    );
    assert!(err.contains("] ERROR org.apache.kafka.common.errors.TopicExistsException: Topic 'first' already exists. (kafka.admin.TopicCommand$)\n"), "{err}");
    let (out, _, code) = create("big", "4");
    assert_eq!((out.as_str(), code), ("Error while executing topic command : Replication factor: 4 larger than available brokers: 3.\n", 1));
    let (out, _, _) = create("bad name", "1");
    assert_eq!(out, "Error while executing topic command : Topic name \"bad name\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'\n");
    assert_eq!(create("a.b", "1").2, 0);
    let (out, _, _) = create("a_b", "1");
    assert!(out.ends_with("\nError while executing topic command : Topic 'a_b' collides with existing topics: a.b\n"), "{out}");
    let (out, _, code) = cluster.topics(&["--describe", "--topic", "ghost"]);
    assert_eq!(
        (out.as_str(), code),
        (
            "Error while executing topic command : Topic 'ghost' does not exist as expected\n",
            1
        )
    );
    let (out, _, code) = cluster.topics(&["--describe", "--topic", "ghost", "--if-exists"]);
    assert_eq!((out.as_str(), code), ("", 0));
    let (out, _, code) = cluster.topics(&["--delete", "--topic", "ghost"]);
    assert_eq!(
        (out.as_str(), code),
        (
            "Error while executing topic command : Topic 'ghost' does not exist as expected\n",
            1
        )
    );
    let (out, _, _) = cluster.topics(&["--alter", "--topic", "first", "--partitions", "1"]);
    assert!(out.ends_with("Error while executing topic command : The number of partitions for a topic can only be increased. Topic first currently has 1 partitions, 1 would not be an increase.\n"), "{out}");
    let (out, _, _) = cluster.topics(&[
        "--create",
        "--topic",
        "c",
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--config",
        "x=1",
    ]);
    assert_eq!(
        out,
        "Error while executing topic command : Unknown topic config name: x\n"
    );
    let (out, _, _) = cluster.topics(&[
        "--create",
        "--topic",
        "c",
        "--replica-assignment",
        "1001:1001",
    ]);
    assert_eq!(out, "Error while executing topic command : Partition replica lists may not contain duplicate entries: 1001\n");

    cluster.runtime.block_on(async {
        let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
        let assignment = br#"{"version":2,"partitions":{"0":[1001]},"adding_replicas":{},"removing_replicas":{}}"#;
        cluster.zk.raw().create("/brokers/topics/__consumer_offsets", assignment, &options).await.unwrap();
    });
    let (out, _, code) = cluster.topics(&["--delete", "--topic", "__consumer_offsets"]);
    assert_eq!((out.as_str(), code), ("Error while executing topic command : Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion.\n", 1));
    let (out, _, _) = cluster.topics(&["--list", "--exclude-internal"]);
    assert_eq!(out, "a.b\nfirst\n");
    let (out, _, _) = cluster.topics(&["--list"]);
    assert_eq!(out, "__consumer_offsets\na.b\nfirst\n");

    // Usage errors go to stderr with the option table.
    let (out, err, code) = cluster.topics(&["--create", "--topic", "x"]);
    assert_eq!((out.as_str(), code), ("", 1));
    assert!(
        err.starts_with("Missing required argument \"[partitions]\"\nOption "),
        "{err}"
    );
}
