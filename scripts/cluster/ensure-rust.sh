#!/usr/bin/env bash
# Makes sure a Rust toolchain and a C compiler are available to build Gregor, idempotently.
# A fresh Debian 12 machine has neither: Debian's own `cargo` package (1.63) is older than the
# workspace's rust-version, so Rust comes from rustup (minimal profile, stable, into ~/.cargo),
# and the C compiler (the lz4 and zstd codecs build C sources) from build-essential.
# Prints the cargo to use on its last line.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

step() { echo "ensure-rust: $*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -n "$@"
    else
        echo "ensure-rust: need root to run: $*" >&2
        return 1
    fi
}

apt_missing=()
command -v cc >/dev/null || apt_missing+=(build-essential)
cargo_bin=$(command -v cargo || true)
[[ -z $cargo_bin && -x $HOME/.cargo/bin/cargo ]] && cargo_bin=$HOME/.cargo/bin/cargo
if [[ -z $cargo_bin ]]; then
    command -v curl >/dev/null || apt_missing+=(curl ca-certificates)
fi
if ((${#apt_missing[@]} > 0)); then
    step "apt: installing ${apt_missing[*]}"
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
    as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
if [[ -z $cargo_bin ]]; then
    step "installing Rust (stable, minimal profile) with rustup into $HOME/.cargo"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y -q --profile minimal >&2
    cargo_bin=$HOME/.cargo/bin/cargo
fi
step "cargo: $("$cargo_bin" --version)"
echo "$cargo_bin"
