#!/usr/bin/env bash
# A local Gregor cluster on loopback: a real ZooKeeper (Debian's package, via zk/zk-start.sh) and
# N brokers started with bin/kafka-server-start.sh -daemon, everything kept in one state dir.
#
#   scripts/cluster.sh start  [--brokers N] [--zk-port PORT] [--base-port PORT] [--state-dir DIR]
#   scripts/cluster.sh status [--state-dir DIR]
#   scripts/cluster.sh stop   [--state-dir DIR]
#   scripts/cluster.sh clean  [--state-dir DIR]      stop, then delete the state dir (all data)
#
# Defaults: 3 brokers (ids 0..N-1) on 127.0.0.1:9092.., ZooKeeper on 127.0.0.1:2181, state in
# $GREGOR_CLUSTER_DIR or /tmp/gregor-cluster. `start` installs the prerequisites
# (scripts/install-deps.sh, and Rust when cargo is missing), builds the release `gregor` binary
# (`cargo build --release -p gregor`, a no-op when up to date), waits until every broker is
# registered in /brokers/ids and has logged `[KafkaServer id=N] started`, then prints what runs
# and the commands to create a topic, produce and consume. Starting a running cluster says so and
# starts only what is missing; data survives stop/start (only `clean` deletes it).
#
# State dir layout:
#   cluster.env                      the settings of the last start (read by stop/status)
#   zookeeper/                       ZooKeeper's data dir, zookeeper.out, zookeeper.pid
#   broker-<id>/server.properties    config/server.properties with this broker's keys replaced
#   broker-<id>/data/                log.dirs
#   broker-<id>/logs/                LOG_DIR: kafkaServer.out, server.log, controller.log, ...
#   broker-<id>/broker.pid
#
# Environment: GREGOR_CLUSTER_DIR, GREGOR_START_TIMEOUT_S (120), GREGOR_STOP_TIMEOUT_S (30),
# GREGOR_BIN (use this gregor binary instead of building the release one; the tests do).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state_dir=${GREGOR_CLUSTER_DIR:-/tmp/gregor-cluster}
start_timeout_s=${GREGOR_START_TIMEOUT_S:-120}
stop_timeout_s=${GREGOR_STOP_TIMEOUT_S:-30}

usage() {
    sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

say() { echo "cluster: $*"; }
die() {
    echo "cluster: $*" >&2
    exit 1
}

[[ $# -ge 1 ]] || usage
command=$1
shift
brokers='' zk_port='' base_port=''
while [[ $# -gt 0 ]]; do
    case $1 in
        --brokers) brokers=${2:-}; shift 2 || usage ;;
        --zk-port) zk_port=${2:-}; shift 2 || usage ;;
        --base-port) base_port=${2:-}; shift 2 || usage ;;
        --state-dir) state_dir=${2:-}; shift 2 || usage ;;
        -h | --help) usage ;;
        *) echo "cluster: unknown option '$1'" >&2; usage ;;
    esac
done
for value in "$brokers" "$zk_port" "$base_port"; do
    [[ -z $value || $value =~ ^[0-9]+$ ]] || die "not a number: '$value'"
done
[[ -z $brokers ]] || ((brokers >= 1)) || die "--brokers must be at least 1"
state_dir=$(realpath -m "$state_dir")
env_file=$state_dir/cluster.env
zk_dir=$state_dir/zookeeper

# ---- recorded settings and process state --------------------------------------------------------

# Settings: the recorded ones for stop/status; for start, the flags given, else the recorded
# ones, else the defaults.
recorded_brokers='' recorded_zk_port='' recorded_base_port=''
if [[ -f $env_file ]]; then
    # shellcheck disable=SC1090 # written by this script: three NAME=number lines
    source "$env_file"
fi
brokers=${brokers:-${recorded_brokers:-3}}
zk_port=${zk_port:-${recorded_zk_port:-2181}}
base_port=${base_port:-${recorded_base_port:-9092}}
((base_port + brokers - 1 <= 65535 && zk_port <= 65535)) || die "port out of range"

broker_dir() { echo "$state_dir/broker-$1"; }
broker_port() { echo $((base_port + $1)); }

# A pid from a pidfile, if that process is alive and not a zombie.
live_pid() {
    local pid state
    [[ -f $1 ]] || return 1
    pid=$(cat "$1")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]] || return 1
    echo "$pid"
}

