#!/usr/bin/env python3
"""librdkafka (confluent-kafka) drivers for scripts/bench.sh.

Subcommands, each printing one JSON object (a result row) on stdout's last line:

  create-topics BOOTSTRAP NAME:PARTITIONS...   CreateTopics through the AdminClient, then waits
                                               until every partition has a leader in metadata
  produce BOOTSTRAP TOPIC SIZE COUNT [RATE]    acks=1 producer; records/s, MB/s and latency
                                               percentiles from the delivery reports; RATE
                                               (records/s) paces it, as perf-test --throughput
  consume BOOTSTRAP TOPIC                      assign() every partition from the beginning and
                                               read up to the high watermarks; records/s, MB/s
  high-watermarks BOOTSTRAP TOPIC            the sum of the partitions' high watermarks
  kcat-file PATH SIZE COUNT                    writes COUNT lines of SIZE bytes for `kcat -P -l`

MB is 1024*1024 bytes, as in Kafka's perf tools.
"""

import json
import os
import sys
import time
from array import array

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

MB = 1024.0 * 1024.0


def percentile(sorted_values, fraction):
    """The value at `fraction` of a sorted sequence, as Kafka's ProducerPerformance picks it."""
    if not sorted_values:
        return float("nan")
    index = min(int(len(sorted_values) * fraction), len(sorted_values) - 1)
    return sorted_values[index]


def create_topics(bootstrap, specs):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    wanted = {}
    for spec in specs:
        name, partitions = spec.split(":")
        wanted[name] = int(partitions)
    new = [NewTopic(name, num_partitions=n, replication_factor=1) for name, n in wanted.items()]
    for name, future in admin.create_topics(new, request_timeout=30).items():
        try:
            future.result()
            print(f"created {name}", file=sys.stderr)
        except KafkaException as exc:
            # A re-run against the same broker finds them already there.
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
            print(f"exists {name}", file=sys.stderr)
    # CreateTopics answers once the znodes are written; leaders follow through the controller.
    deadline = time.monotonic() + 60
    while True:
        metadata = admin.list_topics(timeout=10)
        ready = all(
            name in metadata.topics
            and metadata.topics[name].error is None
            and len(metadata.topics[name].partitions) == n
            and all(p.leader >= 0 for p in metadata.topics[name].partitions.values())
            for name, n in wanted.items()
        )
        if ready:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"topics {sorted(wanted)} have no leaders after 60 s")
        time.sleep(0.2)
    print(json.dumps({"created": wanted}))


