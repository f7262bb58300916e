#!/usr/bin/env python3
"""Consumer-group benchmarks for scripts/bench-groups.sh. Prints numbers; asserts nothing.

    groups.py --broker BINARY --out DIR [--consumers 10] [--runs 3] [--commit-seconds 5]
              [--offsets 100000] [--offset-partitions 100]

Starts its own ZooKeeper (zk/zk-start.sh) and one broker (`BINARY kafka-server-start`) on free
loopback ports, with data under DIR, and stops only those processes. Measures:

  1. group formation: N confluent-kafka consumers subscribe at once to a topic with N partitions;
     seconds until every one owns a partition (so the group is Stable), with
     group.initial.rebalance.delay.ms 0 and 3000 (the broker restarts in between);
  2. offset commits per second from one subscribed consumer: synchronous commits (one at a time)
     and asynchronous ones (all in flight, counted when their callbacks report);
  3. coordinator load: commits --offsets distinct offsets (groups x --offset-partitions partitions,
     standalone OffsetCommit v7 over a raw connection), restarts the broker (SIGTERM) and times
     until OffsetFetch answers every group with its offsets; also reports the broker's
     "Finished loading offsets and group metadata from __consumer_offsets-N in X milliseconds"
     lines and its VmRSS/VmHWM before and after.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO_ROOT = Path(__file__).resolve().parents[2]
# The raw group-protocol client of the tests (written from protocol-2.4.md).
sys.path.insert(0, str(REPO_ROOT / "tests-py"))
import group_wire as wire  # noqa: E402

ASYNC_IN_FLIGHT = 100
LOADED = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\].*Finished loading offsets and group metadata from "
    r"(__consumer_offsets-\d+) in (\d+) milliseconds",
    re.MULTILINE,
)


def say(text):
    print(f"bench-groups[{time.strftime('%H:%M:%S')}]: {text}", file=sys.stderr, flush=True)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_status(pid):
    """{VmRSS, VmHWM} in MiB from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


class Broker:
    """One `gregor kafka-server-start` with a config rewritten at each start."""

    def __init__(self, binary, zk_connect, base):
        self.binary, self.zk_connect, self.base = binary, zk_connect, Path(base)
        self.port = free_port()
        self.process = None
        self.log_path = None
        self.starts = 0
        self.started_wall = 0.0

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, overrides):
        self.starts += 1
        props = {
            "broker.id": "0",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.base / "data"),
            "zookeeper.connect": self.zk_connect,
            "zookeeper.session.timeout.ms": "6000",
            "offsets.topic.replication.factor": "1",
            **overrides,
        }
        config = self.base / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.log_path = self.base / f"broker-{self.starts}.out"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [self.binary, "kafka-server-start", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, LOG_DIR=str(self.base / "logs")),
            )
        started_at = time.monotonic()
        self.started_wall = time.time()
        while "[KafkaServer id=0] started" not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() - started_at > 120:
                raise RuntimeError(f"broker did not start; see {self.log_path}")
            time.sleep(0.05)
        return started_at

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return self.log_path.read_text(errors="replace")


def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + 60
    # Until metadata names the controller, librdkafka holds CreateTopics for a metadata refresh.
    while admin.list_topics(timeout=10).controller_id < 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    while True:
        try:
            admin.create_topics([NewTopic(topic, partitions, 1)], request_timeout=15)[topic].result(30)
            break
        except KafkaException as error:
            if error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                break
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    while True:
        info = admin.list_topics(topic, timeout=10).topics.get(topic)
        if info and info.error is None and len(info.partitions) == partitions:
            if all(p.leader >= 0 for p in info.partitions.values()):
                return
        time.sleep(0.1)


def consumer(bootstrap, group, **config):
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            "auto.offset.reset": "earliest",
            **config,
        }
    )


