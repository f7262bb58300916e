"""Consumer groups with real clients against one Gregor broker: the tutorial's `subscribe`
consumer (confluent-kafka and kafka-python) and `kcat -G`, partitions shared out and taken over
when a member leaves or dies, idle members beyond the partition count, independent groups, and
committed offsets that survive a broker restart (SIGTERM and SIGKILL). Facts: kafka-2.4.md §6.

Members poll on their own threads (tests-py/group_clients.py) with session.timeout.ms 6000 and
heartbeat.interval.ms 1000; the broker runs with group.initial.rebalance.delay.ms=0. Every wait
is a poll loop with a deadline.
"""

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from conftest import GregorBroker, start_zookeeper, wait_for_leader
from group_clients import (
    CLIENTS,
    SESSION_TIMEOUT_MS,
    Member,
    committed,
    consume_until,
    create_topic,
    make_consumer,
    produce,
    spread,
    wait_until,
)

SESSION_S = SESSION_TIMEOUT_MS / 1000
GROUP_OVERRIDES = {"group.initial.rebalance.delay.ms": "0"}


@pytest.fixture(scope="module")
def broker(gregor_binary, tmp_path_factory):
    """One broker (with its own ZooKeeper) shared by the tests of this file that do not restart it;
    each test uses its own topics and groups."""
    base = tmp_path_factory.mktemp("groups")
    zookeeper = start_zookeeper(base)
    server = GregorBroker(gregor_binary, zookeeper, base, overrides=GROUP_OVERRIDES)
    try:
        server.start()
        yield server
    finally:
        server.kill()
        zookeeper.kill()


@pytest.fixture
def members():
    """Starts Members; closes whichever are still running after the test."""
    started = []

    def start(*args, **config):
        member = Member(*args, **config)
        started.append(member)
        return member

    yield start
    for member in started:
        member.stop()
    for member in started:
        member.join()


def consumed_by(group_members):
    return {(p, v) for m in group_members for p, _, v in m.records}


def owned(group_members):
    return sorted(p for m in group_members for p in m.assignment)


def balanced(group_members, partitions):
    """Every partition owned exactly once, shared as evenly as the range assignor does."""
    sizes = sorted(len(m.assignment) for m in group_members)
    even = partitions // len(group_members)
    return owned(group_members) == list(range(partitions)) and sizes[0] >= even and sizes[-1] <= even + 1


def state_of(group_members):
    return {m.name: sorted(m.assignment) for m in group_members}


@pytest.mark.parametrize("client", CLIENTS)
def test_tutorial_subscribe_consumer_reads_everything_then_resumes_after_commit(broker, client):
    # The tutorial's snippet: group 'mygroup', subscribe(['mytopic']), auto.offset.reset earliest
    # (the topic is auto-created with one partition). kafka-python gets its own names.
    suffix = "" if client == "confluent" else "-kafka-python"
    topic, group = "mytopic" + suffix, "mygroup" + suffix
    wait_for_leader(broker.bootstrap, topic)
    first = [value for _, value in produce(broker.bootstrap, topic, {0: [f"first {i}" for i in range(10)]})]

    def run(count):
        if client == "confluent":
            consumer = Consumer(
                {"bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest"}
            )
            consumer.subscribe([topic])
        else:
            consumer = make_consumer(client, broker.bootstrap, group, topic, "tutorial")
        try:
            return consume_until(client, consumer, count)
        finally:
            consumer.close()  # commits what was read

    assert run(len(first)) == first
    assert committed(client, broker.bootstrap, group, topic, [0]) == {0: 10}
    second = [value for _, value in produce(broker.bootstrap, topic, {0: [f"second {i}" for i in range(5)]})]
    # The next run of the group starts after what the first one committed.
    assert run(len(second)) == second
    assert committed(client, broker.bootstrap, group, topic, [0]) == {0: 15}


