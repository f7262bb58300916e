"""Real group consumers for the consumer-group tests: confluent-kafka (librdkafka) and
kafka-python `subscribe` consumers, each polled on its own thread (a member blocked in a
rebalance must not stall the others, as separate processes would not), plus helpers to create
topics, produce to chosen partitions and wait on conditions with deadlines.

The consumers run with session.timeout.ms 6000 (the broker's group.min.session.timeout.ms) and
heartbeats every second, so a session timeout passes quickly in the tests that need one.
"""

import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import wait_for_leader

CLIENTS = ["confluent", "kafka-python"]
SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 1000


def wait_until(condition, timeout, describe=lambda: ""):
    """Polls `condition` every 50 ms; returns the seconds it took, fails after `timeout`."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {describe()}")
        time.sleep(0.05)


def create_topic(bootstrap, topic, partitions, timeout=60):
    """Creates `topic` with `partitions` partitions (replication 1) and waits for the leaders."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    # Right after start-up the broker's first Metadata answer may name no controller yet;
    # librdkafka would then hold CreateTopics until its next metadata refresh.
    wait_until(lambda: admin.list_topics(timeout=10).controller_id >= 0, timeout)
    while True:
        new = NewTopic(topic, num_partitions=partitions, replication_factor=1)
        future = admin.create_topics([new], request_timeout=15)[topic]
        try:
            future.result(timeout=30)
            break
        except KafkaException as error:
            if error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                break  # an earlier attempt that timed out here did create it
            if time.monotonic() > deadline:
                raise AssertionError(f"create {topic}: {error}") from error
            time.sleep(0.2)
    wait_for_leader(bootstrap, topic, partitions)


def produce(bootstrap, topic, values_by_partition):
    """Produces {partition: [value, ...]} with acks=all; returns [(partition, value)] produced."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    errors = []
    for partition, values in values_by_partition.items():
        for value in values:
            producer.produce(
                topic, value=value.encode(), partition=partition, on_delivery=lambda e, _m: e and errors.append(e)
            )
    assert producer.flush(60) == 0
    assert errors == []
    return [(partition, value) for partition, values in values_by_partition.items() for value in values]


def spread(prefix, partitions, per_partition):
    """{partition: ["<prefix>-<partition>-<i>", ...]} for every partition."""
    return {p: [f"{prefix}-{p}-{i}" for i in range(per_partition)] for p in range(partitions)}


class Member:
    """One subscribed group consumer on its own thread. `records` holds (partition, offset, value)
    in consumption order; `assignment` the partitions it owns now (a frozenset of ints)."""

    def __init__(self, client, bootstrap, group, topic, name, **config):
        self.client = client
        self.name = name
        self.records = []
        self.assignment = frozenset()
        self.error = None
        self._stop = threading.Event()
        self._consumer = make_consumer(client, bootstrap, group, topic, name, **config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            while not self._stop.is_set():
                for partition, offset, value in poll(self.client, self._consumer):
                    self.records.append((partition, offset, value))
                # Both clients answer assignment() with TopicPartition objects.
                self.assignment = frozenset(tp.partition for tp in self._consumer.assignment())
        except Exception as error:  # reported by the test through `check`
            self.error = error
        finally:
            self.assignment = frozenset()
            # Both clients commit what was consumed (auto commit is on), then leave the group.
            self._consumer.close()

    def values(self):
        return [value for _, _, value in self.records]

    def stop(self):
        """Asks the thread to close the consumer (it commits, then leaves the group)."""
        self._stop.set()

    def close(self, timeout=30):
        """Stops polling and waits until the consumer has closed."""
        self.stop()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"{self.name} did not close"
        self.check()

    def join(self, timeout=30):
        self._thread.join(timeout)

    def check(self):
        assert self.error is None, f"{self.name}: {self.error!r}"


def make_consumer(client, bootstrap, group, topic, name, **config):
    if client == "confluent":
        consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": group,
                "client.id": name,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": SESSION_TIMEOUT_MS,
                "heartbeat.interval.ms": HEARTBEAT_INTERVAL_MS,
                **config,
            }
        )
        consumer.subscribe([topic])
        return consumer
    from kafka import KafkaConsumer

    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=name,
        auto_offset_reset="earliest",
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        **config,
    )


def poll(client, consumer, timeout_s=0.1):
    """One poll: [(partition, offset, value)]. Consumer errors other than end-of-partition fail."""
    if client == "confluent":
        message = consumer.poll(timeout_s)
        if message is None:
            return []
        if message.error():
            raise KafkaException(message.error())
        return [(message.partition(), message.offset(), message.value().decode())]
    batches = consumer.poll(timeout_ms=int(timeout_s * 1000))
    return [(tp.partition, r.offset, r.value.decode()) for tp, records in batches.items() for r in records]


def consume_until(client, consumer, count, timeout=60):
    """Polls `consumer` (on this thread) until `count` records came; returns their values."""
    values = []
    deadline = time.monotonic() + timeout
    while len(values) < count:
        assert time.monotonic() < deadline, f"only {len(values)} of {count} records: {values}"
        values.extend(value for _, _, value in poll(client, consumer, 0.5))
    return values


def committed(client, bootstrap, group, topic, partitions, timeout=60):
    """{partition: committed offset (-1 when none)} through a fresh consumer of `group`."""
    if client == "confluent":
        from confluent_kafka import TopicPartition

        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            result = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=timeout)
            return {tp.partition: (tp.offset if tp.offset >= 0 else -1) for tp in result}
        finally:
            consumer.close()
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        offsets = {p: consumer.committed(TopicPartition(topic, p), timeout_ms=timeout * 1000) for p in partitions}
        return {p: (-1 if offset is None else offset) for p, offset in offsets.items()}
    finally:
        consumer.close(autocommit=False)