def formation_seconds(bootstrap, topic, group, count):
    """Starts `count` consumers at once; seconds until each owns one partition."""
    owned = [0] * count
    stop = threading.Event()
    started = threading.Barrier(count + 1)

    def member(index):
        c = consumer(bootstrap, group, **{"client.id": f"member-{index}"})
        started.wait()
        c.subscribe([topic])
        while not stop.is_set():
            c.poll(0.05)
            owned[index] = len(c.assignment())
        c.close()

    threads = [threading.Thread(target=member, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    started.wait()
    begin = time.monotonic()
    while not (all(owned) and sum(owned) == count):
        if time.monotonic() - begin > 120:
            break
        time.sleep(0.01)
    took = time.monotonic() - begin
    stop.set()
    for thread in threads:
        thread.join(60)
    return took


def bench_formation(broker, args):
    rows = []
    for delay_ms in (0, 3000):
        broker.stop()
        broker.start({"group.initial.rebalance.delay.ms": str(delay_ms)})
        topic = f"formation-{delay_ms}"
        create_topic(broker.bootstrap, topic, args.consumers)
        # __consumer_offsets exists and is loaded before the clock starts.
        connection = wire.Connection("127.0.0.1", broker.port, client_id="bench-groups")
        connection.wait_for_coordinator(f"formation-{delay_ms}-0")
        connection.close()
        runs = [formation_seconds(broker.bootstrap, topic, f"formation-{delay_ms}-{run}", args.consumers)
                for run in range(args.runs)]
        rows.append((delay_ms, runs))
        say(f"formation delay {delay_ms} ms: {runs}")
    return rows


def bench_commits(broker, args):
    topic, group = "commit-rate", "commit-rate"
    create_topic(broker.bootstrap, topic, 1)
    c = consumer(broker.bootstrap, group, **{"enable.auto.commit": False})
    done = []
    failed_commits = []
    c.subscribe([topic])
    deadline = time.monotonic() + 60
    while not c.assignment() and time.monotonic() < deadline:
        c.poll(0.1)

    sync_count, begin = 0, time.monotonic()
    while time.monotonic() - begin < args.commit_seconds:
        sync_count += 1
        c.commit(offsets=[TopicPartition(topic, 0, sync_count)], asynchronous=False)
    sync_rate = sync_count / (time.monotonic() - begin)
    c.close()

    def on_commit(error, _partitions):
        (failed_commits if error else done).append(1)

    c = consumer(broker.bootstrap, group + "-async", **{"enable.auto.commit": False, "on_commit": on_commit})
    c.subscribe([topic])
    deadline = time.monotonic() + 60
    while not c.assignment() and time.monotonic() < deadline:
        c.poll(0.1)
    async_count, begin = 0, time.monotonic()
    while time.monotonic() - begin < args.commit_seconds:
        # At most ASYNC_IN_FLIGHT unacknowledged commits: a steady rate, not a queue filling up.
        while async_count - len(done) - len(failed_commits) >= ASYNC_IN_FLIGHT:
            c.poll(0.001)
        async_count += 1
        c.commit(offsets=[TopicPartition(topic, 0, async_count)], asynchronous=True)
        c.poll(0)
    while len(done) + len(failed_commits) < async_count and time.monotonic() - begin < args.commit_seconds + 60:
        c.poll(0.01)
    async_rate = len(done) / (time.monotonic() - begin)
    c.close()
    return sync_count, sync_rate, async_count, len(done), len(failed_commits), async_rate


def bench_load(broker, args):
    topic = "load-offsets"
    partitions = args.offset_partitions
    groups = [f"load-{i}" for i in range(args.offsets // partitions)]
    create_topic(broker.bootstrap, topic, partitions)
    connection = wire.Connection("127.0.0.1", broker.port, client_id="bench-groups")
    connection.wait_for_coordinator(groups[0])
    begin = time.monotonic()
    failed = 0
    for index, group in enumerate(groups):
        offsets = {(topic, p): index + p + 1 for p in range(partitions)}
        while True:
            errors = connection.offset_commit(group, -1, "", offsets)
            if not any(e in wire.RETRIABLE for e in errors.values()):
                break
            time.sleep(0.1)
        failed += sum(1 for e in errors.values() if e != wire.NONE)
    commit_s = time.monotonic() - begin
    connection.close()
    before = proc_status(broker.process.pid)

    broker.stop()
    started_at = broker.start({"group.initial.rebalance.delay.ms": "0"})
    up_s = time.monotonic() - started_at
    connection = wire.Connection("127.0.0.1", broker.port, client_id="bench-groups")
    wanted = [(topic, p) for p in range(partitions)]
    first_ok_s = None
    for index, group in enumerate(groups):
        while True:
            error, fetched = connection.offset_fetch(group, wanted)
            if error == wire.NONE and all(fetched[tp][1] == wire.NONE for tp in wanted):
                break
            time.sleep(0.02)
        if first_ok_s is None:
            first_ok_s = time.monotonic() - started_at
        missing = [tp for tp in wanted if fetched[tp][0] != index + tp[1] + 1]
        if missing:
            say(f"{group}: wrong offsets after restart for {missing[:3]}...")
    all_ok_s = time.monotonic() - started_at
    connection.close()
    after = proc_status(broker.process.pid)
    loads = [(m.group(3), int(m.group(4))) for m in LOADED.finditer(broker.log())]
    # When the last partition finished, on the broker's clock (its log timestamps are local time).
    last_loaded = max(
        (time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + int(m.group(2)) / 1000
         for m in LOADED.finditer(broker.log())),
        default=None,
    )
    return {
        "offsets": len(groups) * partitions,
        "groups": len(groups),
        "commit_s": commit_s,
        "commit_errors": failed,
        "up_s": up_s,
        "first_fetch_s": first_ok_s,
        "all_fetched_s": all_ok_s,
        "loads": loads,
        "last_loaded_s": None if last_loaded is None else last_loaded - broker.started_wall,
        "rss_before": before,
        "rss_after": after,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--consumers", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commit-seconds", type=float, default=5)
    parser.add_argument("--offsets", type=int, default=100000)
    parser.add_argument("--offset-partitions", type=int, default=100)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    zk_dir, zk_port = out / "zk", free_port()
    subprocess.run([str(REPO_ROOT / "zk" / "zk-start.sh"), str(zk_port), str(zk_dir)], check=True,
                   capture_output=True, env=dict(os.environ, ZK_LOG_LEVEL="WARN"))
    broker = Broker(args.broker, f"127.0.0.1:{zk_port}", out)
    try:
        broker.start({"group.initial.rebalance.delay.ms": "0"})
        say(f"broker on {broker.bootstrap}, idle RSS {proc_status(broker.process.pid)}")
        formation = bench_formation(broker, args)
        say("commit rate")
        commits = bench_commits(broker, args)
        say(f"committing {args.offsets} offsets, then restarting")
        load = bench_load(broker, args)
    finally:
        broker.stop()
        subprocess.run([str(REPO_ROOT / "zk" / "zk-stop.sh"), str(zk_dir)], check=False, capture_output=True)
    report(args, formation, commits, load)


def report(args, formation, commits, load):
    print(f"Group benchmarks ({os.cpu_count()} cores, load {os.getloadavg()[0]:.2f})")
    for delay_ms, runs in formation:
        print(f"  {args.consumers} consumers stable, group.initial.rebalance.delay.ms={delay_ms}: "
              f"median {statistics.median(runs):.2f} s (runs: {', '.join(f'{r:.2f}' for r in runs)})")
    sync_count, sync_rate, async_count, async_done, async_errors, async_rate = commits
    print(f"  synchronous commits: {sync_rate:,.0f}/s ({sync_count} in {args.commit_seconds:g} s)")
    print(f"  asynchronous commits: {async_rate:,.0f}/s ({async_done} of {async_count} acknowledged,"
          f" {async_errors} errors, at most {ASYNC_IN_FLIGHT} in flight)")
    loads = load["loads"]
    print(f"  committed {load['offsets']:,} offsets ({load['groups']} groups x {args.offset_partitions} partitions)"
          f" in {load['commit_s']:.1f} s, {load['commit_errors']} errors")
    print(f"  restart: broker up in {load['up_s']:.2f} s; first OffsetFetch answered {load['first_fetch_s']:.2f} s"
          f" after start; all {load['groups']} groups fetched {load['all_fetched_s']:.2f} s after start")
    if loads:
        slowest = max(loads, key=lambda row: row[1])
        print(f"  'Finished loading' lines: {len(loads)}; slowest {slowest[1]} ms ({slowest[0]}),"
              f" sum {sum(ms for _, ms in loads)} ms (partitions load concurrently);"
              f" last one logged {load['last_loaded_s']:.2f} s after start")
    else:
        print("  no 'Finished loading offsets and group metadata' lines in the broker's output")
    print(f"  broker RSS before restart {load['rss_before'].get('VmRSS', 0):.1f} MiB"
          f" (peak {load['rss_before'].get('VmHWM', 0):.1f}), after loading {load['rss_after'].get('VmRSS', 0):.1f} MiB"
          f" (peak {load['rss_after'].get('VmHWM', 0):.1f})")


if __name__ == "__main__":
    main()
