"""The optimistic route's verifier agent: the SDK's OptimisticVerifier stores each delivered proof
(`ProofRequested`, `pendingProof`); this agent, the verifier's owner, reads the stored bytes,
rebuilds ezkl's proof JSON from them (the verifyProof calldata: proof bytes + public values),
verifies it off chain with ezkl against the model's artifacts, and posts the verdict with
`finalize(subscriptionId, interval, node, valid)` (valid pays the node, invalid slashes it).

`python -m services.ezkl agent --rpc URL --verifier ADDRESS --artifacts DIR [--key-env VAR]
    [--from-block N] [--count N] [--timeout S]`

The key (the OptimisticVerifier's owner) is read from the environment variable named by
--key-env (default EZKL_AGENT_KEY), never from argv, never printed. --count N stops after N
verdicts (default: run until --timeout, 0 = forever).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from eth_abi import decode as abi_decode

from .service import FIELD, Circuit


def proof_json(calldata: bytes, version: str = "23.0.5") -> dict:
    """ezkl's proof JSON for verifyProof(bytes proof, uint256[] instances) calldata."""
    if len(calldata) < 4:
        raise ValueError("proof calldata shorter than a selector")
    proof, instances = abi_decode(["bytes", "uint256[]"], calldata[4:])
    for value in instances:
        if value >= FIELD:
            raise ValueError("a public value is not a field element")
    return {"protocol": None, "instances": [[v.to_bytes(32, "little").hex() for v in instances]],
            "proof": list(proof), "hex_proof": "0x" + proof.hex(), "split": None,
            "pretty_public_inputs": None, "timestamp": None, "version": version}


def verdict(circuit: Circuit, calldata: bytes) -> bool:
    try:
        proof = proof_json(calldata)
    except Exception:  # noqa: BLE001 - undecodable bytes are an invalid proof
        return False
    return circuit.verify(proof)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m services.ezkl agent", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rpc", required=True)
    ap.add_argument("--verifier", required=True, help="the OptimisticVerifier's address")
    ap.add_argument("--artifacts", required=True, type=Path, help="the model's artifacts directory")
    ap.add_argument("--key-env", default="EZKL_AGENT_KEY")
    ap.add_argument("--from-block", type=int, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=0, help="seconds; 0 = no limit")
    ap.add_argument("--poll", type=float, default=0.5)
    a = ap.parse_args(argv)
    key = os.environ.get(a.key_env, "")
    if not key:
        ap.error(f"no key: set ${a.key_env} to the OptimisticVerifier owner's private key")
    if not (a.artifacts / "artifacts.json").is_file():
        ap.error(f"--artifacts: {a.artifacts} has no artifacts.json (run `prepare`)")

    from eth_account import Account
    from web3 import Web3

    from contracts import artifact
    w3 = Web3(Web3.HTTPProvider(a.rpc, request_kwargs={"timeout": 60}))
    account = Account.from_key(key)
    verifier = w3.eth.contract(address=Web3.to_checksum_address(a.verifier),
                               abi=artifact("OptimisticVerifier")["abi"])
    circuit = Circuit(a.artifacts)
    event = verifier.events.ProofRequested
    deadline = time.monotonic() + a.timeout if a.timeout else None
    next_block, done = a.from_block, 0
    while deadline is None or time.monotonic() < deadline:
        head = w3.eth.block_number
        if head >= next_block:
            for entry in event.get_logs(from_block=next_block, to_block=head):
                sid, interval, node = (entry["args"][k] for k in ("subscriptionId", "interval", "node"))
                key_hash = Web3.keccak(w3.codec.encode(["uint32", "uint32", "address"], [sid, interval, node]))
                stored = verifier.functions.pendingProof(key_hash).call()
                started = time.monotonic()
                valid = verdict(circuit, bytes(stored))
                took = time.monotonic() - started
                tx = verifier.functions.finalize(sid, interval, node, valid).build_transaction({
                    "from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                    "gas": 500_000, "chainId": w3.eth.chain_id})
                signed = account.sign_transaction(tx)
                receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction),
                                                              timeout=60, poll_latency=0.1)
                print(json.dumps({"subscription": sid, "interval": interval, "node": node, "valid": valid,
                                  "verify_s": round(took, 4), "finalize_gas": receipt["gasUsed"],
                                  "status": receipt["status"]}), flush=True)
                if receipt["status"] != 1:
                    print(f"finalize reverted for subscription {sid}", file=sys.stderr)
                    return 1
                done += 1
                if a.count and done >= a.count:
                    return 0
            next_block = head + 1
        time.sleep(a.poll)
    if a.count:
        print(f"agent: {done} of {a.count} verdicts before the timeout", file=sys.stderr)
        return 1
    return 0
