#!/usr/bin/env bash
# Runs every test: the Swift suites (unit, integration with the real node binaries, fault tests)
# and the Python suites (devnet, contracts, inference services, examples, EZKL proofs, hostile
# clients, the container engine). Installs what is missing first. Prints each stage's time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
timings=()

# stage NAME COMMAND...: runs one stage, prints its elapsed time, remembers it for the summary.
stage() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  echo "== $name"
  "$@"
  local secs=$(( $(date +%s) - t0 ))
  echo "== $name: ${secs} s"
  timings+=("$(printf '%-60s %5d s' "$name" "$secs")")
}

venv=$(bash scripts/setup.sh | tail -1)
export INFERNET_PYTHON="$venv/bin/python"
export PATH="$venv/bin:$PATH"

build() {
  swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
  swift build --build-tests >/dev/null
}
stage "build (debug, with tests)" build
INFERNET_BIN_DIR=$(swift build --show-bin-path)
export INFERNET_BIN_DIR

# A bound, so a hung test fails CI instead of eating its time; line-buffered so a log shows where.
stage "Swift tests" timeout 2400 stdbuf -oL -eL swift test --skip-build
stage "Python tests: devnet, contracts" bash scripts/test-python.sh
stage "Off-chain benchmark smoke test (scripts/bench-offchain.py, 1 and 8 clients)" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Python/bench/test_offchain_bench.py
stage "Python tests: inference services (ONNX, Torch)" bash scripts/test-services.sh
stage "Python tests: examples (examples/*/run.sh against a devnet)" bash scripts/test-examples.sh
stage "Python tests: EZKL proofs (compiler, differential, on chain through the node)" bash scripts/test-ezkl.sh
stage "Hostile clients: bounds, slow/idle connections, ownership, schemathesis" bash scripts/test-hostile.sh
stage "Engine tests: image containers on podman's Docker Engine API, compose" bash scripts/test-engine.sh

echo "== stage times"
printf '%s\n' "${timings[@]}"
echo "== all stages: $(( $(date +%s) - started )) s"
