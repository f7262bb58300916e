"""A minimal Kafka wire client for the group APIs, written from protocol-2.4.md (§1, §4.11-4.17),
so tests can send exactly the JoinGroup / SyncGroup / Heartbeat / OffsetCommit / OffsetFetch a
misbehaving client would and read the raw error codes back. Only non-flexible versions
(request header v1, response header v0) are spoken: FindCoordinator 0-2, JoinGroup 0-5,
SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-2, OffsetCommit 2-7, OffsetFetch 1-5.

A connection handles one request at a time, except that `send` and `receive` may be split so a
JoinGroup can stay parked in the coordinator while the test talks on another connection.
"""

import socket
import struct
import time

FIND_COORDINATOR, JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP = 10, 11, 12, 13, 14
OFFSET_COMMIT, OFFSET_FETCH = 8, 9

# Kafka's error codes the group tests look for (protocol-2.4.md §3).
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
INVALID_GROUP_ID = 24
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
MEMBER_ID_REQUIRED = 79
# Answers a client retries after (the coordinator is being created, loaded or moved).
RETRIABLE = {COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR}


class Writer:
    """Classic (non-flexible) encodings, big-endian."""

    def __init__(self):
        self.parts = []

    def int8(self, value):
        self.parts.append(struct.pack(">b", value))
        return self

    def int16(self, value):
        self.parts.append(struct.pack(">h", value))
        return self

    def int32(self, value):
        self.parts.append(struct.pack(">i", value))
        return self

    def int64(self, value):
        self.parts.append(struct.pack(">q", value))
        return self

    def string(self, value):
        """int16 length + UTF-8; None writes the null string (length -1)."""
        if value is None:
            return self.int16(-1)
        data = value.encode() if isinstance(value, str) else value
        self.int16(len(data))
        self.parts.append(data)
        return self

    def bytes(self, value):
        self.int32(len(value))
        self.parts.append(value)
        return self

    def array(self, items, write_item):
        self.int32(len(items))
        for item in items:
            write_item(self, item)
        return self

    def build(self):
        return b"".join(self.parts)


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, fmt):
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def int16(self):
        return self._take(">h")

    def int32(self):
        return self._take(">i")

    def int64(self):
        return self._take(">q")

    def string(self):
        length = self.int16()
        if length < 0:
            return None
        value = self.data[self.pos : self.pos + length].decode()
        self.pos += length
        return value

    def bytes(self):
        length = self.int32()
        if length < 0:
            return None
        value = self.data[self.pos : self.pos + length]
        self.pos += length
        return value

    def array(self, read_item):
        return [read_item(self) for _ in range(self.int32())]


def subscription(topics):
    """The consumer's JoinGroup metadata (kafka-2.4.md §6.4), version 0, no user data."""
    return Writer().int16(0).array(topics, Writer.string).int32(-1).build()


def assignment(partitions_by_topic):
    """A consumer assignment (kafka-2.4.md §6.4), version 0: {topic: [partition, ...]}."""

    def topic(writer, item):
        writer.string(item[0]).array(item[1], Writer.int32)

    return Writer().int16(0).array(sorted(partitions_by_topic.items()), topic).int32(-1).build()


