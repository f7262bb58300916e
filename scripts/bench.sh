#!/usr/bin/env bash
# Benchmarks one release Gregor broker on loopback, with its own ZooKeeper, and prints a summary.
#
#   scripts/bench.sh [--out DIR] [--quick] [--records-small N] [--records-large N] [--run-timeout-s S]
#                    [--paced-rate RECORDS_PER_S] [--keep-data]
#
# What runs, in order (each client run is bounded by --run-timeout-s, default 120 s):
#   - ZooKeeper (zk/zk-start.sh, free port) and ONE broker (bin/kafka-server-start.sh, a temp
#     config: free loopback port, temp log.dirs); topics bench-p1 (1 partition) and bench-p8 (8)
#     via CreateTopics from confluent-kafka's AdminClient;
#   - iperf3 over loopback for 10 s: the bandwidth ceiling;
#   - producers with acks=1, 100 B and 1 KiB records, to bench-p1 and bench-p8:
#     librdkafka (scripts/bench/clients.py produce: latency percentiles from delivery reports),
#     kcat -P -l from a pre-generated file (wall clock), Gregor's kafka-producer-perf-test;
#     then 1 KiB records paced at --paced-rate (default 10000/s, 5 s) for latency below saturation;
#   - consumers of everything produced: kafka-consumer-perf-test, librdkafka (assign, read to the
#     high watermarks), kcat -C -e;
#   - the broker's VmRSS/VmHWM: idle after start, idle with topics, sampled under load, idle after.
#
# Results: raw outputs, broker and ZooKeeper logs, results.jsonl (one row per measurement) and
# summary.txt in --out (default /tmp/gregor-bench-<timestamp>); the data dirs are deleted at the
# end unless --keep-data. Only the processes this script started are stopped.
#
# Record counts: --records-small (100 B, default 2000000) and --records-large (1 KiB, default
# 600000) per producer run; --quick divides both by 10.
#
# Gregor's perf tools run as `gregor kafka-producer-perf-test` / `kafka-consumer-perf-test`;
# with a binary that lacks them, those runs are skipped (and said so).
#
# Environment: GREGOR_BIN (broker binary; default target/release/gregor, built when missing).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_dir=$repo_root/scripts/bench
out_dir=/tmp/gregor-bench-$(date -u +%Y%m%dT%H%M%SZ)
records_small=2000000
records_large=600000
run_timeout_s=120
paced_rate=10000
keep_data=false
quick=false

usage() {
    sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --out) out_dir=${2:?}; shift 2 ;;
        --quick) quick=true; shift ;;
        --records-small) records_small=${2:?}; shift 2 ;;
        --records-large) records_large=${2:?}; shift 2 ;;
        --run-timeout-s) run_timeout_s=${2:?}; shift 2 ;;
        --keep-data) keep_data=true; shift ;;
        --paced-rate) paced_rate=${2:?}; shift 2 ;;
        -h | --help) usage ;;
        *) echo "bench: unknown option '$1'" >&2; usage ;;
    esac
done
if $quick; then
    records_small=$((records_small / 10))
    records_large=$((records_large / 10))
fi

say() { echo "bench[$(date -u +%H:%M:%S)]: $*"; }
die() {
    echo "bench: $*" >&2
    exit 1
}

# ---- prerequisites ------------------------------------------------------------------------------

python=$repo_root/.venv/bin/python
[[ -x $python ]] || die "no $python; run scripts/install-deps.sh first"
"$python" -c 'import confluent_kafka' 2>/dev/null || die "confluent-kafka missing in .venv; run scripts/install-deps.sh"
for tool in iperf3 kcat java; do
    command -v "$tool" >/dev/null || die "$tool not found; run scripts/install-deps.sh"
done
if [[ -z ${GREGOR_BIN:-} ]]; then
    GREGOR_BIN=$repo_root/target/release/gregor
    if [[ ! -x $GREGOR_BIN ]]; then
        say "building the release broker"
        (cd "$repo_root" && env -u CARGO_TARGET_DIR cargo build --release -p gregor)
    fi
fi
[[ -x $GREGOR_BIN ]] || die "no broker binary at $GREGOR_BIN"
export GREGOR_BIN

perf_cmd=()
if "$GREGOR_BIN" --help 2>&1 | grep -q kafka-producer-perf-test; then
    perf_cmd=("$GREGOR_BIN")
else
    say "$GREGOR_BIN has no kafka-producer-perf-test command; Gregor's perf-tool runs are skipped"
