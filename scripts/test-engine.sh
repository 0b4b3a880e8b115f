#!/usr/bin/env bash
# The tests of `image` containers on a real container engine (Tests/Engine): installs podman and
# friends (scripts/engine.sh install), builds the images they need (scripts/images.sh, from the
# node's binaries in INFERNET_BIN_DIR, else `swift build --show-bin-path`), then runs pytest.
# The tests start their own engine on their own socket (scripts/engine.sh start) and stop it,
# undoing its bridge and firewall chains, at the end. Prints the time each step took.
# Usage: scripts/test-engine.sh [extra pytest args]
# INFERNET_ENGINE_IMAGES: the images to build first (default: hello-world echo node onnx ezkl).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The services venv: the ONNX image's test checks it against onnxruntime in-process.
venv=$(bash scripts/setup.sh --services | tail -1)
bin=${INFERNET_BIN_DIR:-$(swift build --show-bin-path)}
export INFERNET_BIN_DIR=$bin

t0=$(date +%s)
bash scripts/engine.sh install
t1=$(date +%s)
echo "test-engine: engine packages ready in $((t1 - t0)) s"
# shellcheck disable=SC2086
bash scripts/images.sh --bin "$bin" ${INFERNET_ENGINE_IMAGES:-hello-world echo node onnx ezkl}
t2=$(date +%s)
echo "test-engine: images built in $((t2 - t1)) s"
status=0
timeout 1800 "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Engine "$@" || status=$?
t3=$(date +%s)
echo "test-engine: engine tests ran in $((t3 - t2)) s (all engine steps: $((t3 - t0)) s)"
exit $status
