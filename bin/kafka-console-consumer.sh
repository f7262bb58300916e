#!/usr/bin/env bash
# Runs the console consumer, like Kafka's script of the same name.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-console-consumer "$@"
