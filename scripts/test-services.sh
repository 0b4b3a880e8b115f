#!/usr/bin/env bash
# The Python inference services' tests (ONNX, Torch, scikit-learn), in the services venv
# (created on first use by scripts/setup.sh --services). Exits non-zero on any failure.
# Usage: scripts/test-services.sh [extra pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/setup.sh" --services | tail -1)
cd "$root"
"$venv/bin/python" -c "import onnxruntime, skl2onnx, sklearn" || {
  echo "test-services: the services venv $venv lacks onnxruntime/skl2onnx/scikit-learn" >&2; exit 1; }
"$venv/bin/python" -c "import torch" 2>/dev/null || \
  echo "test-services: torch is not installed: the torch-module tests will be skipped" >&2
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  Tests/Python/services "$@"
