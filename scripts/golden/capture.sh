#!/usr/bin/env bash
# Captures golden request frames from real clients for gregor-protocol's golden_frames test.
#
#   scripts/golden/capture.sh [RAW_DIR]
#
# Builds the capture server (crates/network/examples/capture_server.rs), then runs client
# sessions (kcat, confluent-kafka-python, kafka-python 3.x from .venv; `bash
# scripts/install-deps.sh` installs them) each against its own capture-server run on a free
# loopback port, so every session's frames carry their own tag. Raw frames land in RAW_DIR
# (default: a fresh temp dir); scripts/golden/curate.py then picks the representative set for
# crates/protocol/tests/fixtures/requests/ and writes its README. The three client families run
# in parallel lanes; every session is killed after SESSION_TIMEOUT_S and none starts after
# CAPTURE_BUDGET_S, so the sessions end within about two minutes (plus the build). A session
# that fails is reported, the others go on, and the script then exits with status 1.
# Session snippets are single-quoted on purpose: $BOOTSTRAP expands when a snippet runs.
# shellcheck disable=SC2016
set -uo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script_dir=$repo_root/scripts/golden
raw_dir=${1:-$(mktemp -d /tmp/gregor-golden.XXXXXX)}
# FIXTURE_DIR redirects the curated set (e.g. to try the script without touching the tree).
fixture_dir=${FIXTURE_DIR:-$repo_root/crates/protocol/tests/fixtures/requests}
python=$repo_root/.venv/bin/python
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo_root/target}
SESSION_TIMEOUT_S=${SESSION_TIMEOUT_S:-20}
# No session starts after this many seconds of capturing, so a hanging client costs at most one
# SESSION_TIMEOUT_S more: the sessions end within about two minutes even if every one hangs.
CAPTURE_BUDGET_S=${CAPTURE_BUDGET_S:-90}

say() { echo "capture: $*"; }

[[ -x $python ]] || { say "no $python: run scripts/install-deps.sh first"; exit 1; }
command -v kcat >/dev/null || { say "no kcat: run scripts/install-deps.sh first"; exit 1; }
# CAPTURE_SERVER names a prebuilt capture server binary and skips the build.
server=${CAPTURE_SERVER:-$CARGO_TARGET_DIR/debug/examples/capture_server}
if [[ -z ${CAPTURE_SERVER:-} ]]; then
    say "building the capture server"
    (cd "$repo_root" && cargo build -q -p gregor-network --example capture_server) || exit 1
fi
mkdir -p "$raw_dir/frames" "$raw_dir/logs"
say "raw frames in $raw_dir/frames"

# run_session TAG SNIPPET: starts a capture server tagged TAG, runs SNIPPET (a bash snippet that
# reads $BOOTSTRAP) under a timeout, stops the server, and prints one status line.
run_session() {
    local tag=$1 snippet=$2 log=$raw_dir/logs/$1.log port_file=$raw_dir/logs/$1.port
    if (($(date +%s) - capture_started_s > CAPTURE_BUDGET_S)); then
        say "$tag: skipped, capture budget of $CAPTURE_BUDGET_S s used up"
        echo "$tag" >>"$raw_dir/logs/failed-sessions"
        return 1
    fi
    rm -f "$port_file"
    RUST_LOG=warn "$server" "$tag" "$raw_dir/frames" --port-file "$port_file" \
        --max-run-seconds $((SESSION_TIMEOUT_S + 10)) >>"$log" 2>&1 &
    local server_pid=$!
    for _ in $(seq 50); do
        [[ -s $port_file ]] && break
        sleep 0.1
    done
    if [[ ! -s $port_file ]]; then
        say "$tag: capture server did not start (see $log)"
        echo "$tag" >>"$raw_dir/logs/failed-sessions"
        kill "$server_pid" 2>/dev/null
        return 1
    fi
    local status=0
    BOOTSTRAP=127.0.0.1:$(cat "$port_file") timeout -k 3 "$SESSION_TIMEOUT_S" \
        bash -c "$snippet" >>"$log" 2>&1 || status=$?
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    local frames
    frames=$(find "$raw_dir/frames" -name "$tag-*.bin" | wc -l)
    if ((status == 0)); then
        say "$tag: ok, $frames frames"
    else
        say "$tag: client exited with status $status, $frames frames (see $log)"
        echo "$tag" >>"$raw_dir/logs/failed-sessions"
    fi
}

