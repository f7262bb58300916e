"""Admin APIs with real clients against one Gregor broker: confluent-kafka's AdminClient and
kafka-python's KafkaAdminClient create topics (with validate_only and configs), delete topics,
add partitions, describe and alter configs, and delete records. Facts: protocol-2.4.md
§4.6-4.10, §4.23; kafka-2.4.md §2.5, §2.7, §4.13."""

import json
import time

import pytest
from confluent_kafka import KafkaException, TopicPartition
from confluent_kafka.admin import (
    AdminClient,
    ConfigResource,
    NewPartitions,
    NewTopic,
)

from conftest import wait_for_leader


def admin_for(broker, timeout=60):
    """An AdminClient whose metadata already names the controller. (Right after start-up the
    broker's first Metadata answer can come before the controller's UpdateMetadata; librdkafka
    then waits for its next metadata refresh before sending controller requests.)"""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if admin.list_topics(timeout=10).controller_id >= 0:
            return admin
        time.sleep(0.2)
    raise AssertionError("no controller in metadata")


def result_of(futures, key, timeout=60):
    return futures[key].result(timeout=timeout)


def error_of(futures, key, timeout=60):
    with pytest.raises(KafkaException) as raised:
        futures[key].result(timeout=timeout)
    return raised.value.args[0]


def partition_count(admin, topic):
    return len(admin.list_topics(topic=topic, timeout=10).topics[topic].partitions)


