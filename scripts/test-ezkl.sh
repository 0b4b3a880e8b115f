#!/usr/bin/env bash
# The EZKL stage: the Yul-subset compiler's tests, differential checks of the compiled Halo2
# verifier against ezkl, and EZKL proofs through the real node on the devnet (atomic: paid /
# slashed; the consumer's output check; the optimistic route with the agent). Runs in the EZKL
# venv (scripts/setup.sh --ezkl, created on first use). The iris circuit's artifacts (pk ~138 MB)
# are built on first use and cached under ~/.cache/infernet-swift/ezkl-artifacts, keyed by the
# model, the settings and the ezkl version. Node binaries: INFERNET_BIN_DIR (scripts/test.sh
# exports it), else `swift build --show-bin-path`.
# Usage: scripts/test-ezkl.sh [extra pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/setup.sh" --ezkl | tail -1)
cd "$root"
"$venv/bin/python" -c "import ezkl, onnxruntime, web3" || {
  echo "test-ezkl: the EZKL venv $venv lacks ezkl/onnxruntime/web3" >&2; exit 1; }
export INFERNET_PYTHON="$venv/bin/python"  # the devnet runs in this venv too (it has web3, py-evm)
exec timeout 1500 "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  Tests/Python/ezkl "$@"