@pytest.mark.parametrize("client", CLIENTS)
def test_three_members_share_six_partitions_and_take_over_when_one_leaves(broker, members, client):
    topic, group = f"six-{client}", f"three-members-{client}"
    create_topic(broker.bootstrap, topic, 6)
    group_members = [members(client, broker.bootstrap, group, topic, f"{client}-{i}") for i in range(3)]
    wait_until(lambda: balanced(group_members, 6), 60, lambda: state_of(group_members))
    assert [len(m.assignment) for m in group_members] == [2, 2, 2]

    produced = set(produce(broker.bootstrap, topic, spread("before", 6, 10)))
    wait_until(lambda: produced <= consumed_by(group_members), 30, lambda: len(consumed_by(group_members)))

    leaving, survivors = group_members[0], group_members[1:]
    leaving.close()
    took = wait_until(lambda: balanced(survivors, 6), 30, lambda: state_of(survivors))
    assert [len(m.assignment) for m in survivors] == [3, 3]
    assert took <= SESSION_S, f"survivors took {took:.1f} s to take over after LeaveGroup"

    later = set(produce(broker.bootstrap, topic, spread("after", 6, 10)))
    wait_until(lambda: later <= consumed_by(survivors), 30, lambda: len(consumed_by(survivors)))
    # Nothing produced was skipped by the group.
    assert produced | later <= consumed_by(group_members)
    for member in survivors:
        member.check()


@pytest.mark.parametrize("client", CLIENTS)
def test_member_beyond_partition_count_stays_idle(broker, members, client):
    topic, group = f"three-{client}", f"four-members-{client}"
    create_topic(broker.bootstrap, topic, 3)
    group_members = [members(client, broker.bootstrap, group, topic, f"{client}-{i}") for i in range(4)]
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})

    def settled():
        """Stable with 4 members, and each member's own view matches what the broker describes
        (the threads' snapshots of their assignment lag a poll behind the client)."""
        description = admin.describe_consumer_groups([group])[group].result(timeout=30)
        described = {m.client_id: {tp.partition for tp in m.assignment.topic_partitions} for m in description.members}
        local = {m.name: set(m.assignment) for m in group_members}
        return description.state.name == "STABLE" and described == local and owned(group_members) == [0, 1, 2]

    wait_until(settled, 60, lambda: state_of(group_members))
    idle = [m for m in group_members if not m.assignment]
    assert len(idle) == 1, state_of(group_members)
    assert sorted(len(m.assignment) for m in group_members) == [0, 1, 1, 1]

    produced = set(produce(broker.bootstrap, topic, spread("r", 3, 10)))
    wait_until(lambda: produced <= consumed_by(group_members), 30, lambda: len(consumed_by(group_members)))
    assert idle[0].records == [] and not idle[0].assignment
    for member in group_members:
        member.check()


