"""Bad group requests, sent as raw frames (tests-py/group_wire.py), get Kafka 2.4.1's error codes.

What GroupCoordinator.scala (2.4.1) answers, in the order it checks (kafka-2.4.md §6.3):
JoinGroup: empty group id → INVALID_GROUP_ID (24, before anything else); session timeout outside
[group.min.session.timeout.ms, group.max.session.timeout.ms] → INVALID_SESSION_TIMEOUT (26);
v4+ with an empty member id → MEMBER_ID_REQUIRED (79) carrying a generated id (v0-3 join
directly); a member id the group does not know → UNKNOWN_MEMBER_ID (25).
SyncGroup / Heartbeat / OffsetCommit: unknown member → 25 before the generation is looked at;
wrong generation → ILLEGAL_GENERATION (22); Heartbeat while PreparingRebalance or
CompletingRebalance → REBALANCE_IN_PROGRESS (27); OffsetCommit is still accepted while
PreparingRebalance but answers 27 in CompletingRebalance; an OffsetCommit with a generation on a
group that does not exist → 22. OffsetCommit for a topic or partition the broker does not know →
UNKNOWN_TOPIC_OR_PARTITION (3), per partition (KafkaApis). A group id may be as long as a
protocol string can be (32767 bytes). A member that stops heartbeating is removed
session.timeout.ms after its last heartbeat, also while a rebalance waits for it to rejoin
(DelayedHeartbeat / MemberMetadata.shouldKeepAlive), so the rebalance timeout is not waited out.
"""

import time
import uuid

import pytest

import group_wire as wire
from conftest import GregorBroker, start_zookeeper, wait_for_leader

TOPIC = "group-errors"
SESSION_MS = 30000


@pytest.fixture(scope="module")
def broker(gregor_binary, tmp_path_factory):
    base = tmp_path_factory.mktemp("group-errors")
    zookeeper = start_zookeeper(base)
    server = GregorBroker(gregor_binary, zookeeper, base, overrides={"group.initial.rebalance.delay.ms": "0"})
    try:
        server.start()
        wait_for_leader(server.bootstrap, TOPIC)
        yield server
    finally:
        server.kill()
        zookeeper.kill()


@pytest.fixture
def connect(broker):
    """Opens raw connections to the broker (closed after the test)."""
    opened = []

    def open_connection(client_id="gregor-test"):
        connection = wire.Connection("127.0.0.1", broker.port, client_id=client_id)
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()


def new_group(connection, prefix):
    group = f"{prefix}-{uuid.uuid4().hex[:8]}"
    connection.wait_for_coordinator(group)
    return group


def stable_member(connection, group):
    """Joins `group` as its only member and syncs: returns (member_id, generation)."""
    joined = connection.join_as_new_member(group, session_timeout_ms=SESSION_MS, topics=[TOPIC])
    assert joined["error"] == wire.NONE, joined
    member = joined["member_id"]
    assert joined["leader"] == member
    mine = wire.assignment({TOPIC: [0]})
    error, assigned = connection.sync_group(group, joined["generation"], member, [(member, mine)])
    assert (error, assigned) == (wire.NONE, mine)
    return member, joined["generation"]


def test_join_with_empty_group_id_is_invalid_group_id(connect):
    connection = connect()
    for version in (0, 4, 5):
        joined = connection.join_group("", version=version)
        assert joined["error"] == wire.INVALID_GROUP_ID, (version, joined)
    # The group id is checked first: a bad session timeout does not change the answer.
    assert connection.join_group("", session_timeout_ms=1)["error"] == wire.INVALID_GROUP_ID


def test_join_with_session_timeout_outside_broker_bounds(connect):
    connection = connect()
    group = new_group(connection, "session-bounds")
    # group.min.session.timeout.ms = 6000 and group.max.session.timeout.ms = 1800000 (defaults).
    for too_short_or_long in (0, 5999, 1800001):
        joined = connection.join_group(group, session_timeout_ms=too_short_or_long)
        assert joined["error"] == wire.INVALID_SESSION_TIMEOUT, (too_short_or_long, joined)
        assert joined["generation"] == -1
    # The bounds themselves are allowed.
    for edge in (6000, 1800000):
        assert connection.join_group(group, session_timeout_ms=edge)["error"] == wire.MEMBER_ID_REQUIRED


def test_join_v4_with_empty_member_id_gets_member_id_required(connect):
    connection = connect(client_id="two-step")
    group = new_group(connection, "two-step")
    first = connection.join_group(group, version=4, session_timeout_ms=SESSION_MS)
    assert first["error"] == wire.MEMBER_ID_REQUIRED
    # Kafka generates `<client.id>-<UUID>` and adds no member yet.
    assert first["member_id"].startswith("two-step-") and len(first["member_id"]) > len("two-step-")
    assert (first["generation"], first["leader"], first["members"]) == (-1, "", [])
    second = connection.join_group(group, version=4, member_id=first["member_id"], session_timeout_ms=SESSION_MS)
    assert second["error"] == wire.NONE, second
    assert second["member_id"] == first["member_id"]
    assert second["leader"] == first["member_id"]
    assert second["generation"] == 1
    assert second["protocol"] == "range"
    assert second["members"] == [first["member_id"]]


