#!/usr/bin/env bash
# The Python inference services' tests (ONNX, Torch, scikit-learn), in the services venv
# (created on first use by scripts/setup.sh --services). Exits non-zero on any failure.
# The tests that run the services through the real node (Tests/Python/services/test_node_*.py,
# test_deploy_configs.py) use the node's binaries from INFERNET_BIN_DIR (scripts/test.sh builds
# them and exports it before calling this), else `swift build --show-bin-path`; they are skipped
# when neither holds infernet-node. The devnet runs in the project venv (INFERNET_PYTHON, else
# scripts/setup.sh).
# Usage: scripts/test-services.sh [extra pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/setup.sh" --services | tail -1)
cd "$root"
"$venv/bin/python" -c "import onnxruntime, skl2onnx, sklearn" || {
  echo "test-services: the services venv $venv lacks onnxruntime/skl2onnx/scikit-learn" >&2; exit 1; }
"$venv/bin/python" -c "import torch" 2>/dev/null || \
  echo "test-services: torch is not installed: the torch-module tests will be skipped" >&2
echo "test-services: node binaries from ${INFERNET_BIN_DIR:-swift build --show-bin-path}" >&2
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  Tests/Python/services "$@"
