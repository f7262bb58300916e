"""`scripts/cluster.sh`, the README's first command: start a cluster of a real ZooKeeper and three
brokers, see it in `status`, start it again (a no-op), use it, stop it.

The script builds the release binary itself; here GREGOR_BIN points it at the binary under test
so the suite does not pay for a release build. Ports are free loopback ports, the state dir is the
test's temporary directory.
"""

import os
import re
import socket
import subprocess

import pytest

from conftest import REPO_ROOT, free_port, require_zookeeper

SCRIPT = REPO_ROOT / "scripts" / "cluster.sh"


def consecutive_free_ports(count, attempts=50):
    """A first port such that it and the next count-1 ports are free on loopback."""
    for _ in range(attempts):
        first = free_port()
        if first + count > 65535:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def run(env, *args, timeout=300):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, env=env)


def listening(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def script_env(gregor_binary, tmp_path):
    env = dict(os.environ, GREGOR_BIN=gregor_binary, GREGOR_CLUSTER_DIR=str(tmp_path / "cluster"))
    yield env
    # Whatever a failed assertion left running.
    subprocess.run([str(SCRIPT), "stop"], capture_output=True, env=env, timeout=120)


def test_busy_port_is_named_and_nothing_starts(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, GREGOR_CLUSTER_DIR=str(tmp_path / "cluster"))
        result = run(env, "start", "--zk-port", str(port), "--base-port", str(consecutive_free_ports(3)))
    assert result.returncode == 1, result
    assert f"{port} (ZooKeeper; used by" in result.stderr, result
    assert not (tmp_path / "cluster" / "zookeeper").exists()


def test_start_status_restart_and_stop(script_env):
    require_zookeeper()
    zk_port, base_port = free_port(), consecutive_free_ports(3)
    broker_ports = [base_port + i for i in range(3)]

    started = run(script_env, "start", "--brokers", "3", "--zk-port", str(zk_port), "--base-port", str(base_port))
    assert started.returncode == 0, started
    # What runs, and the tutorial's commands with this cluster's addresses.
    assert re.search(rf"^  zookeeper +127\.0\.0\.1:{zk_port} +pid \d+", started.stdout, re.M), started.stdout
    for broker_id, port in enumerate(broker_ports):
        assert re.search(rf"^  broker {broker_id} +127\.0\.0\.1:{port} +pid \d+", started.stdout, re.M), started.stdout
    members = " ".join(f"{i}=127.0.0.1:{port}" for i, port in enumerate(broker_ports))
    assert f"registered in ZooKeeper (/brokers/ids): {members}" in started.stdout, started.stdout
    assert re.search(r"^  controller: broker [012]$", started.stdout, re.M), started.stdout
    assert (
        f"kafka-topics.sh --zookeeper 127.0.0.1:{zk_port} --create --replication-factor 3 --partitions 2 --topic first"
        in started.stdout
    )
    assert f"kafka-console-producer.sh --broker-list 127.0.0.1:{base_port} --topic first" in started.stdout
    consume = f"kafka-console-consumer.sh --bootstrap-server 127.0.0.1:{base_port} --topic first --from-beginning"
    assert consume in started.stdout
    assert all(listening(port) for port in [zk_port, *broker_ports])

    status = run(script_env, "status")
    assert status.returncode == 0, status
    assert members in status.stdout

    again = run(script_env, "start")
    assert again.returncode == 0, again
    assert "already running" in again.stdout, again

    # The printed kcat command sees the three brokers, one of them the controller.
    metadata = subprocess.run(
        ["kcat", "-b", f"127.0.0.1:{base_port}", "-L", "-m", "30"], capture_output=True, text=True, timeout=60
    )
    assert metadata.returncode == 0, metadata
    assert " 3 brokers:" in metadata.stdout, metadata.stdout
    for broker_id, port in enumerate(broker_ports):
        assert f"  broker {broker_id} at 127.0.0.1:{port}" in metadata.stdout, metadata.stdout
    assert f"kcat -b 127.0.0.1:{base_port} -L" in started.stdout

    stopped = run(script_env, "stop")
    assert stopped.returncode == 0, stopped
    assert not any(listening(port) for port in [zk_port, *broker_ports])
    after = run(script_env, "status")
    assert after.returncode == 3, after
    assert re.search(rf"^  broker 0 +127\.0\.0\.1:{base_port} +stopped", after.stdout, re.M), after.stdout
