#!/usr/bin/env bash
# Runs the producer perf test, like Kafka's script of the same name.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-producer-perf-test "$@"
