#!/usr/bin/env bash
# Runs the dump-log tool (kafka.tools.DumpLogSegments), like Kafka's script of the same name.
exec "$(dirname "$0")/gregor-run-class.sh" kafka-dump-log "$@"
