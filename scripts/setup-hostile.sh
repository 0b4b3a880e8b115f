#!/usr/bin/env bash
# Creates (or reuses) the venv of the hostile-client suite (Tests/Python/hostile/requirements.txt:
# schemathesis, pytest) under ~/.cache/infernet-swift, keyed by that file's hash; prints its path
# on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
req="$root/Tests/Python/hostile/requirements.txt"
key=$(sha256sum "$req" | cut -c1-12)
venv="${INFERNET_HOSTILE_VENV:-$HOME/.cache/infernet-swift/hostile-$key}"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "setup-hostile: creating $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
