"""Reads a Kafka cluster's membership from ZooKeeper, for scripts/cluster.sh.

    zk-brokers.py CONNECT                   print one line per registered broker, then the controller
    zk-brokers.py CONNECT --wait IDS SECS   wait until every id in IDS (comma-separated) is registered
                                            under /brokers/ids; exit 1 after SECS seconds

Broker lines are `broker <id> <host>:<port>` from the registration JSON (/brokers/ids/<id>), the
last line is `controller <id>` (or `controller none`). Runs with the repo's .venv (kazoo).
"""

import json
import logging
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError


def registered(client):
    """Registered broker ids and their first endpoint, sorted by id."""
    try:
        children = client.get_children("/brokers/ids")
    except NoNodeError:
        return []
    brokers = []
    for child in children:
        try:
            data, _ = client.get(f"/brokers/ids/{child}")
        except NoNodeError:
            continue  # the broker went away between the listing and the read
        info = json.loads(data)
        endpoint = (info.get("endpoints") or [f"{info.get('host')}:{info.get('port')}"])[0]
        brokers.append((int(child), endpoint.split("://")[-1]))
    return sorted(brokers)


def controller(client):
    try:
        data, _ = client.get("/controller")
    except NoNodeError:
        return None
    return json.loads(data).get("brokerid")


def main(argv):
    if len(argv) not in (2, 5) or (len(argv) == 5 and argv[2] != "--wait"):
        print(__doc__, file=sys.stderr)
        return 2
    # kazoo logs connection retries at WARNING; the caller reports failures itself.
    logging.basicConfig(level=logging.CRITICAL)
    client = KazooClient(hosts=argv[1], timeout=10)
    try:
        client.start(timeout=10)
    except Exception as error:  # noqa: BLE001 - any failure to connect is reported the same way
        print(f"cannot connect to ZooKeeper at {argv[1]}: {error}", file=sys.stderr)
        return 1
    try:
        if len(argv) == 5:
            wanted = {int(i) for i in argv[3].split(",") if i}
            deadline = time.monotonic() + float(argv[4])
            while True:
                present = {broker_id for broker_id, _ in registered(client)}
                if wanted <= present:
                    return 0
                if time.monotonic() >= deadline:
                    missing = ",".join(str(i) for i in sorted(wanted - present))
                    print(f"brokers not registered in /brokers/ids: {missing}", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        for broker_id, endpoint in registered(client):
            print(f"broker {broker_id} {endpoint}")
        leader = controller(client)
        print(f"controller {leader if leader is not None else 'none'}")
        return 0
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
