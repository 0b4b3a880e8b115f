#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian machine: system libraries and the Python venv.
# Prints the venv path on its last line so callers can `venv=$(scripts/setup.sh | tail -1)`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

apt_packages=(libzmq3-dev libsecp256k1-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev pkg-config python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi

req="$root/scripts/requirements.txt"
key=$(sha256sum "$req" | cut -c1-12)
venv="${INFERNET_VENV:-$HOME/.cache/infernet-swift/venv-$key}"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "setup: creating Python environment in $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