class MemberProcess:
    """tests-py/group_member.py in a subprocess; its stdout is read on a thread."""

    def __init__(self, client, bootstrap, group, topic, name):
        script = Path(__file__).with_name("group_member.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), client, bootstrap, group, topic, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.assignment = []
        self.records = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "assigned":
                self.assignment = [int(p) for p in rest.split(",") if p]
            elif kind == "record":
                partition, _, value = rest.split(" ", 2)
                self.records.append((int(partition), value))

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


@pytest.mark.parametrize("client", CLIENTS)
def test_killed_member_is_expired_after_session_timeout(broker, members, client):
    topic, group = f"killed-{client}", f"killed-member-{client}"
    create_topic(broker.bootstrap, topic, 6)
    doomed = MemberProcess(client, broker.bootstrap, group, topic, f"{client}-doomed")
    try:
        survivors = [members(client, broker.bootstrap, group, topic, f"{client}-{i}") for i in range(2)]

        def three_way():
            return len(doomed.assignment) == 2 and all(len(m.assignment) == 2 for m in survivors)

        wait_until(three_way, 60, lambda: (doomed.assignment, state_of(survivors)))
        assert sorted(doomed.assignment + owned(survivors)) == list(range(6))
        produced = set(produce(broker.bootstrap, topic, spread("before", 6, 5)))
        wait_until(lambda: produced <= consumed_by(survivors) | set(doomed.records), 30)

        doomed.kill()  # no LeaveGroup: only the session timeout can remove it
        took = wait_until(
            lambda: balanced(survivors, 6),
            4 * SESSION_S,
            lambda: f"survivors own {state_of(survivors)}; the killed member owned {doomed.assignment}",
        )
        # Expiry after session.timeout.ms, then one rebalance (heartbeats every second).
        assert took <= SESSION_S + 5, f"took {took:.1f} s"
        later = set(produce(broker.bootstrap, topic, spread("after", 6, 5)))
        wait_until(lambda: later <= consumed_by(survivors), 30, lambda: len(consumed_by(survivors)))
        for member in survivors:
            member.check()
    finally:
        doomed.kill()


@pytest.mark.parametrize("client", CLIENTS)
def test_two_groups_each_receive_every_record(broker, members, client):
    topic = f"shared-{client}"
    create_topic(broker.bootstrap, topic, 3)
    blue = [members(client, broker.bootstrap, f"blue-{client}", topic, f"blue-{i}") for i in range(2)]
    green = [members(client, broker.bootstrap, f"green-{client}", topic, "green-0")]
    produced = set(produce(broker.bootstrap, topic, spread("r", 3, 10)))
    for group_members in (blue, green):
        wait_until(lambda: produced <= consumed_by(group_members), 60, lambda: len(consumed_by(group_members)))
    assert consumed_by(blue) == consumed_by(green) == produced
    for member in blue + green:
        member.check()


def kcat_group(bootstrap, group, topic, count, timeout=60):
    """`kcat -G group topic -c count`: a balanced consumer; returns its (partition, value) lines."""
    result = subprocess.run(
        ["kcat", "-b", bootstrap, "-c", str(count), "-f", "%p %s\n", "-q", "-X", "auto.offset.reset=earliest",
         "-X", "session.timeout.ms=6000", "-G", group, topic],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return [(int(p), v) for p, v in (line.split(" ", 1) for line in result.stdout.splitlines())]


def test_kcat_balanced_consumer_reads_every_record_then_resumes(broker):
    topic, group = "kcat-groups", "kcat-group"
    create_topic(broker.bootstrap, topic, 4)
    produced = produce(broker.bootstrap, topic, spread("first", 4, 10))
    assert sorted(kcat_group(broker.bootstrap, group, topic, len(produced))) == sorted(produced)
    later = produce(broker.bootstrap, topic, spread("second", 4, 2))
    # kcat commits on exit: the next run of the group reads only what came since.
    assert sorted(kcat_group(broker.bootstrap, group, topic, len(later))) == sorted(later)


# ---- Committed offsets across broker restarts ----------------------------------------------------


@pytest.fixture
def own_broker(gregor_binary, zookeeper, tmp_path):
    server = GregorBroker(gregor_binary, zookeeper, tmp_path, overrides=GROUP_OVERRIDES)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("stop", ["sigterm", "sigkill"])
def test_committed_offsets_survive_broker_restart(own_broker, kazoo, stop):
    bootstrap, topic = own_broker.bootstrap, "durable-offsets"
    create_topic(bootstrap, topic, 2)
    produce(bootstrap, topic, spread("r", 2, 10))
    expected = {}
    for client in CLIENTS:
        group = f"restart-{client}"
        consumer = make_consumer(client, bootstrap, group, topic, group, **{
            "confluent": {"enable.auto.commit": False},
            "kafka-python": {"enable_auto_commit": False},
        }[client])
        consume_until(client, consumer, 20)
        if client == "confluent":
            consumer.commit(asynchronous=False)
        else:
            consumer.commit()
        consumer.close()
        expected[group] = (client, {0: 10, 1: 10})
    # A standalone commit (no group membership: generation -1), as an assign() consumer makes.
    standalone = Consumer({"bootstrap.servers": bootstrap, "group.id": "restart-standalone"})
    standalone.commit(offsets=[TopicPartition(topic, 0, 4), TopicPartition(topic, 1, 7)], asynchronous=False)
    standalone.close()
    expected["restart-standalone"] = ("confluent", {0: 4, 1: 7})
    for group, (client, offsets) in expected.items():
        assert committed(client, bootstrap, group, topic, [0, 1]) == offsets, group

    if stop == "sigterm":
        assert own_broker.terminate() == 0
    else:
        own_broker.kill()
        # The dead broker's registration lives until ZooKeeper expires its session.
        wait_until(lambda: not kazoo.exists("/brokers/ids/0"), 60)
    own_broker.start()
    for group, (client, offsets) in expected.items():
        assert committed(client, bootstrap, group, topic, [0, 1]) == offsets, (stop, group)
