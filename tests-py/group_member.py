"""A group consumer in its own process, for tests that kill a member without letting it leave.

    python group_member.py CLIENT BOOTSTRAP GROUP TOPIC NAME

CLIENT is `confluent` or `kafka-python`. Prints one line per change of its assignment,
`assigned <p>,<p>,...` (empty after `assigned ` when it owns nothing), and `record <p> <offset>
<value>` per consumed record, flushing each line. Runs until killed.
"""

import sys

from group_clients import make_consumer, poll


def main(client, bootstrap, group, topic, name):
    consumer = make_consumer(client, bootstrap, group, topic, name)
    reported = None
    while True:
        for partition, offset, value in poll(client, consumer):
            print(f"record {partition} {offset} {value}", flush=True)
        assignment = sorted(tp.partition for tp in consumer.assignment())
        if assignment != reported:
            print("assigned " + ",".join(map(str, assignment)), flush=True)
            reported = assignment


if __name__ == "__main__":
    main(*sys.argv[1:6])