def produce(bootstrap, topic, size, count, rate=None):
    latencies_ms = array("d")
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            if len(errors) < 10:
                errors.append(str(err))
            else:
                errors.append(None)
            return
        # Measured by librdkafka from produce() to now, when the report is served (as the Java
        # perf tool measures from send() to its callback).
        latencies_ms.append(msg.latency() * 1000.0)

    # kafka-producer-perf-test runs the Java producer with its defaults: acks=1 (2.4's default),
    # batch.size=16384, linger.ms=0, no compression, 5 requests in flight per connection, and
    # buffer.memory=32 MiB, which bounds the time a record waits in the client (part of the
    # latency measured from produce() to the delivery report).
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "1",
            "batch.size": 16384,
            "linger.ms": 0,
            "compression.type": "none",
            "max.in.flight.requests.per.connection": 5,
            "queue.buffering.max.messages": 1000000,
            "queue.buffering.max.kbytes": 32768,
            "on_delivery": on_delivery,
        }
    )
    payload = os.urandom(size)
    start = time.monotonic()
    for sent in range(count):
        # Paced in steps of 100 records: fine enough for the rates used, cheap in Python.
        # poll() returns as soon as it served a delivery report, so wait in a loop: delivery
        # reports are served while waiting, which keeps their latency honest (librdkafka's
        # latency() is measured when the report is read).
        if rate and sent % 100 == 0:
            due = start + sent / rate
            while (ahead_s := due - time.monotonic()) > 0:
                producer.poll(ahead_s)
        while True:
            try:
                producer.produce(topic, payload)
                break
            except BufferError:
                # The local queue is full: serve delivery reports until there is room.
                producer.poll(0.05)
        producer.poll(0)
    remaining = producer.flush(120)
    elapsed_s = time.monotonic() - start
    delivered = len(latencies_ms)
    ordered = sorted(latencies_ms)
    row = {
        "records": count,
        "delivered": delivered,
        "errors": len(errors),
        "first_errors": [e for e in errors if e is not None][:10],
        "undelivered_after_flush": remaining,
        "elapsed_s": round(elapsed_s, 3),
        "records_per_s": round(delivered / elapsed_s, 1),
        "mb_per_s": round(delivered * size / MB / elapsed_s, 2),
        "avg_ms": round(sum(ordered) / delivered, 2) if delivered else None,
        "p50_ms": round(percentile(ordered, 0.5), 2),
        "p95_ms": round(percentile(ordered, 0.95), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        "p999_ms": round(percentile(ordered, 0.999), 2),
        "max_ms": round(ordered[-1], 2) if ordered else None,
    }
    print(json.dumps(row))


def consume(bootstrap, topic):
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            # librdkafka insists on a group id; nothing is committed and no group is joined
            # because partitions are assigned, not subscribed.
            "group.id": f"bench-{os.getpid()}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
        }
    )
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = sorted(metadata.topics[topic].partitions)
    targets = {}
    for partition in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        if high > low:
            targets[partition] = (low, high)
    expected = sum(high - low for low, high in targets.values())
    consumer.assign(
        [TopicPartition(topic, p, low) for p, (low, _high) in targets.items()]
    )
    records = 0
    value_bytes = 0
    errors = []
    done = set()
    start = time.monotonic()
    last_progress = start
    while len(done) < len(targets):
        batch = consumer.consume(num_messages=10000, timeout=1.0)
        now = time.monotonic()
        if not batch and now - last_progress > 30:
            errors.append(f"no records for 30 s with {records}/{expected} read")
            break
        for msg in batch:
            if msg.error() is not None:
                errors.append(str(msg.error()))
                continue
            last_progress = now
            partition = msg.partition()
            if partition in done:
                continue
            records += 1
            value_bytes += len(msg.value() or b"")
            if msg.offset() + 1 >= targets[partition][1]:
                done.add(partition)
    elapsed_s = time.monotonic() - start
    consumer.close()
    print(
        json.dumps(
            {
                "records": records,
                "expected": expected,
                "errors": len(errors),
                "first_errors": errors[:10],
                "elapsed_s": round(elapsed_s, 3),
                "records_per_s": round(records / elapsed_s, 1),
                "mb_per_s": round(value_bytes / MB / elapsed_s, 2),
            }
        )
    )


def high_watermarks(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{os.getpid()}"})
    metadata = consumer.list_topics(topic, timeout=10)
    total = 0
    for partition in metadata.topics[topic].partitions:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        total += high
    consumer.close()
    print(total)


def kcat_file(path, size, count):
    # `kcat -l` sends each line as one record without its newline; the payload avoids newlines.
    line = (b"x" * size) + b"\n"
    with open(path, "wb") as out:
        chunk = line * 1000
        for _ in range(count // 1000):
            out.write(chunk)
        out.write(line * (count % 1000))
    print(json.dumps({"path": path, "records": count, "size": size}))


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "create-topics" and len(args) >= 2:
        create_topics(args[0], args[1:])
    elif command == "produce" and len(args) in (4, 5):
        rate = int(args[4]) if len(args) == 5 else None
        produce(args[0], args[1], int(args[2]), int(args[3]), rate)
    elif command == "consume" and len(args) == 2:
        consume(args[0], args[1])
    elif command == "high-watermarks" and len(args) == 2:
        high_watermarks(args[0], args[1])
    elif command == "kcat-file" and len(args) == 3:
        kcat_file(args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
