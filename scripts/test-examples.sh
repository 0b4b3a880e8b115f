#!/usr/bin/env bash
# The examples' tests (Tests/Python/examples): each example's one command (examples/*/run.sh) run
# against one shared devnet, its delivered result checked on chain. Needs the node's binaries
# (INFERNET_BIN_DIR, which scripts/test.sh exports after building; else `swift build
# --show-bin-path`) and both venvs (created here on first use). Exits non-zero on any failure.
# Usage: scripts/test-examples.sh [extra pytest args, e.g. -k iris]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$(bash scripts/setup.sh | tail -1)
bash scripts/setup.sh --services >/dev/null   # the iris, torch and digits services' venv
export INFERNET_EXAMPLES=1
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  Tests/Python/examples "$@"
