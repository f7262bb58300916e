"""Committed offsets are durable across the loss of the group coordinator: in a three-broker
cluster with `offsets.topic.replication.factor=3`, the broker leading the group's
`__consumer_offsets` partition is killed with SIGKILL; a follower takes over, reads the
partition back, and the group resumes exactly after what it committed (kafka-2.4.md §6.1)."""

import time

import pytest
from conftest import GregorCluster

TOPIC = "orders"
GROUP = "failover-group"
RECORDS = 300


@pytest.fixture(scope="module")
def cluster(gregor_binary, tmp_path_factory):
    cluster = GregorCluster(
        gregor_binary,
        tmp_path_factory.mktemp("group-failover"),
        brokers=3,
        overrides={
            "offsets.topic.replication.factor": "3",
            "offsets.topic.num.partitions": "5",
            "group.initial.rebalance.delay.ms": "0",
        },
    )
    try:
        yield cluster
    finally:
        cluster.stop()


def consume(bootstrap, count, timeout_s=60):
    """Reads `count` records in GROUP, commits them synchronously, closes; returns the values."""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": GROUP,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    values = []
    try:
        consumer.subscribe([TOPIC])
        deadline = time.monotonic() + timeout_s
        while len(values) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            values.append(msg.value().decode())
            if len(values) == count:
                consumer.commit(message=msg, asynchronous=False)
        if count:
            # Commit the position of every partition read, not only the last message's.
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return values


def coordinator_id(bootstrap):
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.describe_consumer_groups([GROUP])
    return futures[GROUP].result(timeout=30).coordinator.id


def test_the_group_resumes_after_its_coordinator_is_killed(cluster):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    deadline = time.monotonic() + 60
    while len(admin.list_topics(timeout=10).brokers) < 3:
        assert time.monotonic() < deadline, "the cluster never showed three brokers"
        time.sleep(0.2)
    admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=3)])[TOPIC].result(timeout=30)
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all"})
    for i in range(RECORDS):
        producer.produce(TOPIC, value=str(i).encode(), partition=i % 3)
    assert producer.flush(30) == 0

    first = consume(cluster.bootstrap, RECORDS // 2)
    assert len(first) == RECORDS // 2
    victim = coordinator_id(cluster.bootstrap)
    cluster.brokers[victim].kill()
    survivors = ",".join(b.bootstrap for b in cluster.brokers if b.broker_id != victim)

    second = consume(survivors, RECORDS - len(first), timeout_s=90)
    assert sorted(first + second, key=int) == [str(i) for i in range(RECORDS)]
    assert coordinator_id(survivors) != victim
