"""kafka-python 3.x sessions against the golden-frame capture server.

Usage: kafka_python_sessions.py BOOTSTRAP SESSION [ARG]
Sessions: produce [CODEC] | transactional-init | consume-assign | consume-group | admin.
GOLDEN_API_VERSION=0.10.1 (say) pins kafka-python's protocol versions to that broker release,
which skips the ApiVersions probe and yields the older request versions (magic 0/1 Produce,
JoinGroup v0, ...). Every call is bounded by a timeout; the exit status is non-zero when the
client saw an error.
"""

import os
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, KafkaAdminClient, NewPartitions, NewTopic

TOPIC = "golden"
GROUP = "golden-group"
TIMEOUT_S = 15
COMMON = {"request_timeout_ms": 10000}
if os.environ.get("GOLDEN_API_VERSION"):
    COMMON["api_version"] = tuple(int(part) for part in os.environ["GOLDEN_API_VERSION"].split("."))
FAILURES = []


def step(name, call, *args, **kwargs):
    """Runs one client call, printing its result; a failure is recorded and the flow goes on."""
    try:
        result = call(*args, **kwargs)
        print(f"{name}: {result}")
        return result
    except Exception as error:  # noqa: BLE001 - report and carry on with the flow
        FAILURES.append(f"{name}: {error!r}")
        return None


def produce(bootstrap, codec="none"):
    # kafka-python 3 is idempotent by default: InitProducerId, then Produce with acks=all.
    producer = KafkaProducer(
        **COMMON,
        bootstrap_servers=bootstrap,
        compression_type=None if codec == "none" else codec,
        linger_ms=5,
        max_block_ms=10000,
    )
    futures = [
        producer.send(TOPIC, key=f"key-{i}".encode(), value=(f"golden value {i} " * 4).encode())
        for i in range(6)
    ]
    producer.flush(timeout=TIMEOUT_S)
    for future in futures:
        step("delivered", future.get, timeout=TIMEOUT_S)
    producer.close(timeout=5)


def transactional_init(bootstrap):
    """Only init_transactions (FindCoordinator key type 1, InitProducerId with a transactional
    id): the transaction APIs after it have no message definitions in our codec."""
    producer = KafkaProducer(**COMMON, bootstrap_servers=bootstrap, transactional_id="golden-txn")
    step("init_transactions", producer.init_transactions)
    producer.close(timeout=5)


def poll_messages(consumer, wanted, deadline):
    count = 0
    while time.monotonic() < deadline and count < wanted:
        for records in consumer.poll(timeout_ms=500).values():
            count += len(records)
    return count


def consume_assign(bootstrap):
    consumer = KafkaConsumer(**COMMON, bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(TOPIC, p) for p in range(3)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    count = poll_messages(consumer, 9, time.monotonic() + TIMEOUT_S)
    consumer.seek_to_end(partitions[0])
    consumer.poll(timeout_ms=500)
    consumer.close()
    print(f"consumed {count} messages")
    if count == 0:
        FAILURES.append("no messages consumed")


def consume_group(bootstrap):
    consumer = KafkaConsumer(
        **COMMON,
        bootstrap_servers=bootstrap,
        group_id=GROUP,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=500,
    )
    consumer.subscribe([TOPIC])
    count = poll_messages(consumer, 9, time.monotonic() + TIMEOUT_S)
    # Stay in the group a little longer so the heartbeat thread sends Heartbeat requests.
    poll_messages(consumer, 1000, time.monotonic() + 2)
    step("commit", consumer.commit)
    consumer.close()
    print(f"consumed {count} messages in group {GROUP}")
    if count == 0:
        FAILURES.append("no messages consumed")


def admin(bootstrap):
    client = KafkaAdminClient(**COMMON, bootstrap_servers=bootstrap)
    topic = "golden-admin"
    step("create_topics", client.create_topics, [NewTopic(topic, 3, 1)])
    step("create_partitions", client.create_partitions, {topic: NewPartitions(5)})
    step(
        "describe_configs",
        client.describe_configs,
        [ConfigResource("TOPIC", topic), ConfigResource("BROKER", "0")],
        include_synonyms=True,
    )
    step(
        "alter_configs",
        client.alter_configs,
        [ConfigResource("TOPIC", topic, configs={"retention.ms": "1000"})],
        raise_on_unknown=False,
        incremental=False,
    )
    step("list_topics", client.list_topics)
    step("list_groups", client.list_groups)
    step("describe_groups", client.describe_groups, [GROUP], include_authorized_operations=True)
    step("delete_records", client.delete_records, {TopicPartition(topic, 0): 1})
    step("delete_groups", client.delete_groups, [GROUP])
    step("delete_topics", client.delete_topics, [topic])
    client.close()


def main():
    bootstrap, session, *rest = sys.argv[1:]
    sessions = {
        "produce": produce,
        "transactional-init": transactional_init,
        "consume-assign": consume_assign,
        "consume-group": consume_group,
        "admin": admin,
    }
    if session not in sessions:
        raise SystemExit(f"unknown session {session}")
    sessions[session](bootstrap, *rest)
    if FAILURES:
        raise SystemExit(f"failures: {FAILURES}")


if __name__ == "__main__":
    main()
