#!/usr/bin/env bash
# The hostile-client suite (Tests/Python/hostile): job bounds, slow and idle connections, ownership,
# wire errors, and schemathesis against the served OpenAPI document. In its own venv.
# Usage: scripts/test-hostile.sh [extra pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
hostile_venv=$(bash scripts/setup.sh --hostile | tail -1)
timeout 900 "$hostile_venv/bin/python" -m pytest -q -s -p no:cacheprovider Tests/Python/hostile "$@"
