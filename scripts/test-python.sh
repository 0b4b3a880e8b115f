#!/usr/bin/env bash
# Python test suites: contracts (in-process chain) and devnet (as a process, incl. the rpc-probe 51/51).
# Usage: scripts/test-python.sh [extra pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
export PATH="$venv/bin:$PATH"
cd "$root"
"$venv/bin/python" contracts/build.py --check
"$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Python "$@"
