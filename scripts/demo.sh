#!/usr/bin/env bash
# On-chain demo (`make demo`): builds the node (debug), starts the devnet with the SDK contracts,
# writes a node config with chain enabled serving one hello-world container, starts the node, makes
# a request from the CallbackConsumer contract, waits for the node's delivery, prints the result
# read back from the consumer (decoded string) and the transaction hashes, then stops everything.
# Usage: scripts/demo.sh [--bin DIR] [--input TEXT] [--timeout S] [--keep]
#   --bin DIR   use the node binaries in DIR instead of building (e.g. .build/debug)
#   --keep      keep the work directory (config, logs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bin=""
input="What is 2 + 2?"
timeout=90
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?--bin needs a directory}; shift 2 ;;
    --input) input=${2?--input needs text}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "usage: scripts/demo.sh [--bin DIR] [--input TEXT] [--timeout S] [--keep]" >&2; exit 2 ;;
  esac
done

fail() { echo "demo: FAILED: $*" >&2; exit 1; }

venv=$(bash scripts/setup.sh | tail -1) || fail "scripts/setup.sh could not prepare the Python environment"
py="$venv/bin/python"

if [ -z "$bin" ]; then
  echo "== building (debug)"
  swift build 2>&1 | grep -E 'error:|Build complete' || true
  swift build >/dev/null 2>&1 || fail "swift build failed (run 'swift build' to see why)"
  bin=$(swift build --show-bin-path)
fi
bin_dir=$(cd "$bin" 2>/dev/null && pwd) || fail "no such directory: $bin"
bin=$bin_dir
for exe in infernet-node infernet-gateway infernet-compute infernet-chain infernet-payment infernet-hello-world; do
  [ -x "$bin/$exe" ] || fail "$bin/$exe is missing (build with 'swift build', or pass --bin DIR)"
done

work=$(mktemp -d /tmp/infernet-demo.XXXXXX)
devnet_pid=""
node_pid=""
status=1
cleanup() {
  set +e
  if [ "$status" -ne 0 ]; then
    if [ -s "$work/node.log" ]; then
      echo "---- node log (last 60 lines: $work/node.log) ----" >&2
      tail -n 60 "$work/node.log" >&2
    fi
    if [ -s "$work/devnet.log" ]; then
      echo "---- devnet log (last 20 lines) ----" >&2
      tail -n 20 "$work/devnet.log" >&2
    fi
  fi
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$node_pid" 2>/dev/null
    wait "$node_pid" 2>/dev/null
  fi
  if [ -n "$devnet_pid" ] && kill -0 "$devnet_pid" 2>/dev/null; then
    kill -TERM "$devnet_pid" 2>/dev/null
    wait "$devnet_pid" 2>/dev/null
  fi
  if [ "$keep" = true ] || [ "$status" -ne 0 ]; then
    echo "demo: work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

echo "== starting the devnet with the Infernet contracts"
"$py" -m devnet --port 0 --deploy --addresses-out "$work/addresses.json" >"$work/devnet.out" 2>"$work/devnet.log" &
devnet_pid=$!
for _ in $(seq 1 600); do
  grep -q '^DEVNET READY' "$work/devnet.out" 2>/dev/null && break
  kill -0 "$devnet_pid" 2>/dev/null || fail "the devnet exited during start-up"
  sleep 0.1
done
grep -q '^DEVNET READY' "$work/devnet.out" || fail "the devnet was not ready within 60 s"
rpc=$("$py" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline()[len("DEVNET READY "):])["rpc"])' "$work/devnet.out")
echo "devnet: $rpc"

"$py" - "$work" "$bin" "$rpc" <<'EOF' || fail "could not write the node config"
import json, os, socket, sys
work, bin_dir, rpc = sys.argv[1:]
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
addresses = json.load(open(os.path.join(work, "addresses.json")))
port = free_port()
config = {
    "server": {"port": port, "bind_address": "127.0.0.1"},
    "containers": [{"id": "hello-world", "command": os.path.join(bin_dir, "infernet-hello-world"), "port": free_port()}],
    "chain": {"enabled": True, "rpc_url": rpc, "registry_address": addresses["registry"], "trail_head_blocks": 0,
              # devnet key 2: a public development key, never use it on a real chain
              "wallet": {"private_key": "0x" + "00" * 31 + "02"},
              "snapshot_sync": {"sleep": 0, "sync_period": 0.5}},
    "node": {"data_dir": os.path.join(work, "var")},
}
json.dump(config, open(os.path.join(work, "config.json"), "w"), indent=2)
open(os.path.join(work, "port"), "w").write(str(port))
print(f"node config: {os.path.join(work, 'config.json')} (chain enabled, registry {addresses['registry']}, container hello-world)")
EOF
port=$(cat "$work/port")

echo "== starting infernet-node (HTTP on port $port)"
INFERNET_BIN_DIR="$bin" "$bin/infernet-node" --config "$work/config.json" >"$work/node.log" 2>&1 &
node_pid=$!
healthy=false
for _ in $(seq 1 600); do
  kill -0 "$node_pid" 2>/dev/null || fail "infernet-node exited during start-up"
  if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then healthy=true; break; fi
  sleep 0.1
done
[ "$healthy" = true ] || fail "infernet-node was not healthy within 60 s"
echo "node: healthy"

echo "== on-chain request from the CallbackConsumer"
"$py" -m devnet.onchain_request --rpc "$rpc" --addresses "$work/addresses.json" --container hello-world \
  --input "$input" --timeout "$timeout" || fail "no delivery (see the node log below)"
status=0
echo "== done: stopping the node and the devnet"
