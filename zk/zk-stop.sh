#!/usr/bin/env bash
# Stop a ZooKeeper started by zk/zk-start.sh in the background.
#
#   zk/zk-stop.sh DATADIR [--kill]
#
# Sends SIGTERM to the pid in DATADIR/zookeeper.pid and waits up to ZK_STOP_TIMEOUT_S seconds
# (default 10) before SIGKILL; `--kill` sends SIGKILL at once (a crash, for tests). Removes the
# pidfile. Exits 0 when nothing was running.
set -euo pipefail

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 DATADIR [--kill]" >&2; exit 2; }
pid_file=$1/zookeeper.pid
if [[ ! -f $pid_file ]]; then
    echo "zk-stop: no pidfile $pid_file; nothing to stop" >&2
    exit 0
fi
pid=$(cat "$pid_file")
[[ $pid =~ ^[0-9]+$ ]] || { echo "zk-stop: bad pidfile $pid_file" >&2; exit 1; }

# A killed server is reparented to init, which may reap it late: a zombie counts as stopped.
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

if [[ ${2:-} == --kill ]]; then
    kill -9 "$pid" 2>/dev/null || true
else
    kill "$pid" 2>/dev/null || true
    deadline=$((SECONDS + ${ZK_STOP_TIMEOUT_S:-10}))
    while alive && ((SECONDS < deadline)); do
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
fi
# Wait until the process is really gone so the port is free for the next start.
while alive; do sleep 0.05; done
rm -f "$pid_file"
