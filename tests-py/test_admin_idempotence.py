"""Idempotent producers of both libraries against Gregor: InitProducerId hands out ids from
/latest_producer_id_block, and 10,000 records produced across a broker restart (clean stop, or
kill -9) are read back exactly once each, in order. The broker's producer state survives the
restart through the `.snapshot` files (clean stop) or the rebuild from the log (kill -9).
Facts: protocol-2.4.md §4.21, kafka-2.4.md §1.2, §4.12."""

import json
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import wait_for_leader

TOTAL = 10_000


def restart(broker, kazoo, how):
    if how == "kill":
        broker.kill()
        # As with Kafka, the killed broker's ephemeral registration lives until ZooKeeper
        # expires its session; a restart before that fails with NODEEXISTS.
        deadline = time.monotonic() + 60
        while kazoo.exists("/brokers/ids/0") and time.monotonic() < deadline:
            time.sleep(0.2)
    else:
        assert broker.terminate() == 0
    broker.start()


def read_values(bootstrap, topic, count):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, 0, 0)])
        values = []
        deadline = time.monotonic() + 60
        while len(values) < count and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                if not message.error():
                    values.append(message.value().decode())
        # Anything beyond `count` would be a duplicate: look a little further.
        for message in consumer.consume(num_messages=1000, timeout=1):
            if not message.error():
                values.append(message.value().decode())
        return values
    finally:
        consumer.close()


def check_exactly_once(values):
    assert len(values) == TOTAL, f"{len(values)} records read back"
    assert values == [str(i) for i in range(TOTAL)]


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_confluent_idempotent_producer_across_a_restart(broker, kazoo, how):
    topic = f"idem-confluent-{how}"
    wait_for_leader(broker.bootstrap, topic)
    errors = []

    def on_delivery(error, _message):
        if error is not None:
            errors.append(error)

    producer = Producer(
        {
            "bootstrap.servers": broker.bootstrap,
            "enable.idempotence": True,
            "linger.ms": 2,
            "message.timeout.ms": 120000,
        }
    )
    for i in range(TOTAL // 2):
        producer.produce(topic, value=str(i).encode(), on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(60) == 0
    block = json.loads(kazoo.get("/latest_producer_id_block")[0])
    assert block == {"version": 1, "broker": 0, "block_start": "0", "block_end": "999"}
    restart(broker, kazoo, how)
    for i in range(TOTAL // 2, TOTAL):
        producer.produce(topic, value=str(i).encode(), on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(120) == 0
    assert errors == []
    check_exactly_once(read_values(broker.bootstrap, topic, TOTAL))
    if how == "stop":
        # The clean stop wrote the producer state at the log end.
        part = broker.log_dir / f"{topic}-0"
        assert (part / f"{TOTAL // 2:020d}.snapshot").exists()


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_kafka_python_default_idempotent_producer_across_a_restart(broker, kazoo, how):
    from kafka import KafkaProducer

    topic = f"idem-kafka-python-{how}"
    wait_for_leader(broker.bootstrap, topic)
    # kafka-python 3 enables idempotence by default (acks=all, retries).
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=2)
    try:
        assert producer.config["enable_idempotence"]
        futures = [producer.send(topic, str(i).encode()) for i in range(TOTAL // 2)]
        producer.flush(60)
        offsets = [f.get(timeout=60).offset for f in futures]
        assert offsets == list(range(TOTAL // 2))
        restart(broker, kazoo, how)
        futures = [producer.send(topic, str(i).encode()) for i in range(TOTAL // 2, TOTAL)]
        producer.flush(120)
        offsets = [f.get(timeout=120).offset for f in futures]
        assert offsets == list(range(TOTAL // 2, TOTAL))
    finally:
        producer.close(timeout=10)
    check_exactly_once(read_values(broker.bootstrap, topic, TOTAL))


def test_init_producer_id_refuses_transactions(broker):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    wait_for_leader(broker.bootstrap, "txn")
    # Gregor has no transaction coordinator: a transactional producer cannot initialise.
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id="t1", max_block_ms=3000)
    try:
        with pytest.raises(KafkaError):
            producer.init_transactions()
    finally:
        producer.close(timeout=5)
