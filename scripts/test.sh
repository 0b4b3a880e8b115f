#!/usr/bin/env bash
# Runs every test: the Swift suites (unit, integration with the real node binaries, fault tests)
# and the Python suites (devnet, contracts, inference services). Installs what is missing first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=$(bash scripts/setup.sh | tail -1)
export INFERNET_PYTHON="$venv/bin/python"
export PATH="$venv/bin:$PATH"

echo "== building (debug, with tests)"
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
swift build --build-tests >/dev/null
bin_dir=$(swift build --show-bin-path)
export INFERNET_BIN_DIR="$bin_dir"

echo "== Swift tests"
# A bound, so a hung test fails CI instead of eating its time; line-buffered so a log shows where.
timeout 2400 stdbuf -oL -eL swift test --skip-build

echo "== Python tests: devnet, contracts (devnet backends pyrevm, then py-evm)"
t_py=$(date +%s)
bash scripts/test-python.sh
echo "== Python tests: devnet, contracts: $(( $(date +%s) - t_py )) s"

echo "== Python tests: inference services (ONNX, Torch)"
bash scripts/test-services.sh