def test_join_v3_with_empty_member_id_joins_at_once(connect):
    connection = connect(client_id="one-step")
    group = new_group(connection, "one-step")
    joined = connection.join_group(group, version=3, session_timeout_ms=SESSION_MS)
    assert joined["error"] == wire.NONE, joined
    assert joined["member_id"].startswith("one-step-")
    assert (joined["generation"], joined["leader"]) == (1, joined["member_id"])


def test_unknown_member_id(connect):
    connection = connect()
    group = new_group(connection, "unknown-member")
    # A member id for a group that does not exist yet.
    assert connection.join_group(group, member_id="made-up")["error"] == wire.UNKNOWN_MEMBER_ID
    assert connection.heartbeat(group, 0, "made-up") == wire.UNKNOWN_MEMBER_ID

    member, generation = stable_member(connection, group)
    assert connection.heartbeat(group, generation, member) == wire.NONE
    assert connection.join_group(group, member_id="made-up")["error"] == wire.UNKNOWN_MEMBER_ID
    assert connection.sync_group(group, generation, "made-up")[0] == wire.UNKNOWN_MEMBER_ID
    assert connection.heartbeat(group, generation, "made-up") == wire.UNKNOWN_MEMBER_ID
    # Membership is checked before the generation.
    assert connection.heartbeat(group, generation + 7, "made-up") == wire.UNKNOWN_MEMBER_ID
    committed = connection.offset_commit(group, generation, "made-up", {(TOPIC, 0): 1})
    assert committed == {(TOPIC, 0): wire.UNKNOWN_MEMBER_ID}

    # After LeaveGroup the group is Empty and the old id is unknown.
    assert connection.leave_group(group, member) == wire.NONE
    assert connection.heartbeat(group, generation, member) == wire.UNKNOWN_MEMBER_ID
    assert connection.leave_group(group, member) == wire.UNKNOWN_MEMBER_ID


def test_stale_generation_is_illegal_generation(connect):
    connection = connect()
    group = new_group(connection, "stale-generation")
    member, generation = stable_member(connection, group)
    assert generation == 1
    for wrong in (generation - 1, generation + 1):
        assert connection.heartbeat(group, wrong, member) == wire.ILLEGAL_GENERATION, wrong
        assert connection.sync_group(group, wrong, member)[0] == wire.ILLEGAL_GENERATION, wrong
        committed = connection.offset_commit(group, wrong, member, {(TOPIC, 0): 5})
        assert committed == {(TOPIC, 0): wire.ILLEGAL_GENERATION}, wrong
    assert connection.offset_commit(group, generation, member, {(TOPIC, 0): 5}) == {(TOPIC, 0): wire.NONE}
    assert connection.offset_fetch(group, [(TOPIC, 0)]) == (wire.NONE, {(TOPIC, 0): (5, wire.NONE)})
    # A commit carrying a generation for a group that does not exist: an older generation's.
    ghost = new_group(connection, "no-such-group")
    assert connection.offset_commit(ghost, 3, "someone", {(TOPIC, 0): 1}) == {(TOPIC, 0): wire.ILLEGAL_GENERATION}


