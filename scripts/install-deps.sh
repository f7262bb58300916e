#!/usr/bin/env bash
# Install what Gregor's tests and tools need on a Debian 12 machine, idempotently:
#   - Debian packages: zookeeper (3.8, the real server the broker registers in), kcat, iperf3,
#     netcat-openbsd;
#   - a Python venv at .venv in the repo root with the pinned requirements-test.txt.
# Runs as root (CI does) or through sudo. `apt-get update` runs only when a package is missing,
# and pip runs only when requirements-test.txt (or the interpreter) changed since the last
# install, so a warm machine finishes in well under a second. Prints one line per step.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv_dir=$repo_root/.venv
requirements=$repo_root/requirements-test.txt
stamp=$venv_dir/.requirements.sha256
apt_packages=(zookeeper kcat iperf3 netcat-openbsd)

step() { echo "install-deps: $*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -n "$@"
    else
        echo "install-deps: need root to run: $*" >&2
        return 1
    fi
}

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# One interpreter start (slow behind a pyenv shim) gives both its version, for the venv stamp,
# and whether `python3 -m venv` works: it needs ensurepip, which Debian's python3 ships
# separately in python3-venv.
if python_version=$(python3 -c 'import sys; print(sys.version); import ensurepip, venv' 2>/dev/null); then
    :
else
    apt_packages+=(python3-venv)
fi

missing=()
for package in "${apt_packages[@]}"; do
    is_installed "$package" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    step "apt: ${apt_packages[*]} already installed"
else
    step "apt: installing ${missing[*]}"
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
    as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    step "apt: installed ${missing[*]}"
fi

# The venv is valid for one interpreter and one requirements file; the stamp records both.
wanted_stamp=$( { echo "$python_version"; cat "$requirements"; } | sha256sum | cut -d' ' -f1)
if [[ -x $venv_dir/bin/python && -f $stamp && $(cat "$stamp") == "$wanted_stamp" ]]; then
    step "venv: $venv_dir up to date with requirements-test.txt"
else
    if [[ ! -x $venv_dir/bin/python ]] || ! "$venv_dir/bin/python" -c '' 2>/dev/null; then
        step "venv: creating $venv_dir"
        rm -rf "$venv_dir"
        python3 -m venv "$venv_dir"
    fi
    step "venv: pip install -r requirements-test.txt"
    "$venv_dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$wanted_stamp" >"$stamp"
    step "venv: installed $(wc -l < <("$venv_dir/bin/python" -m pip freeze)) packages"
fi
step "done"
