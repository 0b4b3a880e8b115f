#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian machine: system libraries and the Python venv.
# Prints the venv path on its last line so callers can `venv=$(scripts/setup.sh | tail -1)`.
#
# `scripts/setup.sh --services` instead creates (or reuses) the inference services' venv
# (ONNX, Torch, scikit-learn; services/requirements*.txt) and prints ITS path on its last line.
# That venv is keyed by the hash of services/requirements.txt, requirements-torch.txt and
# requirements-oracle.txt; INFERNET_SERVICES_VENV overrides its path. Torch: see
# services/requirements-torch.txt (INFERNET_SERVICES_TORCH=auto|pypi|0, default auto).
# `--ezkl` and `--hostile` do the same for the EZKL proof stage's and the hostile-client suite's venvs.
# Every venv is keyed by its requirements files' hash and built under a lock (scripts may run at once).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=main
if [ "${1:-}" = "--services" ]; then mode=services; fi
if [ "${1:-}" = "--ezkl" ]; then mode=ezkl; fi
if [ "${1:-}" = "--hostile" ]; then mode=hostile; fi

apt_packages=(libzmq3-dev libsecp256k1-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev pkg-config python3-venv
  nodejs)  # nodejs: ../shared/tools' echo service and load generator (scripts/bench-offchain.py)
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

cache="$HOME/.cache/infernet-swift"
mkdir -p "$cache"

# ensure_venv DIR INSTALL_FUNCTION: creates the venv DIR (unless complete) by running the function
# with DIR's pip; a lock per DIR so two callers never build (or delete) the same venv at once.
ensure_venv() {
  local dir=$1 install=$2
  exec 9>"$dir.lock"
  flock 9
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
    echo "setup: creating the Python environment $dir" >&2
    local t0; t0=$(date +%s)
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install -q --upgrade pip >&2
    "$install" "$dir/bin/pip" >&2
    touch "$dir/.complete"
    echo "setup: $dir ready in $(( $(date +%s) - t0 )) s, $(du -sh "$dir" | cut -f1)" >&2
  fi
  exec 9>&-
  echo "$dir"
}

# key FILE...: the first 12 hex digits of the files' (and extra words') sha256.
key() { cat "$@" | sha256sum | cut -c1-12; }

case "$mode" in
services)
  sreq="$root/services/requirements.txt"
  treq="$root/services/requirements-torch.txt"
  oreq="$root/services/requirements-oracle.txt"
  torch_mode="${INFERNET_SERVICES_TORCH:-auto}"
  install_services() {
    "$1" install -q -r "$sreq"
    case "$torch_mode" in
      0|no|off) echo "setup: torch skipped (INFERNET_SERVICES_TORCH=$torch_mode)" ;;
      pypi) "$1" install -q "torch==2.13.0" ;;
      *)
        if ! "$1" install -q -r "$treq"; then
          echo "setup: WARNING: $(grep -v '^#' "$treq" | head -1) is not installable here;" \
               "the services venv has no torch (torch service and its tests unavailable)"
        fi ;;
    esac
    # the reference codecs, as a test oracle only (no dependencies: see the file)
    "$1" install -q --no-deps -r "$oreq" || \
      echo "setup: WARNING: infernet-ml oracle not installed; codec tests use the local reimplementation"
  }
  ensure_venv "${INFERNET_SERVICES_VENV:-$cache/services-$(key "$sreq" "$treq" "$oreq" <(echo "torch=$torch_mode"))}" install_services
  ;;
ezkl)
  # The EZKL proof service and its toolchain (services/ezkl, contracts/yul): ezkl + the services'
  # and the project's requirements, keyed by the hash of the three files. INFERNET_EZKL_VENV overrides.
  ereqs=("$root/scripts/requirements.txt" "$root/services/requirements.txt" "$root/services/requirements-ezkl.txt")
  install_ezkl() { "$1" install -q "${ereqs[@]/#/-r}"; }
  ensure_venv "${INFERNET_EZKL_VENV:-$cache/ezkl-$(key "${ereqs[@]}")}" install_ezkl
  ;;
hostile)
  # The hostile-client suite (Tests/Python/hostile: schemathesis, pytest). INFERNET_HOSTILE_VENV overrides.
  hreq="$root/Tests/Python/hostile/requirements.txt"
  install_hostile() { "$1" install -q -r "$hreq"; }
  ensure_venv "${INFERNET_HOSTILE_VENV:-$cache/hostile-$(key "$hreq")}" install_hostile
  ;;
*)
  req="$root/scripts/requirements.txt"
  install_main() { "$1" install -q -r "$req"; }
  ensure_venv "${INFERNET_VENV:-$cache/venv-$(key "$req")}" install_main
  ;;
esac
