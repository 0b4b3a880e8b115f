#!/usr/bin/env bash
# SaysGM.sayGM() -> the hello-world container's greeting, stored on chain
# The hello-world example in one command: starts the devnet with the Infernet SDK contracts, deploys the
# Vyper consumer, starts infernet-node with the example's container(s), makes a request through
# the REST API and one from the contract, prints the delivered result read back from the
# contract, and stops everything. Options: --help (e.g. --bin DIR, --rpc URL --registry ADDR).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
exec "$venv/bin/python" "$root/examples/hello-world/main.py" "$@"
