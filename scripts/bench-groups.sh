#!/usr/bin/env bash
# Consumer-group benchmarks on one Gregor broker over loopback; prints numbers, asserts nothing.
#
#   scripts/bench-groups.sh [--out DIR] [--quick] [--keep-data]
#
# What runs (scripts/bench/groups.py, with its own ZooKeeper and broker on free ports):
#   - 10 confluent-kafka consumers subscribe at once to a 10-partition topic: seconds until each
#     owns a partition, with group.initial.rebalance.delay.ms 0 and 3000 (3 runs each);
#   - offset commits per second from one subscribed consumer, synchronous and asynchronous (5 s each);
#   - 100,000 committed offsets (1000 groups x 100 partitions), a broker restart (SIGTERM), and the
#     time until OffsetFetch answers every group; the broker's "Finished loading offsets and group
#     metadata" lines; its VmRSS/VmHWM before and after.
# --quick: 5 consumers, 1 run, 2 s of commits, 10,000 offsets.
#
# Broker output and data go to --out (default /tmp/gregor-bench-groups-<timestamp>); the data
# dir is deleted at the end unless --keep-data. Only processes this script started are stopped.
#
# Environment: PYTHON (default .venv/bin/python); GREGOR_BIN (broker binary; default
# $GREGOR_TEST_BINARY, else target/release/gregor, built when missing).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=/tmp/gregor-bench-groups-$(date -u +%Y%m%dT%H%M%SZ)
keep_data=false
sizes=()

usage() {
    sed -n '4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --out) out_dir=${2:?}; shift 2 ;;
        --quick) sizes=(--consumers 5 --runs 1 --commit-seconds 2 --offsets 10000); shift ;;
        --keep-data) keep_data=true; shift ;;
        -h | --help) usage ;;
        *) echo "bench-groups: unknown option '$1'" >&2; usage ;;
    esac
done

python=${PYTHON:-$repo_root/.venv/bin/python}
[[ -x $python ]] || { echo "bench-groups: no .venv; run scripts/install-deps.sh" >&2; exit 1; }
broker=${GREGOR_BIN:-${GREGOR_TEST_BINARY:-}}
if [[ -z $broker ]]; then
    broker=$repo_root/target/release/gregor
    [[ -x $broker ]] || (cd "$repo_root" && env -u CARGO_TARGET_DIR cargo build --release -p gregor)
fi
[[ -x $broker ]] || { echo "bench-groups: no broker binary at $broker" >&2; exit 1; }

mkdir -p "$out_dir"
status=0
"$python" "$repo_root/scripts/bench/groups.py" --broker "$broker" --out "$out_dir" "${sizes[@]}" |
    tee "$out_dir/summary.txt" || status=$?
if ! $keep_data; then
    rm -rf "$out_dir/data" "$out_dir/zk"
fi
echo "bench-groups: broker output and summary in $out_dir" >&2
exit "$status"
