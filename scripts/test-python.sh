#!/usr/bin/env bash
# Python test suites: contracts (in-process chain) and devnet (as a process, incl. the rpc-probe 51/51),
# on the default devnet backend (pyrevm), then the contracts and devnet suites again on py-evm.
# Usage: scripts/test-python.sh [extra pytest args]   (DEVNET_BACKENDS="pyrevm" skips the py-evm pass)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
export PATH="$venv/bin:$PATH"
cd "$root"
"$venv/bin/python" contracts/build.py --check
for backend in ${DEVNET_BACKENDS:-pyrevm pyevm}; do
    t0=$(date +%s)
    if [ "$backend" = pyrevm ]; then
        DEVNET_BACKEND=pyrevm "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Python \
            --ignore=Tests/Python/bench/test_offchain_bench.py "$@"   # its own stage in scripts/test.sh
    else
        DEVNET_BACKEND="$backend" "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Python/contracts Tests/Python/devnet "$@"
    fi
    echo "== Python tests on the $backend devnet backend: $(( $(date +%s) - t0 )) s"
done
