#!/usr/bin/env bash
# The hello-world example in one command: devnet + SaysGM (Vyper) + infernet-node + a REST job +
# an on-chain request, the delivered greeting printed, everything stopped. Options: --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
exec "$venv/bin/python" "$root/examples/hello-world/main.py" "$@"
