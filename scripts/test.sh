#!/usr/bin/env bash
# The test command of the README: installs what the tests need (idempotent), then runs
# formatting and lint checks, the Rust test suites and the Python tests against real parts.
#
#   scripts/test.sh            everything CI runs
#   scripts/test.sh --rust     only the Rust workspace tests
#
# The output ends with the test runners' summary lines; the exit code is non-zero if any
# step failed.
set -uo pipefail
cd "$(dirname "$0")/.."

only_rust=0
[ "${1:-}" = "--rust" ] && only_rust=1

step() { printf '\n==> %s\n' "$*"; }
failed=()

# The tests that need the real ZooKeeper or the broker binary fail (rather than skip) when it is
# missing.
export GREGOR_REQUIRE_ZK=1
export GREGOR_REQUIRE_BROKER=1

step "installing test prerequisites (scripts/install-deps.sh)"
if ! bash scripts/install-deps.sh; then
    echo "install-deps.sh failed" >&2
    exit 1
fi

step "Rust toolchain (scripts/cluster/ensure-rust.sh)"
if ! cargo_path=$(bash scripts/cluster/ensure-rust.sh | tail -n 1); then
    echo "no Rust toolchain and none could be installed" >&2
    exit 1
fi
PATH="$(dirname "$cargo_path"):$PATH"
export PATH

step "cargo fmt --check"
cargo fmt --all -- --check || failed+=("cargo fmt")

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings || failed+=("cargo clippy")

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast || failed+=("cargo nextest")
else
    cargo test --workspace --no-fail-fast || failed+=("cargo test")
fi

if [ "$only_rust" = 0 ] && [ -d tests-py ]; then
    step "Python tests (real ZooKeeper, real clients)"
    .venv/bin/python -m pytest -q tests-py
    rc=$?
    # pytest exits 5 when it collected no tests: that is a failure of the suite, not a pass.
    [ "$rc" = 0 ] || failed+=("pytest (exit $rc)")
fi

if [ "${#failed[@]}" -gt 0 ]; then
    printf '\nFAILED steps: %s\n' "${failed[*]}" >&2
    exit 1
fi