def test_heartbeat_during_rebalance_is_rebalance_in_progress(connect):
    first = connect(client_id="first")
    second = connect(client_id="second")
    group = new_group(first, "rebalancing")
    member_a, generation = stable_member(first, group)

    # A second member joins: the group goes to PreparingRebalance and waits for A to rejoin.
    asked = second.join_group(group, session_timeout_ms=SESSION_MS, topics=[TOPIC])
    assert asked["error"] == wire.MEMBER_ID_REQUIRED
    member_b = asked["member_id"]
    parked = second.send_join_group(group, member_id=member_b, session_timeout_ms=SESSION_MS, topics=[TOPIC])
    deadline = time.monotonic() + 10
    while first.heartbeat(group, generation, member_a) == wire.NONE and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.heartbeat(group, generation, member_a) == wire.REBALANCE_IN_PROGRESS
    # Commits of the current generation are still accepted while PreparingRebalance.
    assert first.offset_commit(group, generation, member_a, {(TOPIC, 0): 7}) == {(TOPIC, 0): wire.NONE}

    # A rejoins: the rebalance completes for both, A stays leader, generation 2.
    rejoined = first.join_group(group, member_id=member_a, session_timeout_ms=SESSION_MS, topics=[TOPIC])
    joined_b = second.receive_join_group(parked)
    assert rejoined["error"] == joined_b["error"] == wire.NONE, (rejoined, joined_b)
    assert rejoined["generation"] == joined_b["generation"] == generation + 1
    assert rejoined["leader"] == joined_b["leader"] == member_a
    assert sorted(rejoined["members"]) == sorted([member_a, member_b])
    assert joined_b["members"] == []
    new_generation = rejoined["generation"]

    # CompletingRebalance (no SyncGroup from the leader yet): heartbeats and commits get 27.
    assert first.heartbeat(group, new_generation, member_a) == wire.REBALANCE_IN_PROGRESS
    assert second.heartbeat(group, new_generation, member_b) == wire.REBALANCE_IN_PROGRESS
    committed = first.offset_commit(group, new_generation, member_a, {(TOPIC, 0): 8})
    assert committed == {(TOPIC, 0): wire.REBALANCE_IN_PROGRESS}

    for_a, for_b = wire.assignment({TOPIC: [0]}), wire.assignment({})
    assert first.sync_group(group, new_generation, member_a, [(member_a, for_a), (member_b, for_b)]) == (
        wire.NONE,
        for_a,
    )
    assert second.sync_group(group, new_generation, member_b) == (wire.NONE, for_b)
    assert first.heartbeat(group, new_generation, member_a) == wire.NONE
    assert second.heartbeat(group, new_generation, member_b) == wire.NONE
    assert first.offset_fetch(group, [(TOPIC, 0)]) == (wire.NONE, {(TOPIC, 0): (7, wire.NONE)})


def test_offset_commit_for_unknown_topic_or_partition(connect):
    connection = connect()
    group = new_group(connection, "unknown-partition")
    # A standalone commit (generation -1, no member), as `assign()` consumers make.
    committed = connection.offset_commit(
        group, -1, "", {(TOPIC, 0): 11, (TOPIC, 99): 1, ("no-such-topic", 0): 1}
    )
    assert committed == {
        (TOPIC, 0): wire.NONE,
        (TOPIC, 99): wire.UNKNOWN_TOPIC_OR_PARTITION,
        ("no-such-topic", 0): wire.UNKNOWN_TOPIC_OR_PARTITION,
    }
    fetched = connection.offset_fetch(group, [(TOPIC, 0), (TOPIC, 99)])
    assert fetched[0] == wire.NONE
    assert fetched[1][(TOPIC, 0)] == (11, wire.NONE)
    # Nothing was stored for the unknown partition.
    assert fetched[1][(TOPIC, 99)][0] == -1


def test_group_id_of_32767_bytes_works(connect):
    connection = connect()
    group = "g" * (32767 - 9) + uuid.uuid4().hex[:9]
    assert len(group.encode()) == 32767
    connection.wait_for_coordinator(group)
    member, generation = stable_member(connection, group)
    assert connection.heartbeat(group, generation, member) == wire.NONE
    assert connection.offset_commit(group, generation, member, {(TOPIC, 0): 3}) == {(TOPIC, 0): wire.NONE}
    assert connection.offset_fetch(group, [(TOPIC, 0)]) == (wire.NONE, {(TOPIC, 0): (3, wire.NONE)})
    assert connection.leave_group(group, member) == wire.NONE



def test_silent_member_is_expired_during_rebalance_after_its_session_timeout(connect):
    first = connect(client_id="silent")
    second = connect(client_id="joiner")
    group = new_group(first, "silent-member")
    session_ms, rebalance_ms = 6000, 30000
    joined = first.join_as_new_member(group, session_timeout_ms=session_ms, rebalance_timeout_ms=rebalance_ms)
    silent = joined["member_id"]
    assert first.sync_group(group, joined["generation"], silent, [(silent, b"")])[0] == wire.NONE
    synced_at = time.monotonic()  # the silent member's last sign of life

    asked = second.join_group(group, session_timeout_ms=session_ms, rebalance_timeout_ms=rebalance_ms)
    parked = second.send_join_group(
        group, member_id=asked["member_id"], session_timeout_ms=session_ms, rebalance_timeout_ms=rebalance_ms
    )
    # The rebalance waits for the silent member only until its session expires, not for the
    # 30 s rebalance timeout: then it completes without it.
    rejoined = second.receive_join_group(parked, timeout=rebalance_ms / 1000 + 10)
    took = time.monotonic() - synced_at
    assert rejoined["error"] == wire.NONE, rejoined
    assert rejoined["generation"] == joined["generation"] + 1
    assert (rejoined["leader"], rejoined["members"]) == (asked["member_id"], [asked["member_id"]])
    assert took < session_ms / 1000 + 3, f"the silent member was removed after {took:.1f} s"
    assert first.heartbeat(group, joined["generation"], silent) == wire.UNKNOWN_MEMBER_ID