zk_pid() { live_pid "$zk_dir/zookeeper.pid"; }

# A broker's pid, if that process is still this broker (pids are reused after a reboot).
broker_pid() {
    local pid props
    pid=$(live_pid "$(broker_dir "$1")/broker.pid") || return 1
    props=$(broker_dir "$1")/server.properties
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"kafka-server-start $props"* ]] || return 1
    echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who listens on a port, for the "busy" message (ss is in Debian's iproute2, usually present).
port_owner() {
    local owner=''
    command -v ss >/dev/null && owner=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1)
    echo "${owner:-unknown process}"
}

python_bin=$repo_root/.venv/bin/python
zk_brokers() { "$python_bin" "$repo_root/scripts/cluster/zk-brokers.py" "127.0.0.1:$zk_port" "$@"; }

# ---- status ---------------------------------------------------------------------------------------

# Prints one line per component; returns 0 when all run, 3 when none does, 1 otherwise.
print_status() {
    local running=0 total=$((brokers + 1)) pid id
    if pid=$(zk_pid); then
        running=$((running + 1))
        printf '  %-10s 127.0.0.1:%-6s pid %-8s data %s\n' zookeeper "$zk_port" "$pid" "$zk_dir"
    else
        printf '  %-10s 127.0.0.1:%-6s %-12s\n' zookeeper "$zk_port" stopped
    fi
    for ((id = 0; id < brokers; id++)); do
        if pid=$(broker_pid "$id"); then
            running=$((running + 1))
            printf '  %-10s 127.0.0.1:%-6s pid %-8s logs %s\n' "broker $id" "$(broker_port "$id")" "$pid" \
                "$(broker_dir "$id")/logs"
        else
            printf '  %-10s 127.0.0.1:%-6s %-12s\n' "broker $id" "$(broker_port "$id")" stopped
        fi
    done
    if zk_pid >/dev/null && [[ -x $python_bin ]]; then
        local listing
        if listing=$(zk_brokers 2>&1); then
            local members
            members=$(awk '$1 == "broker" {print $2 "=" $3}' <<<"$listing" | paste -sd' ' -)
            echo "  registered in ZooKeeper (/brokers/ids): ${members:-none}"
            echo "  controller: broker $(awk '$1 == "controller" {print $2}' <<<"$listing")"
        else
            echo "  ZooKeeper: $listing"
        fi
    fi
    ((running == total)) && return 0
    ((running == 0)) && return 3
    return 1
}

# ---- start ----------------------------------------------------------------------------------------

# config/server.properties with this broker's keys replaced (the stock comments stay).
write_properties() {
    local id=$1 dir
    dir=$(broker_dir "$id")
    mkdir -p "$dir/data" "$dir/logs"
    {
        grep -Ev '^[[:space:]]*(broker\.id|listeners|advertised\.listeners|log\.dirs|zookeeper\.connect)[[:space:]]*=' \
            "$repo_root/config/server.properties"
        echo
        echo "############################# Set by scripts/cluster.sh #############################"
        echo "broker.id=$id"
        echo "listeners=PLAINTEXT://127.0.0.1:$(broker_port "$id")"
        echo "log.dirs=$dir/data"
        echo "zookeeper.connect=127.0.0.1:$zk_port"
    } >"$dir/server.properties"
}

# The broker process gregor-run-class.sh left running in the background, found by its command
# line (the properties path is unique to this broker).
find_broker_process() {
    local props=$1
    ps ax -o pid= -o args= | awk -v props="$props" '$2 ~ /(^|\/)gregor$/ && $3 == "kafka-server-start" && $4 == props { print $1; exit }'
}

start_broker() {
    local id=$1 dir pid
    dir=$(broker_dir "$id")
    write_properties "$id"
    : >"$dir/logs/kafkaServer.out"
    LOG_DIR=$dir/logs GREGOR_BIN=$gregor_bin "$repo_root/bin/kafka-server-start.sh" -daemon "$dir/server.properties"
    for _ in $(seq 50); do
        pid=$(find_broker_process "$dir/server.properties")
        [[ -n $pid ]] && break
        sleep 0.1
    done
    if [[ -z $pid ]]; then
        echo "cluster: broker $id did not start; last lines of $dir/logs/kafkaServer.out:" >&2
        tail -n 20 "$dir/logs/kafkaServer.out" >&2
        exit 1
    fi
    echo "$pid" >"$dir/broker.pid"
}

