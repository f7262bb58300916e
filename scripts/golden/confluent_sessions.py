"""confluent-kafka-python (librdkafka) sessions against the golden-frame capture server.

Usage: confluent_sessions.py BOOTSTRAP SESSION [ARG]
Sessions: produce [CODEC] | produce-idempotent | transactional-init | consume-assign |
consume-group | admin.
Every call is bounded by a timeout; the exit status is non-zero when the client saw an error,
so capture.sh can report a session whose flow did not complete.
"""

import sys
import time

from confluent_kafka import (
    Consumer,
    IsolationLevel,
    KafkaError,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import (
    AdminClient,
    ConfigResource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
)

TOPIC = "golden"
GROUP = "golden-group"
TIMEOUT_S = 15
COMMON = {"socket.timeout.ms": 10000, "api.version.request.timeout.ms": 5000}


def produce(bootstrap, codec="none", idempotent=False):
    producer = Producer(
        {
            **COMMON,
            "bootstrap.servers": bootstrap,
            "compression.type": codec,
            "enable.idempotence": idempotent,
            "linger.ms": 5,
            "message.timeout.ms": 10000,
        }
    )
    failures = []

    def on_delivery(err, msg):
        if err is not None:
            failures.append(err)
        else:
            print(f"delivered {msg.topic()}[{msg.partition()}]@{msg.offset()}")

    for i in range(6):
        producer.produce(TOPIC, key=f"key-{i}", value=f"golden value {i} " * 4, on_delivery=on_delivery)
    left = producer.flush(TIMEOUT_S)
    if failures or left:
        raise SystemExit(f"delivery failures {failures}, {left} undelivered")


def transactional_init(bootstrap):
    """Only init_transactions: FindCoordinator for a transaction coordinator (key type 1) and
    InitProducerId with a transactional id. The transaction APIs that would follow
    (AddPartitionsToTxn, EndTxn) have no message definitions in our codec."""
    producer = Producer(
        {**COMMON, "bootstrap.servers": bootstrap, "transactional.id": "golden-txn"}
    )
    producer.init_transactions(TIMEOUT_S)
    print("transactions initialised")


def consume_until_eof(consumer, partitions, deadline):
    """Polls until every partition reported EOF; returns the number of messages read."""
    eof, count = set(), 0
    while time.monotonic() < deadline and len(eof) < partitions:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                eof.add(msg.partition())
                continue
            raise SystemExit(f"consumer error {msg.error()}")
        count += 1
    return count


def consume_assign(bootstrap):
    consumer = Consumer(
        {
            **COMMON,
            "bootstrap.servers": bootstrap,
            "group.id": "golden-assign",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    # Beginning, end and an absolute offset: ListOffsets earliest/latest and a plain Fetch.
    consumer.assign(
        [
            TopicPartition(TOPIC, 0, -2),
            TopicPartition(TOPIC, 1, -1),
            TopicPartition(TOPIC, 2, 1),
        ]
    )
    deadline = time.monotonic() + TIMEOUT_S
    count = consume_until_eof(consumer, 3, deadline)
    # A seek that names a leader epoch makes librdkafka validate the position with
    # OffsetForLeaderEpoch (KIP-320) before fetching again.
    consumer.seek(TopicPartition(TOPIC, 0, 1, leader_epoch=0))
    while time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            count += 1
            break
    consumer.close()
    print(f"consumed {count} messages")
    if count == 0:
        raise SystemExit("no messages consumed")


def consume_group(bootstrap):
    consumer = Consumer(
        {
            **COMMON,
            "bootstrap.servers": bootstrap,
            "group.id": GROUP,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([TOPIC])
    deadline = time.monotonic() + TIMEOUT_S
    count = consume_until_eof(consumer, 3, deadline)
    consumer.commit(asynchronous=False)
    consumer.close()
    print(f"consumed {count} messages in group {GROUP}")
    if count == 0:
        raise SystemExit("no messages consumed")


FAILURES = []


def wait_all(futures):
    for key, future in futures.items():
        try:
            print(key, future.result(timeout=TIMEOUT_S))
        except Exception as error:  # noqa: BLE001 - report and carry on with the flow
            FAILURES.append(f"{key}: {error}")


def admin(bootstrap):
    client = AdminClient({**COMMON, "bootstrap.servers": bootstrap})
    topic = "golden-admin"
    wait_all(client.create_topics([NewTopic(topic, 3, 1, config={"retention.ms": "60000"})]))
    wait_all(client.create_partitions([NewPartitions(topic, 5)]))
    wait_all(
        client.describe_configs(
            [ConfigResource("topic", topic), ConfigResource("broker", "0")]
        )
    )
    wait_all(
        client.alter_configs([ConfigResource("topic", topic, set_config={"retention.ms": "1000"})])
    )
    print(client.list_topics(timeout=TIMEOUT_S).topics)
    print(client.list_groups(timeout=TIMEOUT_S))
    print(client.list_consumer_groups().result(timeout=TIMEOUT_S))
    wait_all(client.describe_consumer_groups([GROUP], include_authorized_operations=True))
    wait_all({"cluster": client.describe_cluster(include_authorized_operations=True)})
    wait_all(client.describe_topics(TopicCollection([TOPIC]), include_authorized_operations=True))
    wait_all(
        client.list_offsets(
            {
                TopicPartition(TOPIC, 0): OffsetSpec.earliest(),
                TopicPartition(TOPIC, 1): OffsetSpec.latest(),
            },
            isolation_level=IsolationLevel.READ_COMMITTED,
        )
    )
    wait_all(client.delete_records([TopicPartition(topic, 0, 1)]))
    wait_all(client.delete_consumer_groups([GROUP], request_timeout=TIMEOUT_S))
    wait_all(client.delete_topics([topic], operation_timeout=TIMEOUT_S))
    if FAILURES:
        raise SystemExit(f"admin failures: {FAILURES}")


def main():
    bootstrap, session, *rest = sys.argv[1:]
    if session == "produce":
        produce(bootstrap, *rest)
    elif session == "produce-idempotent":
        produce(bootstrap, "none", idempotent=True)
    elif session == "transactional-init":
        transactional_init(bootstrap)
    elif session == "consume-assign":
        consume_assign(bootstrap)
    elif session == "consume-group":
        consume_group(bootstrap)
    elif session == "admin":
        admin(bootstrap)
    else:
        raise SystemExit(f"unknown session {session}")


if __name__ == "__main__":
    main()
