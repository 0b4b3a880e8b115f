#!/usr/bin/env bash
# The tgi-llm example in one command: devnet + local TGI-format server + Prompter (Vyper) + infernet-node + a REST job +
# an on-chain request, the generated text printed, everything stopped. Options: --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
exec "$venv/bin/python" "$root/examples/tgi-llm/main.py" "$@"
