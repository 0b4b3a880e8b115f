#!/usr/bin/env bash
# The gpt4 example in one command: devnet + local OpenAI-format server + PromptsGPT (Vyper) + infernet-node + a REST job +
# an on-chain request, the completion printed, everything stopped. Options: --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(bash "$root/scripts/setup.sh" | tail -1)
exec "$venv/bin/python" "$root/examples/gpt4/main.py" "$@"
