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