# Waits until broker `id` logged "started" and is registered; fails early if it exited.
wait_for_broker() {
    local id=$1 dir deadline
    dir=$(broker_dir "$id")
    deadline=$((SECONDS + start_timeout_s))
    until grep -qF "[KafkaServer id=$id] started" "$dir/logs/kafkaServer.out" 2>/dev/null; do
        if ! broker_pid "$id" >/dev/null; then
            echo "cluster: broker $id exited during start-up; last lines of $dir/logs/kafkaServer.out:" >&2
            tail -n 20 "$dir/logs/kafkaServer.out" >&2
            exit 1
        fi
        ((SECONDS < deadline)) || die "broker $id did not log '[KafkaServer id=$id] started' within ${start_timeout_s}s; see $dir/logs"
        sleep 0.2
    done
}

# Whether any process of the cluster recorded in cluster.env is alive.
recorded_cluster_runs() {
    local id
    zk_pid >/dev/null && return 0
    for ((id = 0; id < ${recorded_brokers:-0}; id++)); do
        broker_pid "$id" >/dev/null && return 0
    done
    return 1
}

start() {
    local id pid missing=() busy=()
    if [[ -f $env_file ]] && recorded_cluster_runs; then
        # Something of the recorded cluster runs: changing its shape needs a stop first.
        if [[ $brokers != "$recorded_brokers" || $zk_port != "$recorded_zk_port" || $base_port != "$recorded_base_port" ]]; then
            die "a cluster with $recorded_brokers brokers (ZooKeeper :$recorded_zk_port, brokers from :$recorded_base_port) is running in $state_dir; run 'scripts/cluster.sh stop' first"
        fi
    fi

    zk_pid >/dev/null || missing+=(zookeeper)
    for ((id = 0; id < brokers; id++)); do
        broker_pid "$id" >/dev/null || missing+=("broker-$id")
    done
    if ((${#missing[@]} == 0)); then
        say "already running (state in $state_dir):"
        print_status || true
        print_usage
        return 0
    fi

    # Ports first: a busy port is reported before anything is installed or started.
    zk_pid >/dev/null || ! port_busy "$zk_port" || busy+=("$zk_port (ZooKeeper; used by $(port_owner "$zk_port"))")
    for ((id = 0; id < brokers; id++)); do
        local port
        port=$(broker_port "$id")
        broker_pid "$id" >/dev/null || ! port_busy "$port" || busy+=("$port (broker $id; used by $(port_owner "$port"))")
    done
    if ((${#busy[@]} > 0)); then
        echo "cluster: ports already in use on 127.0.0.1:" >&2
        printf '  %s\n' "${busy[@]}" >&2
        die "free them or choose others with --zk-port / --base-port"
    fi

    mkdir -p "$state_dir"
    printf 'recorded_brokers=%s\nrecorded_zk_port=%s\nrecorded_base_port=%s\n' "$brokers" "$zk_port" "$base_port" >"$env_file"

    say "installing prerequisites (scripts/install-deps.sh)"
    bash "$repo_root/scripts/install-deps.sh" | sed 's/^/  /'
    if [[ -n ${GREGOR_BIN:-} ]]; then
        gregor_bin=$GREGOR_BIN
        [[ -x $gregor_bin ]] || die "GREGOR_BIN=$gregor_bin is not an executable"
        say "using GREGOR_BIN=$gregor_bin (no build)"
    else
        local cargo
        cargo=$(bash "$repo_root/scripts/cluster/ensure-rust.sh" 2> >(sed 's/^/  /' >&2) | tail -n 1)
        say "building the release gregor binary (cargo build --release -p gregor)"
        (cd "$repo_root" && "$cargo" build --release -q -p gregor) || die "cargo build --release -p gregor failed"
        gregor_bin=${CARGO_TARGET_DIR:-$repo_root/target}/release/gregor
        [[ -x $gregor_bin ]] || die "no binary at $gregor_bin after the build"
    fi

    if ! zk_pid >/dev/null; then
        say "starting ZooKeeper on 127.0.0.1:$zk_port (data in $zk_dir)"
        "$repo_root/zk/zk-start.sh" "$zk_port" "$zk_dir" >/dev/null || die "ZooKeeper did not start; see $zk_dir/zookeeper.out"
    fi
    local started=()
    for ((id = 0; id < brokers; id++)); do
        broker_pid "$id" >/dev/null && continue
        say "starting broker $id on 127.0.0.1:$(broker_port "$id")"
        start_broker "$id"
        started+=("$id")
    done
    say "waiting for the brokers to start and register in ZooKeeper (at most ${start_timeout_s}s)"
    for id in "${started[@]}"; do
        wait_for_broker "$id"
    done
    local ids
    ids=$(seq -s, 0 $((brokers - 1)))
    zk_brokers --wait "$ids" "$start_timeout_s" || die "not every broker registered; see $state_dir/broker-*/logs"
    say "running (state in $state_dir):"
    print_status || true
    print_usage
}

print_usage() {
    # The tutorials' replication factor 3, as far as the brokers allow.
    local here=$repo_root/ bootstrap=127.0.0.1:$base_port rf=$((brokers < 3 ? brokers : 3))
    [[ $PWD == "$repo_root" ]] && here=''
    cat <<USAGE

Create a topic, produce and consume (Ctrl-D ends the producer, Ctrl-C the consumer):
  ${here}bin/kafka-topics.sh --zookeeper 127.0.0.1:$zk_port --create --replication-factor $rf --partitions 2 --topic first
  ${here}bin/kafka-topics.sh --zookeeper 127.0.0.1:$zk_port --describe --topic first
  ${here}bin/kafka-console-producer.sh --broker-list $bootstrap --topic first
  ${here}bin/kafka-console-consumer.sh --bootstrap-server $bootstrap --topic first --from-beginning
Read in a consumer group and see its committed offsets and lag:
  ${here}bin/kafka-console-consumer.sh --bootstrap-server $bootstrap --topic first --group mygroup --from-beginning
  ${here}bin/kafka-consumer-groups.sh --bootstrap-server $bootstrap --describe --group mygroup
  kcat -b $bootstrap -L
Stop with: ${here}scripts/cluster.sh stop
USAGE
}

# ---- stop -----------------------------------------------------------------------------------------

# SIGTERM (a controlled shutdown), up to GREGOR_STOP_TIMEOUT_S, then SIGKILL.
stop_pids() {
    local deadline pid alive
    kill -TERM "$@" 2>/dev/null || true
    deadline=$((SECONDS + stop_timeout_s))
    while :; do
        alive=()
        for pid in "$@"; do
            [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z) != Z ]] && alive+=("$pid")
        done
        ((${#alive[@]} == 0)) && return 0
        if ((SECONDS >= deadline)); then
            say "still running after ${stop_timeout_s}s, killing: ${alive[*]}"
            kill -KILL "${alive[@]}" 2>/dev/null || true
            return 0
        fi
        sleep 0.2
    done
}

stop() {
    [[ -f $env_file ]] || { say "no cluster in $state_dir; nothing to stop"; return 0; }
    local id pid controller='' others=() stopped_any=0
    # The controller goes last: the others' controlled shutdowns need it.
    if zk_pid >/dev/null && [[ -x $python_bin ]]; then
        controller=$(zk_brokers 2>/dev/null | awk '$1 == "controller" {print $2}') || true
    fi
    for ((id = 0; id < brokers; id++)); do
        pid=$(broker_pid "$id") || continue
        [[ $id == "$controller" ]] || others+=("$pid")
    done
    if ((${#others[@]} > 0)); then
        say "stopping brokers (pids ${others[*]})"
        stop_pids "${others[@]}"
        stopped_any=1
    fi
    if [[ -n $controller ]] && pid=$(broker_pid "$controller"); then
        say "stopping broker $controller, the controller (pid $pid)"
        stop_pids "$pid"
        stopped_any=1
    fi
    rm -f "$state_dir"/broker-*/broker.pid
    if pid=$(zk_pid); then
        say "stopping ZooKeeper (pid $pid)"
        "$repo_root/zk/zk-stop.sh" "$zk_dir"
        stopped_any=1
    fi
    if ((stopped_any)); then
        say "stopped; data kept in $state_dir (scripts/cluster.sh clean deletes it)"
    else
        say "nothing was running"
    fi
}

case $command in
    start) start ;;
    stop) stop ;;
    status)
        [[ -f $env_file ]] || { say "no cluster in $state_dir"; exit 3; }
        rc=0
        print_status || rc=$?
        exit "$rc"
        ;;
    clean)
        stop
        rm -rf "$state_dir"
        say "deleted $state_dir"
        ;;
    *) usage ;;
esac
