#!/usr/bin/env bash
# The torch-iris example in one command: devnet + IrisClassifier (Vyper) + infernet-node + a REST job +
# an on-chain request, the predicted class printed, everything stopped. Options: --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
exec "$venv/bin/python" "$root/examples/torch-iris/main.py" "$@"
