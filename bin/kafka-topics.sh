#!/usr/bin/env bash
# Kafka's kafka-topics.sh: create, list, describe, alter and delete topics.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-topics "$@"
