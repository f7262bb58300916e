#!/usr/bin/env bash
# Lists, describes, deletes consumer groups and resets their offsets, like Kafka's script of the same name.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-consumer-groups "$@"