fi

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
results=$out_dir/results.jsonl
: >"$results"
work_dir=$(mktemp -d /tmp/gregor-bench-data.XXXXXX)
say "results in $out_dir, data in $work_dir"

free_port() {
    "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---- cleanup: only what this script started ------------------------------------------------------

broker_pid='' sampler_pid='' iperf_pid=''
cleanup() {
    set +e
    [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null
    [[ -n $iperf_pid ]] && kill "$iperf_pid" 2>/dev/null
    if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
        kill "$broker_pid"
        for _ in $(seq 300); do
            kill -0 "$broker_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$broker_pid" 2>/dev/null && { say "broker did not stop in 30 s; SIGKILL"; kill -9 "$broker_pid"; }
    fi
    [[ -f $work_dir/zk/zookeeper.pid ]] && "$repo_root/zk/zk-stop.sh" "$work_dir/zk" >/dev/null 2>&1
    [[ -f $work_dir/zk/zookeeper.out ]] && cp "$work_dir/zk/zookeeper.out" "$out_dir/zookeeper.out"
    if $keep_data; then
        say "data kept in $work_dir"
    else
        rm -rf "$work_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_mark() {
    echo "{\"section\": \"load\", \"label\": \"$1\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$results"
}
phase() { echo "$1" >"$out_dir/phase"; }

# ---- ZooKeeper and the broker -------------------------------------------------------------------

zk_port=$(free_port)
say "ZooKeeper on 127.0.0.1:$zk_port"
ZK_LOG_LEVEL=WARN "$repo_root/zk/zk-start.sh" "$zk_port" "$work_dir/zk" >/dev/null

broker_port=$(free_port)
config=$out_dir/server.properties
{
    grep -Ev '^[[:space:]]*(broker\.id|listeners|advertised\.listeners|log\.dirs|zookeeper\.connect)[[:space:]]*=' \
        "$repo_root/config/server.properties"
    echo "broker.id=0"
    echo "listeners=PLAINTEXT://127.0.0.1:$broker_port"
    echo "log.dirs=$work_dir/data"
    echo "zookeeper.connect=127.0.0.1:$zk_port"
} >"$config"
bootstrap=127.0.0.1:$broker_port
say "broker on $bootstrap ($GREGOR_BIN)"
mkdir -p "$out_dir/broker-logs"
LOG_DIR=$out_dir/broker-logs "$repo_root/bin/kafka-server-start.sh" "$config" \
    >"$out_dir/broker-logs/kafkaServer.out" 2>&1 </dev/null &
broker_pid=$! # the wrapper scripts exec, so this is the gregor process itself
deadline=$((SECONDS + 60))
until grep -qF "[KafkaServer id=0] started" "$out_dir/broker-logs/kafkaServer.out" 2>/dev/null; do
    kill -0 "$broker_pid" 2>/dev/null || { tail -20 "$out_dir/broker-logs/kafkaServer.out" >&2; broker_pid=''; die "broker exited during start-up"; }
    ((SECONDS < deadline)) || die "broker did not log '[KafkaServer id=0] started' in 60 s"
    sleep 0.2
done
sleep 1
"$python" "$bench_dir/report.py" rss "$results" "$broker_pid" "idle after start"
echo "{\"section\": \"meta\", \"date\": \"$(date -u +%FT%TZ)\", \"nproc\": $(nproc), \"records_small\": $records_small, \"records_large\": $records_large, \"broker\": \"$GREGOR_BIN\", \"perf_tools\": \"${perf_cmd[*]:-none}\"}" >>"$results"
load_mark "start"

# Sampler: "epoch phase VmRSS_kB cpu_ticks blocked_threads dirty_kB" every 0.5 s, labelled with
# the phase being run. cpu_ticks: the broker's utime+stime so far, in clock ticks;
# blocked_threads: its threads in uninterruptible sleep (D: waiting for the disk); dirty_kB: the
# machine's Dirty+Writeback page cache, which the kernel throttles writers on.
phase idle
(
    while kill -0 "$broker_pid" 2>/dev/null; do
        rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$broker_pid/status" 2>/dev/null || true)
        # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
        cpu_ticks=$(sed 's/^.*) //' "/proc/$broker_pid/stat" 2>/dev/null | awk '{print $12 + $13}' || true)
        blocked=$(cat "/proc/$broker_pid"/task/*/stat 2>/dev/null | sed 's/^.*) //' | awk '$1 == "D" {n++} END {print n + 0}' || true)
        dirty_kb=$(awk '/^(Dirty|Writeback):/ {n += $2} END {print n + 0}' /proc/meminfo)
        echo "$(date +%s.%N) $(cat "$out_dir/phase" 2>/dev/null) ${rss_kb:-0} ${cpu_ticks:-0} ${blocked:-0} $dirty_kb"
        sleep 0.5
    done
) >"$out_dir/rss-samples.txt" 2>/dev/null &
sampler_pid=$!

say "creating bench-p1 and bench-p8"
"$python" "$bench_dir/clients.py" create-topics "$bootstrap" bench-p1:1 bench-p8:8 >"$out_dir/create-topics.txt" 2>&1 ||
    { cat "$out_dir/create-topics.txt" >&2; die "CreateTopics failed"; }
sleep 2
"$python" "$bench_dir/report.py" rss "$results" "$broker_pid" "idle with topics"

# ---- iperf3: the loopback ceiling ---------------------------------------------------------------

phase iperf3
iperf_port=$(free_port)
say "iperf3 loopback, 10 s"
iperf3 -s -B 127.0.0.1 -p "$iperf_port" -1 >"$out_dir/iperf3-server.txt" 2>&1 &
iperf_pid=$!
sleep 0.5
timeout 30 iperf3 -c 127.0.0.1 -p "$iperf_port" -t 10 -J >"$out_dir/iperf3.json" 2>&1 || true
wait "$iperf_pid" 2>/dev/null || true
iperf_pid=''
"$python" "$bench_dir/report.py" iperf "$results" "$out_dir/iperf3.json"

# ---- producers ----------------------------------------------------------------------------------

seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
count_for() { if [[ $1 == 100 ]]; then echo "$records_small"; else echo "$records_large"; fi; }
# Runs "$@" bounded in time; the exit code goes into the row's labels.
bounded() {
    local raw=$1
    shift
    local code=0
    timeout --kill-after=5 "$run_timeout_s" "$@" >"$raw" 2>&1 || code=$?
    ((code == 124)) && echo "bench: timed out after ${run_timeout_s}s" >>"$raw"
    echo "$code"
}

load_mark "before producers"
for topic in bench-p1 bench-p8; do
    for size in 100 1024; do
        count=$(count_for "$size")
        phase "produce-librdkafka"
        say "librdkafka producer: $topic, $count x $size B"
        raw=$out_dir/produce-librdkafka-$topic-$size.txt
        code=$(bounded "$raw" "$python" "$bench_dir/clients.py" produce "$bootstrap" "$topic" "$size" "$count")
        "$python" "$bench_dir/report.py" json "$results" "$raw" section=produce tool=librdkafka-py \
            topic="$topic" size="$size" exit_code="$code"

        phase "produce-kcat"
        file=$work_dir/kcat-$size.txt
        [[ -f $file ]] || "$python" "$bench_dir/clients.py" kcat-file "$file" "$size" "$count" >/dev/null
        say "kcat -P: $topic, $count x $size B"
        raw=$out_dir/produce-kcat-$topic-$size.txt
        start_ns=$(date +%s%N)
        code=$(bounded "$raw" kcat -P -b "$bootstrap" -t "$topic" -X acks=1 -X batch.size=16384 \
            -X linger.ms=0 -X max.in.flight.requests.per.connection=5 \
            -X queue.buffering.max.kbytes=32768 -l "$file")
        elapsed_s=$(seconds_since "$start_ns")
        "$python" "$bench_dir/report.py" timed "$results" "$size" "$count" "$elapsed_s" section=produce \
            tool=kcat topic="$topic" exit_code="$code"

        if [[ ${#perf_cmd[@]} -gt 0 ]]; then
            phase "produce-perf-test"
            say "kafka-producer-perf-test: $topic, $count x $size B"
            raw=$out_dir/produce-perf-test-$topic-$size.txt
            code=$(bounded "$raw" "${perf_cmd[@]}" kafka-producer-perf-test --topic "$topic" \
                --num-records "$count" --record-size "$size" --throughput -1 \
                --producer-props acks=1 "bootstrap.servers=$bootstrap")
            "$python" "$bench_dir/report.py" producer-perf "$results" "$raw" section=produce \
                tool=gregor-perf-test topic="$topic" size="$size" exit_code="$code"
        fi
    done
done
# Unthrottled producers measure mostly their own queue (32 MiB over the throughput); latency at a
# fixed, moderate rate shows the broker's own time per request.
for topic in bench-p1 bench-p8; do
    phase "produce-paced"
    count=$((paced_rate * 5))
    say "librdkafka producer paced at $paced_rate records/s: $topic, $count x 1024 B"
    raw=$out_dir/produce-paced-librdkafka-$topic.txt
    code=$(bounded "$raw" "$python" "$bench_dir/clients.py" produce "$bootstrap" "$topic" 1024 "$count" "$paced_rate")
    "$python" "$bench_dir/report.py" json "$results" "$raw" section=produce tool="librdkafka-py@${paced_rate}/s" \
        topic="$topic" size=1024 exit_code="$code"
    if [[ ${#perf_cmd[@]} -gt 0 ]]; then
        say "kafka-producer-perf-test --throughput $paced_rate: $topic, $count x 1024 B"
        raw=$out_dir/produce-paced-perf-test-$topic.txt
        code=$(bounded "$raw" "${perf_cmd[@]}" kafka-producer-perf-test --topic "$topic" \
            --num-records "$count" --record-size 1024 --throughput "$paced_rate" \
            --producer-props acks=1 "bootstrap.servers=$bootstrap")
        "$python" "$bench_dir/report.py" producer-perf "$results" "$raw" section=produce \
            tool="gregor-perf-test@${paced_rate}/s" topic="$topic" size=1024 exit_code="$code"
    fi
done
load_mark "after producers"

# ---- consumers ----------------------------------------------------------------------------------

for topic in bench-p1 bench-p8; do
    total=$("$python" "$bench_dir/clients.py" high-watermarks "$bootstrap" "$topic" 2>/dev/null || echo 0)
    if [[ ${#perf_cmd[@]} -gt 0 ]]; then
        phase "consume-perf-test"
        say "kafka-consumer-perf-test: $topic, $total records"
        raw=$out_dir/consume-perf-test-$topic.txt
        code=$(bounded "$raw" "${perf_cmd[@]}" kafka-consumer-perf-test --bootstrap-server "$bootstrap" \
            --topic "$topic" --messages "$total" --timeout 10000)
        "$python" "$bench_dir/report.py" consumer-perf "$results" "$raw" section=consume \
            tool=gregor-perf-test topic="$topic" expected="$total" exit_code="$code"
    fi

    phase "consume-librdkafka"
    say "librdkafka consumer: $topic"
    raw=$out_dir/consume-librdkafka-$topic.txt
    code=$(bounded "$raw" "$python" "$bench_dir/clients.py" consume "$bootstrap" "$topic")
    "$python" "$bench_dir/report.py" json "$results" "$raw" section=consume tool=librdkafka-py \
        topic="$topic" exit_code="$code"

    phase "consume-kcat"
    say "kcat -C -e: $topic"
    raw=$out_dir/consume-kcat-$topic.txt
    start_ns=$(date +%s%N)
    code=$(bounded "$raw" sh -c "kcat -C -b '$bootstrap' -t '$topic' -o beginning -e -q -f '%S\n' | awk '{n++; b+=\$1} END {printf \"%.0f %.0f\\n\", n, b}'")
    elapsed_s=$(seconds_since "$start_ns")
    read -r got got_bytes <"$raw" || true
    if [[ ${got:-} =~ ^[0-9]+$ && ${got_bytes:-} =~ ^[0-9]+$ && $got -gt 0 ]]; then
        # "timed" wants one record size; the average is exact for the byte count.
        "$python" "$bench_dir/report.py" timed "$results" "$((got_bytes / got))" "$got" "$elapsed_s" \
            section=consume tool=kcat topic="$topic" expected="$total" exit_code="$code"
    else
        echo "{\"section\": \"consume\", \"tool\": \"kcat\", \"topic\": \"$topic\", \"failed\": \"no output\", \"exit_code\": $code}" >>"$results"
    fi
done
load_mark "after consumers"

phase idle-after
sleep 5
"$python" "$bench_dir/report.py" rss "$results" "$broker_pid" "idle after load (+5 s)"
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=''
"$python" "$bench_dir/report.py" rss-samples "$results" "$out_dir/rss-samples.txt"
# Anything the broker complained about during the run, for the report.
cat "$out_dir"/broker-logs/*.log 2>/dev/null | grep -E '\] (ERROR|WARN) ' >"$out_dir/broker-warnings.txt" || true
echo "{\"section\": \"meta\", \"broker_warn_error_lines\": $(wc -l <"$out_dir/broker-warnings.txt"), \"alive_at_end\": $(kill -0 "$broker_pid" 2>/dev/null && echo true || echo false)}" >>"$results"

"$python" "$bench_dir/report.py" summary "$results" | tee "$out_dir/summary.txt"
echo "(machine: $(nproc) cores shared with other work; raw output in $out_dir)" | tee -a "$out_dir/summary.txt"
