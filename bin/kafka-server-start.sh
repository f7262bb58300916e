#!/usr/bin/env bash
# Starts a Gregor broker, like Kafka's script of the same name.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi

EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer'}
if [ "$1" = "-daemon" ]; then
  EXTRA_ARGS="-daemon $EXTRA_ARGS"
  shift
fi

# shellcheck disable=SC2086 # EXTRA_ARGS holds several words on purpose, as in Kafka's script
exec "$(dirname "$0")/gregor-run-class.sh" $EXTRA_ARGS kafka-server-start "$@"
