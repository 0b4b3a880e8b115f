#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian machine: system libraries and the Python venv.
# Prints the venv path on its last line so callers can `venv=$(scripts/setup.sh | tail -1)`.
#
# `scripts/setup.sh --services` instead creates (or reuses) the inference services' venv
# (ONNX, Torch, scikit-learn; services/requirements*.txt) and prints ITS path on its last line.
# That venv is keyed by the hash of services/requirements.txt, requirements-torch.txt and
# requirements-oracle.txt; INFERNET_SERVICES_VENV overrides its path. Torch: see
# services/requirements-torch.txt (INFERNET_SERVICES_TORCH=auto|pypi|0, default auto).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=main
if [ "${1:-}" = "--services" ]; then mode=services; fi
if [ "${1:-}" = "--ezkl" ]; then mode=ezkl; fi

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

if [ "$mode" = services ]; then
  sreq="$root/services/requirements.txt"
  treq="$root/services/requirements-torch.txt"
  oreq="$root/services/requirements-oracle.txt"
  torch_mode="${INFERNET_SERVICES_TORCH:-auto}"
  skey=$( (cat "$sreq" "$treq" "$oreq"; echo "torch=$torch_mode") | sha256sum | cut -c1-12)
  svenv="${INFERNET_SERVICES_VENV:-$HOME/.cache/infernet-swift/services-$skey}"
  if [ ! -x "$svenv/bin/python" ] || [ ! -f "$svenv/.complete" ]; then
    echo "setup: creating the services' Python environment in $svenv" >&2
    start=$(date +%s)
    rm -rf "$svenv"
    python3 -m venv "$svenv" >&2
    "$svenv/bin/pip" install -q --upgrade pip >&2
    "$svenv/bin/pip" install -q -r "$sreq" >&2
    case "$torch_mode" in
      0|no|off) echo "setup: torch skipped (INFERNET_SERVICES_TORCH=$torch_mode)" >&2 ;;
      pypi) "$svenv/bin/pip" install -q "torch==2.13.0" >&2 ;;
      *)
        if ! "$svenv/bin/pip" install -q -r "$treq" >&2; then
          echo "setup: WARNING: $(grep -v '^#' "$treq" | head -1) is not installable here;" \
               "the services venv has no torch (torch service and its tests unavailable)" >&2
        fi ;;
    esac
    # the reference codecs, as a test oracle only (no dependencies: see the file)
    "$svenv/bin/pip" install -q --no-deps -r "$oreq" >&2 || \
      echo "setup: WARNING: infernet-ml oracle not installed; codec tests use the local reimplementation" >&2
    echo "setup: services environment ready in $(( $(date +%s) - start ))s, $(du -sh "$svenv" | cut -f1)" >&2
    touch "$svenv/.complete"
  fi
  echo "$svenv"
  exit 0
fi

if [ "$mode" = ezkl ]; then
  # The EZKL proof service and its toolchain (services/ezkl, contracts/yul): ezkl + the services'
  # and the project's requirements, keyed by the hash of the three files. INFERNET_EZKL_VENV overrides.
  ereqs=("$root/scripts/requirements.txt" "$root/services/requirements.txt" "$root/services/requirements-ezkl.txt")
  ekey=$(cat "${ereqs[@]}" | sha256sum | cut -c1-12)
  evenv="${INFERNET_EZKL_VENV:-$HOME/.cache/infernet-swift/ezkl-$ekey}"
  if [ ! -x "$evenv/bin/python" ] || [ ! -f "$evenv/.complete" ]; then
    echo "setup: creating the EZKL Python environment in $evenv" >&2
    rm -rf "$evenv"
    python3 -m venv "$evenv" >&2
    "$evenv/bin/pip" install -q --upgrade pip >&2
    "$evenv/bin/pip" install -q "${ereqs[@]/#/-r}" >&2
    touch "$evenv/.complete"
  fi
  echo "$evenv"
  exit 0
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
