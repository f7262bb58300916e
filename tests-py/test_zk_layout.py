"""The znode layout and JSON that Gregor's ZooKeeper layer writes, read back with kazoo the way
an operator's tool (or Kafka itself) would read them. Facts: kafka-2.4.md §1.1-1.3."""

import json
import re
import subprocess

import pytest

# DESIGN.md's `ls /` of a running cluster, minus `controller` and `controller_epoch`, which the
# elected controller writes (not part of the start-up paths exercised here).
EXPECTED_ROOT = [
    "admin",
    "brokers",
    "cluster",
    "config",
    "consumers",
    "isr_change_notification",
    "latest_producer_id_block",
    "log_dir_event_notification",
    "zookeeper",
]


class RegisteredBroker:
    """The register example holding a broker registration until stdin closes."""

    def __init__(self, binary, connect, broker_id, port):
        self.process = subprocess.Popen(
            [binary, connect, str(broker_id), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        match = re.fullmatch(r"registered broker_id=(\d+) broker_epoch=(\d+) cluster_id=(\S+)\n", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"unexpected output {line!r}; stderr: {self.process.stderr.read()}")
        self.broker_id, self.broker_epoch, self.cluster_id = int(match[1]), int(match[2]), match[3]

    def stop(self):
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def wait_deleted(kazoo, path):
    """Blocks until `path` is gone, using a kazoo watch (no polling on time)."""
    import threading

    gone = threading.Event()

    def watch(event):
        if kazoo.exists(path, watch=watch) is None:
            gone.set()

    if kazoo.exists(path, watch=watch) is None:
        return
    assert gone.wait(timeout=60), f"{path} was never deleted"


def test_broker_start_writes_kafkas_layout_and_registration(zookeeper, kazoo, register_example):
    broker = RegisteredBroker(register_example, zookeeper.connect_string, 0, 9092)

    assert sorted(kazoo.get_children("/")) == EXPECTED_ROOT
    assert sorted(kazoo.get_children("/brokers")) == ["ids", "seqid", "topics"]
    assert sorted(kazoo.get_children("/config")) == ["brokers", "changes", "clients", "topics", "users"]
    assert kazoo.get_children("/admin") == ["delete_topics"]
    assert kazoo.get_children("/brokers/ids") == ["0"]

    data, stat = kazoo.get("/cluster/id")
    cluster = json.loads(data)
    assert cluster == {"version": "1", "id": broker.cluster_id}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster["id"])

    data, stat = kazoo.get("/brokers/ids/0")
    registration = json.loads(data)
    assert list(registration) == [
        "listener_security_protocol_map", "endpoints", "jmx_port", "host", "timestamp", "port", "version",
    ]
    assert registration["version"] == 4
    assert registration["host"] == "localhost" and registration["port"] == 9092
    assert registration["endpoints"] == ["PLAINTEXT://localhost:9092"]
    assert registration["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}
    assert registration["jmx_port"] == -1
    assert isinstance(registration["timestamp"], str) and registration["timestamp"].isdigit()
    assert b" " not in data, "Kafka writes compact JSON"
    # Ephemeral, written as create + set-data(version 0); the broker epoch is the czxid.
    assert stat.ephemeralOwner != 0
    assert stat.version == 1
    assert stat.czxid == broker.broker_epoch

    broker.stop()
    wait_deleted(kazoo, "/brokers/ids/0")
    assert kazoo.get_children("/brokers/ids") == []


def test_chroot_and_generated_broker_ids(zookeeper, kazoo, register_example):
    first = RegisteredBroker(register_example, zookeeper.connect_string + "/kafka", -1, 9092)
    second = RegisteredBroker(register_example, zookeeper.connect_string + "/kafka", -1, 9093)
    try:
        assert sorted(kazoo.get_children("/")) == ["kafka", "zookeeper"]
        assert (first.broker_id, second.broker_id) == (1001, 1002)
        assert sorted(kazoo.get_children("/kafka/brokers/ids")) == ["1001", "1002"]
        assert first.cluster_id == second.cluster_id
        data, _ = kazoo.get("/kafka/brokers/ids/1002")
        assert json.loads(data)["endpoints"] == ["PLAINTEXT://localhost:9093"]
    finally:
        first.stop()
        second.stop()


def test_second_broker_with_same_id_is_refused(zookeeper, register_example):
    first = RegisteredBroker(register_example, zookeeper.connect_string, 5, 9092)
    try:
        duplicate = subprocess.run(
            [register_example, zookeeper.connect_string, "5", "9093"],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert duplicate.returncode != 0
        assert "another broker with same id 5" in duplicate.stderr
    finally:
        first.stop()


def test_zookeeper_is_configured_as_documented(zookeeper):
    assert zookeeper.four_letter("ruok") == "imok"
    assert "Mode: standalone" in zookeeper.four_letter("srvr")
    assert "zk_server_state\tstandalone" in zookeeper.four_letter("mntr")
    # Only ruok, stat, srvr and mntr are whitelisted.
    assert "not in the whitelist" in zookeeper.four_letter("conf")


@pytest.mark.parametrize("connect", ["127.0.0.1:{port}", "127.0.0.1:{port},127.0.0.1:{port}/a/b"])
def test_register_accepts_kafka_connect_strings(zookeeper, kazoo, register_example, connect):
    broker = RegisteredBroker(register_example, connect.format(port=zookeeper.port), 3, 9092)
    try:
        prefix = "/a/b" if "/a/b" in connect else ""
        assert kazoo.exists(f"{prefix}/brokers/ids/3") is not None
    finally:
        broker.stop()