lines='printf "golden line 1\ngolden line 2\ngolden line 3\n"'

kcat_lane() {
    run_session kcat_metadata 'kcat -L -b "$BOOTSTRAP" -m 10 && kcat -L -b "$BOOTSTRAP" -t golden -m 10'
    run_session kcat_produce "$lines"' | kcat -P -b "$BOOTSTRAP" -t golden -m 10'
    # acks=0: Produce gets no response at all.
    run_session kcat_produce_acks0 "$lines"' | kcat -P -b "$BOOTSTRAP" -t golden -m 10 -X acks=0'
    for codec in gzip snappy lz4 zstd; do
        run_session "kcat_produce_$codec" "$lines"' | kcat -P -b "$BOOTSTRAP" -t golden -m 10 -z '"$codec"
    done
    run_session kcat_consume 'kcat -C -b "$BOOTSTRAP" -t golden -o beginning -c 7 -e -m 10'
    run_session kcat_group 'kcat -b "$BOOTSTRAP" -G golden-kcat -X auto.offset.reset=earliest -c 5 -e golden'
    # Without ApiVersions, librdkafka falls back to the versions of an old broker release.
    local release
    for release in 0.8.2.2 0.9.0.1; do
        local legacy="-X api.version.request=false -X broker.version.fallback=$release"
        local tag=kcat_legacy${release//./}
        run_session "${tag}_produce" "$lines"' | kcat -P -b "$BOOTSTRAP" -t golden -m 10 '"$legacy"
        run_session "${tag}_produce_gzip" "$lines"' | kcat -P -b "$BOOTSTRAP" -t golden -m 10 -z gzip '"$legacy"
        run_session "${tag}_consume" 'kcat -C -b "$BOOTSTRAP" -t golden -o beginning -c 7 -e -m 10 '"$legacy"
    done
}

confluent_lane() {
    local py="$python $script_dir/confluent_sessions.py \"\$BOOTSTRAP\""
    for codec in none gzip snappy lz4 zstd; do
        run_session "confluent_produce_$codec" "$py produce $codec"
    done
    run_session confluent_produce_idempotent "$py produce-idempotent"
    run_session confluent_transactional_init "$py transactional-init"
    run_session confluent_consume_assign "$py consume-assign"
    run_session confluent_consume_group "$py consume-group"
    run_session confluent_admin "$py admin"
}

kafka_python_lane() {
    local py="$python $script_dir/kafka_python_sessions.py \"\$BOOTSTRAP\""
    for codec in none gzip snappy lz4 zstd; do
        run_session "kafkapython_produce_$codec" "$py produce $codec"
    done
    run_session kafkapython_transactional_init "$py transactional-init"
    run_session kafkapython_consume_assign "$py consume-assign"
    run_session kafkapython_consume_group "$py consume-group"
    run_session kafkapython_admin "$py admin"
    # Pinned older protocol versions, as kafka-python speaks them to old brokers.
    local release
    for release in 0.9 0.10.1 0.11 1.1 2.1; do
        local tag=kafkapython_api${release//./}
        run_session "${tag}_produce" "GOLDEN_API_VERSION=$release $py produce gzip"
        run_session "${tag}_consume_assign" "GOLDEN_API_VERSION=$release $py consume-assign"
        run_session "${tag}_consume_group" "GOLDEN_API_VERSION=$release $py consume-group"
    done
    for release in 1.1 2.1; do
        run_session "kafkapython_api${release//./}_admin" "GOLDEN_API_VERSION=$release $py admin"
    done
}

capture_started_s=$(date +%s)
kcat_lane &
confluent_lane &
kafka_python_lane &
wait
say "sessions finished in $(($(date +%s) - capture_started_s)) s"
"$python" "$script_dir/curate.py" "$raw_dir/frames" "$fixture_dir" || exit 1
# Frames of a failed session are still curated, but the run as a whole reports the failure.
if [[ -s $raw_dir/logs/failed-sessions ]]; then
    say "failed sessions: $(paste -sd' ' "$raw_dir/logs/failed-sessions")"
    exit 1
fi