def test_confluent_create_topics_with_configs_validate_only_and_errors(broker, kazoo):
    admin = admin_for(broker)
    futures = admin.create_topics(
        [NewTopic("orders", num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"})],
        operation_timeout=30,
    )
    assert result_of(futures, "orders") is None
    # The request waited for the leaders: metadata shows them at once.
    assert partition_count(admin, "orders") == 3
    config = json.loads(kazoo.get("/config/topics/orders")[0])
    assert config == {"version": 1, "config": {"retention.ms": "3600000"}}
    assignment = json.loads(kazoo.get("/brokers/topics/orders")[0])
    assert assignment["partitions"] == {"0": [0], "1": [0], "2": [0]}

    # validate_only creates nothing.
    futures = admin.create_topics([NewTopic("dry", num_partitions=2, replication_factor=1)], validate_only=True)
    assert result_of(futures, "dry") is None
    assert kazoo.exists("/brokers/topics/dry") is None

    futures = admin.create_topics(
        [
            NewTopic("orders", num_partitions=1, replication_factor=1),
            NewTopic("too-many-replicas", num_partitions=1, replication_factor=3),
            NewTopic("bad-config", num_partitions=1, replication_factor=1, config={"no.such.config": "1"}),
            NewTopic("bad name!", num_partitions=1, replication_factor=1),
            NewTopic("no-partitions", num_partitions=0, replication_factor=1),
        ]
    )
    assert error_of(futures, "orders").code() == 36  # TOPIC_ALREADY_EXISTS
    assert error_of(futures, "too-many-replicas").code() == 38  # INVALID_REPLICATION_FACTOR
    assert error_of(futures, "bad-config").code() == 40  # INVALID_CONFIG
    assert error_of(futures, "bad name!").code() == 17  # INVALID_TOPIC_EXCEPTION
    assert error_of(futures, "no-partitions").code() == 37  # INVALID_PARTITIONS
    err = error_of(futures, "too-many-replicas")
    assert "Replication factor: 3 larger than available brokers: 1." in err.str()


def test_confluent_explicit_assignment_and_broker_defaults(broker, kazoo):
    admin = admin_for(broker)
    futures = admin.create_topics([NewTopic("manual", 2, replica_assignment=[[0], [0]])])
    assert result_of(futures, "manual") is None
    assert json.loads(kazoo.get("/brokers/topics/manual")[0])["partitions"] == {"0": [0], "1": [0]}
    futures = admin.create_topics([NewTopic("bad-manual", 1, replica_assignment=[[0, 0]])])
    assert error_of(futures, "bad-manual").code() == 39  # INVALID_REPLICA_ASSIGNMENT
    # -1 counts (CreateTopics v4+) take num.partitions and default.replication.factor.
    futures = admin.create_topics([NewTopic("defaults")])
    assert result_of(futures, "defaults") is None
    assert partition_count(admin, "defaults") == 1


def test_confluent_create_partitions_and_delete_topics(broker, kazoo):
    admin = admin_for(broker)
    assert result_of(admin.create_topics([NewTopic("grow", 1, 1)]), "grow") is None
    assert result_of(admin.create_partitions([NewPartitions("grow", 4)]), "grow") is None
    assert partition_count(admin, "grow") == 4
    futures = admin.create_partitions([NewPartitions("grow", 2), NewPartitions("missing", 2)])
    assert error_of(futures, "grow").code() == 37  # INVALID_PARTITIONS
    assert error_of(futures, "missing").code() == 3  # UNKNOWN_TOPIC_OR_PARTITION
    futures = admin.create_partitions([NewPartitions("grow", 6)], validate_only=True)
    assert result_of(futures, "grow") is None
    assert partition_count(admin, "grow") == 4

    futures = admin.delete_topics(["grow", "never-there"], operation_timeout=30)
    assert result_of(futures, "grow") is None
    assert error_of(futures, "never-there").code() == 3  # UNKNOWN_TOPIC_OR_PARTITION
    # The deletion finished before the answer: the topic znode is gone.
    deadline = time.monotonic() + 30
    while kazoo.exists("/brokers/topics/grow") is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kazoo.exists("/brokers/topics/grow") is None
    assert "grow" not in admin.list_topics(timeout=10).topics


def test_confluent_describe_and_alter_configs(broker, kazoo):
    admin = admin_for(broker)
    assert result_of(admin.create_topics([NewTopic("conf", 1, 1, config={"cleanup.policy": "compact"})]), "conf") is None
    resource = ConfigResource("topic", "conf")
    configs = result_of(admin.describe_configs([resource]), resource)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["cleanup.policy"].source == 1  # DYNAMIC_TOPIC_CONFIG
    assert configs["segment.bytes"].value == "1073741824"
    assert configs["segment.bytes"].is_default
    assert "retention.ms" in configs and not configs["retention.ms"].is_read_only

    resource = ConfigResource("topic", "conf", set_config={"retention.ms": "1000", "cleanup.policy": "delete"})
    assert result_of(admin.alter_configs([resource], validate_only=True), resource) is None
    assert json.loads(kazoo.get("/config/topics/conf")[0])["config"] == {"cleanup.policy": "compact"}
    assert result_of(admin.alter_configs([resource]), resource) is None
    assert json.loads(kazoo.get("/config/topics/conf")[0])["config"] == {
        "retention.ms": "1000",
        "cleanup.policy": "delete",
    }
    changes = kazoo.get_children("/config/changes")
    assert any(json.loads(kazoo.get(f"/config/changes/{c}")[0])["entity_path"] == "topics/conf" for c in changes)
    configs = result_of(admin.describe_configs([ConfigResource("topic", "conf")]), ConfigResource("topic", "conf"))
    assert configs["retention.ms"].value == "1000"

    bad = ConfigResource("topic", "conf", set_config={"retention.ms": "soon"})
    assert error_of(admin.alter_configs([bad]), bad).code() == 42  # INVALID_REQUEST
    missing = ConfigResource("topic", "nope")
    assert error_of(admin.describe_configs([missing]), missing).code() == 3  # UNKNOWN_TOPIC_OR_PARTITION

    node = ConfigResource("broker", "0")
    broker_configs = result_of(admin.describe_configs([node]), node)
    assert broker_configs["log.dirs"].value == str(broker.log_dir)
    assert broker_configs["log.dirs"].is_read_only
    assert broker_configs["log.dirs"].source == 4  # STATIC_BROKER_CONFIG
    read_only = ConfigResource("broker", "0", set_config={"log.dirs": "/elsewhere"})
    err = error_of(admin.alter_configs([read_only]), read_only)
    assert err.code() == 42  # INVALID_REQUEST
    assert "Cannot update these configs dynamically" in err.str()


def test_confluent_delete_records_moves_the_low_watermark(broker):
    from confluent_kafka import Consumer, Producer

    wait_for_leader(broker.bootstrap, "trim")
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(10):
        producer.produce("trim", value=str(i).encode())
    assert producer.flush(30) == 0
    admin = admin_for(broker)
    tp = TopicPartition("trim", 0, 4)
    futures = admin.delete_records([tp])
    deleted = futures[tp].result(timeout=30)
    assert deleted.low_watermark == 4
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition("trim", 0), timeout=10)
    finally:
        consumer.close()
    assert (low, high) == (4, 10)
    beyond = TopicPartition("trim", 0, 11)
    futures = admin.delete_records([beyond])
    with pytest.raises(KafkaException) as raised:
        futures[beyond].result(timeout=30)
    assert raised.value.args[0].code() == 1  # OFFSET_OUT_OF_RANGE


def test_kafka_python_admin_client(broker, kazoo):
    from kafka.admin import ConfigResource as KConfigResource
    from kafka.admin import ConfigResourceType, KafkaAdminClient
    from kafka.admin import NewPartitions as KNewPartitions
    from kafka.admin import NewTopic as KNewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([KNewTopic("kp", 2, 1, topic_configs={"max.message.bytes": "2000000"})])
        assert json.loads(kazoo.get("/config/topics/kp")[0])["config"] == {"max.message.bytes": "2000000"}
        with pytest.raises(TopicAlreadyExistsError):
            admin.create_topics([KNewTopic("kp", 2, 1)])
        admin.create_topics([KNewTopic("kp-dry", 1, 1)], validate_only=True)
        assert kazoo.exists("/brokers/topics/kp-dry") is None

        admin.create_partitions({"kp": KNewPartitions(3)})
        assert len(json.loads(kazoo.get("/brokers/topics/kp")[0])["partitions"]) == 3

        described = admin.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "kp")], config_filter="all")
        entries = described["topic"]["kp"]
        assert entries["max.message.bytes"]["value"] == "2000000"
        assert entries["max.message.bytes"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
        assert entries["cleanup.policy"]["value"] == "delete"
        assert entries["cleanup.policy"]["config_source"] == "DEFAULT_CONFIG"

        admin.alter_configs([KConfigResource(ConfigResourceType.TOPIC, "kp", configs={"retention.bytes": "12345"})])
        # Without IncrementalAlterConfigs the client keeps the other overrides itself.
        assert json.loads(kazoo.get("/config/topics/kp")[0])["config"] == {
            "max.message.bytes": "2000000",
            "retention.bytes": "12345",
        }

        admin.delete_topics(["kp"], timeout_ms=30000)
        deadline = time.monotonic() + 30
        while kazoo.exists("/brokers/topics/kp") is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert kazoo.exists("/brokers/topics/kp") is None
    finally:
        admin.close()
