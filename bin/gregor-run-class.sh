#!/usr/bin/env bash
# Runs one subcommand of the `gregor` binary, the way Kafka's kafka-run-class.sh runs a
# Java main class: every bin/kafka-*.sh wrapper is one line that execs this script.
#
# Usage: gregor-run-class.sh [-daemon] [-name servicename] <command> [args...]
#   -daemon   run in the background (nohup), console output to $LOG_DIR/<servicename>.out
#   -name     service name for the daemon's console file (Kafka: kafkaServer)
#
# The binary is $GREGOR_BIN when set (tests point it at the build under test); otherwise it
# is looked up in $GREGOR_HOME/target/release, then $GREGOR_HOME/target/debug
# (and the same under $CARGO_TARGET_DIR), then on PATH; if none is found and cargo is
# installed, it is built (release) first.

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] command [opts]"
  exit 1
fi

base_dir=$(cd "$(dirname "$0")/.." && pwd)
GREGOR_HOME=${GREGOR_HOME:-$base_dir}
export GREGOR_HOME

# Log directory, as Kafka's scripts: $LOG_DIR or <install>/logs.
if [ -z "$LOG_DIR" ]; then
  LOG_DIR="$GREGOR_HOME/logs"
fi
export LOG_DIR

DAEMON_MODE=false
DAEMON_NAME=""
while [ $# -gt 0 ]; do
  case "$1" in
    -daemon) DAEMON_MODE=true; shift ;;
    -name) DAEMON_NAME=$2; shift 2 ;;
    *) break ;;
  esac
done

find_gregor() {
  local dir
  for dir in "${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/release}" "$GREGOR_HOME/target/release" \
             "${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/debug}" "$GREGOR_HOME/target/debug"; do
    if [ -n "$dir" ] && [ -x "$dir/gregor" ]; then
      echo "$dir/gregor"
      return 0
    fi
  done
  command -v gregor 2>/dev/null
}

GREGOR_BIN=${GREGOR_BIN:-$(find_gregor)}
if [ -z "$GREGOR_BIN" ]; then
  if command -v cargo >/dev/null 2>&1; then
    echo "gregor binary not found; building it with cargo (release)..." >&2
    (cd "$GREGOR_HOME" && cargo build --release -p gregor >&2) || exit 1
    GREGOR_BIN=$(find_gregor)
  fi
fi
if [ -z "$GREGOR_BIN" ]; then
  echo "gregor binary not found in $GREGOR_HOME/target/{release,debug} or PATH, and cargo is not installed" >&2
  exit 1
fi

if [ "$DAEMON_MODE" = "true" ]; then
  mkdir -p "$LOG_DIR"
  CONSOLE_OUTPUT_FILE="$LOG_DIR/${DAEMON_NAME:-gregor}.out"
  nohup "$GREGOR_BIN" "$@" > "$CONSOLE_OUTPUT_FILE" 2>&1 < /dev/null &
else
  exec "$GREGOR_BIN" "$@"
fi
