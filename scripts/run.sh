#!/usr/bin/env bash
# Builds the node and runs it on the built-in default config (off-chain only, one hello-world
# container run as a local process), submits a job, prints its result, and keeps the node
# running until Ctrl-C. `--once` stops after the job; `--release` builds optimised binaries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

once=false
mode=debug
for arg in "$@"; do
  case "$arg" in
    --once) once=true ;;
    --release) mode=release ;;
    *) echo "usage: scripts/run.sh [--once] [--release]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh >/dev/null
echo "== building ($mode)"
swift build -c "$mode" 2>&1 | grep -E 'error:|Build complete' || true
swift build -c "$mode" >/dev/null
bin=$(swift build -c "$mode" --show-bin-path)

config=${INFERNET_CONFIG_PATH:-deploy/config.default.json}
port=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('server',{}).get('port',4000))" "$config")
echo "== starting infernet-node with $config (HTTP on port $port)"
"$bin/infernet-node" --config "$config" &
node=$!
trap 'kill -TERM $node 2>/dev/null; wait $node 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/info"; echo

echo "== POST /api/jobs"
body='{"containers": ["hello-world"], "data": {"prompt": "What is 2 + 2?"}}'
echo "$body"
id=$(curl -sf -X POST "http://127.0.0.1:$port/api/jobs" -H 'Content-Type: application/json' -d "$body" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "job id: $id"
for _ in $(seq 1 100); do
  result=$(curl -sf "http://127.0.0.1:$port/api/jobs?id=$id")
  case "$result" in *'"running"'*) sleep 0.05 ;; *) break ;; esac
done
echo "== GET /api/jobs?id=$id"
echo "$result" | python3 -m json.tool

if [ "$once" = true ]; then exit 0; fi
echo "== the node keeps running on http://127.0.0.1:$port (Ctrl-C to stop)"
wait $node
