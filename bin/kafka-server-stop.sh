#!/usr/bin/env bash
# Stops every Gregor broker on this machine, like Kafka's script of the same name: finds the
# processes by command line (`.../gregor kafka-server-start ...`) and sends them SIGTERM
# (or $SIGNAL), which triggers a controlled shutdown.
SIGNAL=${SIGNAL:-TERM}
PIDS=$(ps ax -o pid= -o args= | awk '$2 ~ /(^|\/)gregor$/ && $3 == "kafka-server-start" { print $1 }')

if [ -z "$PIDS" ]; then
  echo "No kafka server to stop"
  exit 1
else
  # shellcheck disable=SC2086 # one argument per pid
  kill -s "$SIGNAL" $PIDS
fi