class Connection:
    """One TCP connection to a broker, speaking request header v1 / response header v0."""

    def __init__(self, host, port, client_id="gregor-test", timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.client_id = client_id
        self.correlation_id = 0

    def close(self):
        self.sock.close()

    def send(self, api_key, version, body):
        self.correlation_id += 1
        header = Writer().int16(api_key).int16(version).int32(self.correlation_id).string(self.client_id).build()
        payload = header + body
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        return self.correlation_id

    def receive(self, correlation_id, timeout=30):
        self.sock.settimeout(timeout)
        size = struct.unpack(">i", self._exactly(4))[0]
        reader = Reader(self._exactly(size))
        assert reader.int32() == correlation_id, "responses come back in request order"
        return reader

    def request(self, api_key, version, body, timeout=30):
        return self.receive(self.send(api_key, version, body), timeout)

    def _exactly(self, count):
        chunks = []
        while count:
            chunk = self.sock.recv(count)
            if not chunk:
                raise ConnectionError("broker closed the connection")
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    # ---- FindCoordinator ----------------------------------------------------------------------

    def find_coordinator(self, group_id, version=1):
        """(error_code, node_id)."""
        body = Writer().string(group_id)
        if version >= 1:
            body.int8(0)
        reader = self.request(FIND_COORDINATOR, version, body.build())
        if version >= 1:
            reader.int32()  # throttle_time_ms
        error = reader.int16()
        if version >= 1:
            reader.string()  # error_message
        return error, reader.int32()

    def wait_for_coordinator(self, group_id, timeout=60):
        """Asks until the broker names a coordinator (it creates __consumer_offsets first)."""
        deadline = time.monotonic() + timeout
        while True:
            error, node = self.find_coordinator(group_id)
            if error == NONE:
                return node
            assert error in RETRIABLE and time.monotonic() < deadline, f"FindCoordinator error {error}"
            time.sleep(0.2)

    # ---- JoinGroup / SyncGroup / Heartbeat / LeaveGroup ---------------------------------------

    def send_join_group(self, group_id, member_id="", session_timeout_ms=10000, rebalance_timeout_ms=30000,
                        topics=("t",), version=5, protocol_type="consumer"):
        body = Writer().string(group_id).int32(session_timeout_ms)
        if version >= 1:
            body.int32(rebalance_timeout_ms)
        body.string(member_id)
        if version >= 5:
            body.string(None)  # group_instance_id: a dynamic member
        body.string(protocol_type)
        protocols = [("range", subscription(list(topics)))]
        body.array(protocols, lambda w, p: w.string(p[0]).bytes(p[1]))
        return self.send(JOIN_GROUP, version, body.build())

    def receive_join_group(self, correlation_id, version=5, timeout=30):
        """{error, generation, protocol, leader, member_id, members: [member ids]}."""
        reader = self.receive(correlation_id, timeout)
        if version >= 2:
            reader.int32()  # throttle_time_ms
        result = {
            "error": reader.int16(),
            "generation": reader.int32(),
            "protocol": reader.string(),
            "leader": reader.string(),
            "member_id": reader.string(),
        }

        def member(r):
            member_id = r.string()
            if version >= 5:
                r.string()  # group_instance_id
            r.bytes()  # metadata
            return member_id

        result["members"] = reader.array(member)
        return result

    def join_group(self, group_id, version=5, timeout=30, **fields):
        return self.receive_join_group(self.send_join_group(group_id, version=version, **fields), version, timeout)

    def join_as_new_member(self, group_id, version=5, timeout=30, **fields):
        """The v4+ two-step join (KIP-394): ask for a member id, then join with it. Retries while
        the coordinator is still loading. Returns the second JoinGroup's result."""
        deadline = time.monotonic() + 60
        while True:
            first = self.join_group(group_id, version=version, timeout=timeout, **fields)
            if first["error"] in RETRIABLE and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            break
        if first["error"] != MEMBER_ID_REQUIRED:
            return first
        return self.join_group(group_id, member_id=first["member_id"], version=version, timeout=timeout, **fields)

    def sync_group(self, group_id, generation, member_id, assignments=(), version=3):
        """(error_code, assignment bytes). `assignments`: [(member_id, bytes)] (leader only)."""
        body = Writer().string(group_id).int32(generation).string(member_id)
        if version >= 3:
            body.string(None)
        body.array(list(assignments), lambda w, a: w.string(a[0]).bytes(a[1]))
        reader = self.request(SYNC_GROUP, version, body.build())
        if version >= 1:
            reader.int32()
        return reader.int16(), reader.bytes()

    def heartbeat(self, group_id, generation, member_id, version=3):
        body = Writer().string(group_id).int32(generation).string(member_id)
        if version >= 3:
            body.string(None)
        reader = self.request(HEARTBEAT, version, body.build())
        if version >= 1:
            reader.int32()
        return reader.int16()

    def leave_group(self, group_id, member_id, version=1):
        reader = self.request(LEAVE_GROUP, version, Writer().string(group_id).string(member_id).build())
        if version >= 1:
            reader.int32()
        return reader.int16()

    # ---- OffsetCommit / OffsetFetch -----------------------------------------------------------

    def offset_commit(self, group_id, generation, member_id, offsets, version=7):
        """Commits {(topic, partition): offset}; returns {(topic, partition): error_code}."""
        by_topic = {}
        for (topic, partition), offset in sorted(offsets.items()):
            by_topic.setdefault(topic, []).append((partition, offset))
        body = Writer().string(group_id).int32(generation).string(member_id)
        if version >= 7:
            body.string(None)  # group_instance_id
        if 2 <= version <= 4:
            body.int64(-1)  # retention_time_ms: the broker's default

        def partition(w, item):
            w.int32(item[0]).int64(item[1])
            if version >= 6:
                w.int32(-1)  # committed_leader_epoch
            w.string("")

        body.array(list(by_topic.items()), lambda w, t: w.string(t[0]).array(t[1], partition))
        reader = self.request(OFFSET_COMMIT, version, body.build())
        if version >= 3:
            reader.int32()
        errors = {}
        for topic in reader.array(lambda r: (r.string(), r.array(lambda p: (p.int32(), p.int16())))):
            for index, error in topic[1]:
                errors[(topic[0], index)] = error
        return errors

    def offset_fetch(self, group_id, partitions, version=5):
        """(top-level error, {(topic, partition): (offset, error)}) for [(topic, partition)]."""
        by_topic = {}
        for topic, index in sorted(partitions):
            by_topic.setdefault(topic, []).append(index)
        body = Writer().string(group_id)
        body.array(list(by_topic.items()), lambda w, t: w.string(t[0]).array(t[1], Writer.int32))
        reader = self.request(OFFSET_FETCH, version, body.build())
        if version >= 3:
            reader.int32()

        def partition(r):
            index, offset = r.int32(), r.int64()
            if version >= 5:
                r.int32()  # committed_leader_epoch
            r.string()  # metadata
            return index, offset, r.int16()

        result = {}
        for name, rows in reader.array(lambda r: (r.string(), r.array(partition))):
            for index, offset, error in rows:
                result[(name, index)] = (offset, error)
        top_error = reader.int16() if version >= 2 else NONE
        return top_error, result
