"""Real clients against one Gregor broker with its controller module on a real ZooKeeper:
confluent-kafka (librdkafka) producer with delivery callbacks + flush and an assign/seek
consumer, every codec; kafka-python producer and assign consumer; kcat -L/-P/-C; kill -9 and
restart with every acknowledged record readable at its offset. Facts: protocol-2.4.md §4.1-4.5,
kafka-2.4.md §3."""

import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import wait_for_leader

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def produce_confluent(bootstrap, topic, values, **config):
    """Produces `values` and returns {value: offset} from the delivery callbacks."""
    delivered = {}
    errors = []

    def on_delivery(error, message):
        if error is not None:
            errors.append(error)
        else:
            delivered[message.value().decode()] = message.offset()

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, **config})
    for value in values:
        producer.produce(topic, value=value.encode(), key=b"k", on_delivery=on_delivery)
    assert producer.flush(60) == 0
    assert errors == []
    return delivered


def consume_confluent(bootstrap, topic, start_offset, count):
    """Reads `count` records from partition 0 starting at `start_offset` (assign + seek)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False}
    )
    try:
        consumer.assign([TopicPartition(topic, 0, start_offset)])
        out = []
        for _ in range(600):
            if len(out) >= count:
                break
            message = consumer.poll(0.1)
            if message is None or message.error():
                continue
            out.append((message.offset(), message.value().decode()))
        return out
    finally:
        consumer.close()


@pytest.mark.parametrize("codec", CODECS)
def test_confluent_producer_and_assigned_consumer_with_every_codec(broker, codec):
    topic = f"codec-{codec}"
    wait_for_leader(broker.bootstrap, topic)
    values = [f"{codec}-{i}" for i in range(50)]
    delivered = produce_confluent(broker.bootstrap, topic, values, **{"compression.type": codec, "acks": "all"})
    assert sorted(delivered.values()) == list(range(50))
    consumed = consume_confluent(broker.bootstrap, topic, 0, 50)
    assert consumed == sorted((offset, value) for value, offset in delivered.items())
    # A seek into the middle starts exactly there.
    assert consume_confluent(broker.bootstrap, topic, 25, 1)[0][0] == 25


def test_kafka_python_producer_and_assigned_consumer(broker):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTopicPartition

    wait_for_leader(broker.bootstrap, "kp")
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks=1, enable_idempotence=False)
    futures = [producer.send("kp", key=b"k", value=f"v{i}".encode(), partition=0) for i in range(10)]
    producer.flush(60)
    offsets = [future.get(timeout=60).offset for future in futures]
    producer.close()
    assert offsets == list(range(10))
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False, consumer_timeout_ms=10000)
    consumer.assign([KTopicPartition("kp", 0)])
    consumer.seek_to_beginning()
    values = [message.value.decode() for _, message in zip(range(10), consumer)]
    consumer.close()
    assert values == [f"v{i}" for i in range(10)]


def test_kcat_lists_produces_and_consumes(broker):
    wait_for_leader(broker.bootstrap, "kc")
    produced = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-P", "-t", "kc", "-p", "0"],
        input="one\ntwo\nthree\n",
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert produced.returncode == 0, produced.stderr
    consumed = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-C", "-t", "kc", "-o", "beginning", "-e", "-f", "%o:%s\n"],
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert consumed.stdout.splitlines() == ["0:one", "1:two", "2:three"], consumed.stderr
    listed = subprocess.run(["kcat", "-b", broker.bootstrap, "-L"], text=True, capture_output=True, timeout=60)
    assert "broker 0 at 127.0.0.1" in listed.stdout
    assert 'topic "kc" with 1 partitions' in listed.stdout
    assert "partition 0, leader 0, replicas: 0, isrs: 0" in listed.stdout


def test_acknowledged_records_survive_kill_9_and_restart(broker, kazoo):
    wait_for_leader(broker.bootstrap, "durable")
    values = [f"r{i}" for i in range(200)]
    delivered = produce_confluent(broker.bootstrap, "durable", values, acks="all")
    assert len(delivered) == 200
    broker.kill()
    # As with Kafka, the killed broker's ephemeral registration lives until ZooKeeper expires
    # its session; restarting earlier fails with NODEEXISTS.
    deadline = time.monotonic() + 60
    while kazoo.exists("/brokers/ids/0") and time.monotonic() < deadline:
        time.sleep(0.2)
    broker.start()
    wait_for_leader(broker.bootstrap, "durable")
    consumed = dict((value, offset) for offset, value in consume_confluent(broker.bootstrap, "durable", 0, 200))
    for value, offset in delivered.items():
        assert consumed.get(value) == offset, value
