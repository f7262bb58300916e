#!/usr/bin/env bash
# Start a standalone Apache ZooKeeper server from Debian's `zookeeper` package on 127.0.0.1:PORT.
#
#   zk/zk-start.sh PORT DATADIR [--foreground]
#
# DATADIR receives everything the server owns: the generated zoo.cfg and log4j.properties (conf/),
# the snapshots and transaction logs (version-2/), the server output (zookeeper.out) and, in the
# background mode, the pidfile (zookeeper.pid). Nothing is read from /etc/zookeeper and nothing is
# written outside DATADIR, so any number of servers can run side by side on different ports.
#
# Background (default): returns once the server answers the `ruok` four-letter word with `imok`
# (at most ZK_START_TIMEOUT_S seconds, default 30), and prints the pid. Foreground: execs the JVM.
# Stop it with zk/zk-stop.sh DATADIR.
#
# Environment: JAVA (default: java on PATH), ZK_JVM_HEAP_MB (default 256), ZK_START_TIMEOUT_S,
# ZK_TICK_TIME_MS (default 2000; sessions last between 2 and 20 ticks), ZK_LOG_LEVEL (INFO).
set -euo pipefail

usage() {
    echo "usage: $0 PORT DATADIR [--foreground]" >&2
    exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
port=$1
data_dir=$2
mode=${3:-background}
[[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || { echo "zk-start: invalid port '$port'" >&2; exit 2; }
case $mode in
    background | --background) mode=background ;;
    --foreground) mode=foreground ;;
    *) usage ;;
esac

zk_jar=/usr/share/java/zookeeper.jar
if [[ ! -f $zk_jar ]]; then
    echo "zk-start: $zk_jar not found; install Debian's zookeeper package (scripts/install-deps.sh)" >&2
    exit 3
fi
java_bin=${JAVA:-$(command -v java || true)}
[[ -n $java_bin ]] || { echo "zk-start: no java on PATH" >&2; exit 3; }

mkdir -p "$data_dir/conf"
data_dir=$(cd "$data_dir" && pwd)
pid_file=$data_dir/zookeeper.pid
out_file=$data_dir/zookeeper.out

if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "zk-start: already running with pid $(cat "$pid_file") for $data_dir" >&2
    exit 1
fi

# Refuse an occupied port: the readiness probe below would otherwise be answered by whatever
# already listens there.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "zk-start: 127.0.0.1:$port is already in use" >&2
    exit 1
fi

# The generated configuration: standalone, loopback only, no AdminServer (it would bind 8080),
# only the four-letter words our tests and tools use.
cat >"$data_dir/conf/zoo.cfg" <<CFG
tickTime=${ZK_TICK_TIME_MS:-2000}
dataDir=$data_dir
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,srvr,mntr
autopurge.purgeInterval=0
CFG

# Debian's zookeeper.jar names its dependencies in its manifest Class-Path but no SLF4J binding;
# the package depends on libslf4j-java and liblog4j1.2-java, so bind SLF4J to log4j 1.2 and log
# to the console (redirected to zookeeper.out).
cat >"$data_dir/conf/log4j.properties" <<LOG
log4j.rootLogger=${ZK_LOG_LEVEL:-INFO}, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
LOG

class_path="$data_dir/conf:$zk_jar:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"
heap_mb=${ZK_JVM_HEAP_MB:-256}
# Small heap and serial GC: a test server holds a few hundred znodes, and several may run at once
# on a 2-core machine.
cmd=("$java_bin" -Xms32m "-Xmx${heap_mb}m" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Djava.net.preferIPv4Stack=true "-Dlog4j.configuration=file:$data_dir/conf/log4j.properties"
    -cp "$class_path" org.apache.zookeeper.server.ZooKeeperServerMain "$data_dir/conf/zoo.cfg")

if [[ $mode == foreground ]]; then
    echo $$ >"$pid_file"
    exec "${cmd[@]}"
fi

nohup "${cmd[@]}" >"$out_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"

# Four-letter words over bash's /dev/tcp: no dependency on nc.
four_letter() {
    local reply
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s' "$1" >&3
    reply=$(timeout 2 cat <&3 || true)
    exec 3<&- 3>&-
    printf '%s' "$reply"
}

# `ruok` answers `imok` as soon as the port is bound, before the database is loaded; `srvr` reports
# a mode only once requests are served, so readiness needs both.
ready() {
    [[ $(four_letter ruok) == imok ]] && [[ $(four_letter srvr) == *"Mode: standalone"* ]]
}

deadline=$((SECONDS + ${ZK_START_TIMEOUT_S:-30}))
until ready 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "zk-start: ZooKeeper exited during start-up; last lines of $out_file:" >&2
        tail -n 20 "$out_file" >&2
        rm -f "$pid_file"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "zk-start: ZooKeeper on 127.0.0.1:$port did not become ready (ruok/srvr) in time; see $out_file" >&2
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pid_file"
        exit 1
    fi
    sleep 0.1
done
echo "$pid"
