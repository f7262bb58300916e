"""Fixtures for Gregor's real-process tests: a real ZooKeeper on a free loopback port (started
with zk/zk-start.sh, killed afterwards), a kazoo client on it, and the binaries of cargo examples.
Broker fixtures come with the broker.

Tests that need ZooKeeper are skipped only when Debian's zookeeper package is absent, and not
even then when GREGOR_REQUIRE_ZK=1 (CI, after scripts/install-deps.sh).
"""

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ZOOKEEPER_JAR = Path("/usr/share/java/zookeeper.jar")


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def four_letter(port, command):
    """Sends a ZooKeeper four-letter word and returns the reply (the server closes after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command.encode())
        chunks = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return b"".join(chunks).decode()
            chunks.append(chunk)


class ZooKeeper:
    """A standalone ZooKeeper started by zk/zk-start.sh."""

    def __init__(self, port, data_dir):
        self.port = port
        self.data_dir = data_dir

    @property
    def connect_string(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        subprocess.run(
            [str(REPO_ROOT / "zk" / "zk-start.sh"), str(self.port), str(self.data_dir)],
            check=True,
            capture_output=True,
            text=True,
        )

    def kill(self):
        subprocess.run([str(REPO_ROOT / "zk" / "zk-stop.sh"), str(self.data_dir), "--kill"], check=False)

    def four_letter(self, command):
        return four_letter(self.port, command)


def require_zookeeper():
    if not ZOOKEEPER_JAR.exists() and os.environ.get("GREGOR_REQUIRE_ZK") != "1":
        pytest.skip(f"ZooKeeper is not installed ({ZOOKEEPER_JAR} missing); run scripts/install-deps.sh")


@pytest.fixture
def zookeeper(tmp_path):
    """A running ZooKeeper on a free port with its own data dir; killed after the test."""
    require_zookeeper()
    last_error = None
    # The free port may be taken before ZooKeeper binds it: try a few.
    for attempt in range(3):
        server = ZooKeeper(free_port(), tmp_path / f"zk-{attempt}")
        try:
            server.start()
        except subprocess.CalledProcessError as error:
            last_error = error
            server.kill()
            continue
        assert server.four_letter("ruok") == "imok"
        try:
            yield server
        finally:
            server.kill()
        return
    raise RuntimeError(f"zk-start.sh failed: {last_error.stdout}{last_error.stderr}")


@pytest.fixture
def kazoo(zookeeper):
    """A kazoo client connected to the test ZooKeeper."""
    from kazoo.client import KazooClient

    client = KazooClient(hosts=zookeeper.connect_string, timeout=30)
    client.start(timeout=30)
    try:
        yield client
    finally:
        client.stop()
        client.close()


def build_cargo_example(package, example):
    """Builds `cargo --example` of a workspace package and returns the executable's path
    (wherever CARGO_TARGET_DIR puts it)."""
    result = subprocess.run(
        ["cargo", "build", "-q", "-p", package, "--example", example, "--message-format=json"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") and example in message["target"]["name"]:
            return message["executable"]
    raise RuntimeError(f"cargo built no executable for example {example}")


@pytest.fixture(scope="session")
def register_example():
    """Path of gregor-zk's `register` example (creates Kafka's paths and registers a broker)."""
    return build_cargo_example("gregor-zk", "register")


# ---- Broker fixtures (owned by "broker") -------------------------------------------------------


def build_cargo_binary(package, binary):
    """Builds a workspace binary and returns its path (wherever CARGO_TARGET_DIR puts it)."""
    result = subprocess.run(
        ["cargo", "build", "-q", "-p", package, "--bin", binary, "--message-format=json"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") and message["target"]["name"] == binary:
            return message["executable"]
    raise RuntimeError(f"cargo built no executable {binary}")


@pytest.fixture(scope="session")
def gregor_binary():
    """Path of the `gregor` binary (kafka-server-start and the tools): `$GREGOR_TEST_BINARY` when
    set (a prebuilt broker; it must exist and be named `gregor`, since scripts/cluster.sh finds
    its brokers by that name), otherwise built from this checkout with cargo."""
    prebuilt = os.environ.get("GREGOR_TEST_BINARY")
    if prebuilt:
        path = Path(prebuilt).resolve()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise RuntimeError(f"GREGOR_TEST_BINARY={prebuilt} is not an executable file")
        if path.name != "gregor":
            raise RuntimeError(f"GREGOR_TEST_BINARY={prebuilt} must be named gregor (scripts/cluster.sh looks for it)")
        return str(path)
    return build_cargo_binary("gregor", "gregor")


class GregorBroker:
    """One `gregor kafka-server-start` process on a free loopback port with its own log dir.
    stdout is collected by a thread so tests can wait for Kafka's log lines."""

    def __init__(self, binary, zookeeper, base_dir, broker_id=0, overrides=None):
        import threading

        self.binary = binary
        self.zookeeper = zookeeper
        self.dir = Path(base_dir) / f"broker-{broker_id}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.broker_id = broker_id
        self.port = free_port()
        self.overrides = dict(overrides or {})
        self.process = None
        self.lines = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def log_dir(self):
        return self.dir / "data"

    def start(self, timeout=90):
        import threading

        props = {
            "broker.id": str(self.broker_id),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.log_dir),
            "zookeeper.connect": self.zookeeper.connect_string,
            # The shortest session ZooKeeper grants (2 ticks): a killed broker's registration
            # disappears quickly, so a restart does not collide with it.
            "zookeeper.session.timeout.ms": "4000",
            "offsets.topic.replication.factor": "1",
            "num.partitions": "1",
            "controlled.shutdown.retry.backoff.ms": "100",
        }
        props.update(self.overrides)
        path = self.dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        env = dict(os.environ, LOG_DIR=str(self.dir / "logs"))
        self.process = subprocess.Popen(
            [self.binary, "kafka-server-start", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        with self._lock:
            self.lines = []
        process = self.process

        def read():
            for line in process.stdout:
                with self._changed:
                    self.lines.append(line.rstrip("\n"))
                    self._changed.notify_all()
            with self._changed:
                self._changed.notify_all()

        threading.Thread(target=read, daemon=True).start()
        needle = f"[KafkaServer id={self.broker_id}] started"
        if not self.wait_for_line(needle, timeout):
            self.kill()
            raise AssertionError("broker did not start:\n" + "\n".join(self.lines))

    def wait_for_line(self, needle, timeout):
        import time

        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if any(needle in line for line in self.lines):
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if self.process.poll() is not None:
                    # Give the reader thread a moment to drain the pipe, then decide.
                    self._changed.wait(0.5)
                    return any(needle in line for line in self.lines)
                self._changed.wait(min(left, 0.5))

    def terminate(self, timeout=60):
        self.process.terminate()
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def broker(gregor_binary, zookeeper, tmp_path):
    """A started single broker (id 0) with its controller module; killed after the test."""
    server = GregorBroker(gregor_binary, zookeeper, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def wait_for_leader(bootstrap, topic, partitions=1, timeout=60):
    """Asks for `topic` (auto-creating it) until every partition has a leader."""
    import time

    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "allow.auto.create.topics": True})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metadata = admin.list_topics(topic=topic, timeout=10)
        info = metadata.topics.get(topic)
        if info is not None and info.error is None and len(info.partitions) >= partitions and all(
            p.leader >= 0 for p in info.partitions.values()
        ):
            return metadata
        time.sleep(0.2)
    raise AssertionError(f"no leader for {topic}")


# ---- Multi-broker cluster fixtures (owned by "cluster") ----------------------------------------


def start_zookeeper(base_dir):
    """Starts a ZooKeeper on a free port under `base_dir` (for fixtures wider than one test);
    the caller kills it."""
    require_zookeeper()
    last_error = None
    for attempt in range(3):
        server = ZooKeeper(free_port(), Path(base_dir) / f"zk-{attempt}")
        try:
            server.start()
            return server
        except subprocess.CalledProcessError as error:
            last_error = error
            server.kill()
    raise RuntimeError(f"zk-start.sh failed: {last_error.stdout}{last_error.stderr}")


class GregorCluster:
    """A real ZooKeeper and N `gregor` brokers (ids 0..N-1) on free loopback ports, each broker
    with its own log dir, as `scripts/cluster.sh` runs them."""

    def __init__(self, binary, base_dir, brokers=3, overrides=None):
        self.binary = binary
        self.base_dir = Path(base_dir)
        self.zookeeper = start_zookeeper(self.base_dir)
        self.brokers = [
            GregorBroker(binary, self.zookeeper, self.base_dir, broker_id=i, overrides=overrides) for i in range(brokers)
        ]
        try:
            for broker in self.brokers:
                broker.start()
        except BaseException:
            self.stop()
            raise

    @property
    def bootstrap(self):
        """Every broker's address, comma-separated (a client's bootstrap.servers)."""
        return ",".join(broker.bootstrap for broker in self.brokers)

    @property
    def zookeeper_connect(self):
        return self.zookeeper.connect_string

    def tool_env(self):
        """Environment for bin/kafka-*.sh: the binary under test, tool logs in the cluster dir."""
        return dict(os.environ, GREGOR_BIN=str(self.binary), LOG_DIR=str(self.base_dir / "tool-logs"))

    def run_tool(self, script, *args, input=None, timeout=60):
        """Runs bin/<script> with `args`; returns the CompletedProcess (text, both streams)."""
        return subprocess.run(
            [str(REPO_ROOT / "bin" / script), *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.tool_env(),
            cwd=self.base_dir,
        )

    def stop(self):
        for broker in self.brokers:
            broker.kill()
        self.zookeeper.kill()

