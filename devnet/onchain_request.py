"""python -m devnet.onchain_request: one on-chain request from the CallbackConsumer, waited for until a
node delivers it; prints the transaction hashes and the delivered output (decoded string). Used by
scripts/demo.sh (`make demo`).

Usage: python -m devnet.onchain_request --rpc URL --addresses FILE [--container ID] [--input TEXT]
       [--key-index N] [--timeout S]
Exit status: 0 delivered, 1 not delivered within the timeout (or the request failed).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import re

from eth_abi import decode
from eth_utils import to_checksum_address

from devnet.client import DEVNET_KEYS, RPC, RPCError, Signer
from devnet.node_bench import FULFILLED, created_id, request_data, sel
from eth_abi import encode


def call(rpc, to, sig, types, args, returns):
    return decode(returns, rpc.eth_call(to, sel(sig) + encode(types, args)))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m devnet.onchain_request", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rpc", required=True)
    ap.add_argument("--addresses", required=True, help="the devnet's --addresses-out file")
    ap.add_argument("--container", default="hello-world")
    ap.add_argument("--input", default="What is 2 + 2?")
    ap.add_argument("--key-index", type=int, default=3, help="devnet key of the requester (default 3)")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args(argv)
    addresses = json.load(open(a.addresses))
    consumer, coordinator = addresses["callbackConsumer"], addresses["coordinator"]
    rpc = RPC(a.rpc)
    signer = Signer(rpc, DEVNET_KEYS[a.key_index])
    try:
        r = signer.send(consumer, request_data(a.container, a.input.encode()), 400_000)
    except RPCError as e:
        print(f"request failed: {e}", file=sys.stderr)
        return 1
    sid = created_id(r, coordinator)
    print(f"request:  CallbackConsumer.requestCompute({a.container!r}, {a.input!r}) from {signer.address}")
    print(f"          tx {r['transactionHash']} (block {int(r['blockNumber'], 16)}), subscription id {sid}")
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    while True:
        (count,) = call(rpc, consumer, "receivedCount(uint32)", ["uint32"], [sid], ["uint256"])
        if count >= 1:
            break
        if time.monotonic() > deadline:
            print(f"no delivery for subscription {sid} within {a.timeout:g} s", file=sys.stderr)
            return 1
        time.sleep(0.2)
    logs = rpc("eth_getLogs", {"address": coordinator, "topics": [FULFILLED, "0x" + f"{sid:064x}"],
                               "fromBlock": r["blockNumber"], "toBlock": "latest"})
    (output,) = call(rpc, consumer, "lastOutput(uint32)", ["uint32"], [sid], ["bytes"])
    (node,) = call(rpc, consumer, "lastNode(uint32)", ["uint32"], [sid], ["address"])
    try:
        (text,) = decode(["string"], output)
    except Exception:  # noqa: BLE001 - not an abi-encoded string: show the bytes
        text = "0x" + output.hex()
    for log in logs:
        print(f"delivery: Coordinator.deliverCompute by node {to_checksum_address(node)}, {time.monotonic() - t0:.1f} s after the request")
        print(f"          tx {log['transactionHash']} (block {int(log['blockNumber'], 16)})")
    print(f"result:   {text}")
    m = re.search(r"'data': '([0-9a-f]*)'", text)
    if m:
        print(f"          (the container saw the input bytes as {bytes.fromhex(m.group(1)).decode(errors='replace')!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
