"""Dynamic topic configs with a real client (Kafka's DynamicConfigManager / TopicConfigHandler,
kafka-2.4.md §1.2 /config/changes): confluent-kafka's AdminClient alter_configs lowers a
topic's max.message.bytes and the running broker, without a restart, rejects a larger record
with MESSAGE_TOO_LARGE (librdkafka: MSG_SIZE_TOO_LARGE) while smaller ones still pass."""

import time

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, ConfigResource

from conftest import wait_for_leader

TOPIC = "limited"


def produce_one(broker, value):
    """Produces one record and returns the delivery error (None on success). The client-side
    message.max.bytes stays at librdkafka's default, so only the broker can refuse it."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "retries": 0})
    outcome = []
    producer.produce(TOPIC, value=value, on_delivery=lambda err, msg: outcome.append(err))
    producer.flush(30)
    assert len(outcome) == 1, "no delivery report"
    return outcome[0]


def produce_until(broker, value, expected_code, timeout=60):
    """The change is applied asynchronously (as in Kafka): produce until the answer matches."""
    deadline = time.monotonic() + timeout
    while True:
        error = produce_one(broker, value)
        code = None if error is None else error.code()
        if code == expected_code:
            return error
        assert time.monotonic() < deadline, f"produce still answers {error}:\n" + "\n".join(broker.lines)
        time.sleep(0.2)


def alter(admin, configs):
    resource = ConfigResource("topic", TOPIC, set_config=configs)
    assert admin.alter_configs([resource])[resource].result(timeout=60) is None


# AlterConfigs (non-incremental) is what Kafka 2.4 serves; the client calls it deprecated.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_alter_configs_max_message_bytes_applies_without_restart(broker):
    wait_for_leader(broker.bootstrap, TOPIC)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    big = b"x" * 4000
    assert produce_one(broker, big) is None

    alter(admin, {"max.message.bytes": "1000"})
    error = produce_until(broker, big, KafkaError.MSG_SIZE_TOO_LARGE)
    assert error.name() == "MSG_SIZE_TOO_LARGE"
    assert produce_one(broker, b"small") is None
    assert broker.wait_for_line(
        f"Processing override for entityPath: topics/{TOPIC} with config: Map(max.message.bytes -> 1000)"
        " (kafka.server.DynamicConfigManager)",
        30,
    )
    # The broker process never restarted.
    assert broker.process.poll() is None
    assert sum("] started (kafka.server.KafkaServer)" in line for line in broker.lines) == 1

    # Back to the broker default: the large record passes again.
    alter(admin, {"max.message.bytes": "1000012"})
    produce_until(broker, big, None)
