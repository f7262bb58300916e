#!/usr/bin/env bash
# Runs the consumer perf test, like Kafka's script of the same name.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-consumer-perf-test "$@"
