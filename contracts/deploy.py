#!/usr/bin/env python3
"""Deploy the Infernet SDK contracts (and optionally the test contracts) with web3.

Library:  deploy_all(w3, private_key, ...) -> {"registry": ..., "coordinator": ..., ...}
CLI:      python -m contracts.deploy --rpc http://host:8545 --key-env DEPLOYER_KEY --out addresses.json
          (the key is read from the environment variable or --key-file, never from argv, never printed)

Order from one deployer (nonces n..n+6): Wallet blueprint, Registry, EIP712Coordinator, Inbox,
Reader, Fee, WalletFactory. The Registry is built with the precomputed addresses of the next five
contracts (as the SDK does), which the others read from it in their constructors; every address
is checked after deployment. Nobody else may send from the deployer key meanwhile.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import rlp
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from contracts import artifact

CORE = ["registry", "coordinator", "inbox", "reader", "fee", "walletFactory"]


def create_address(sender: str, nonce: int) -> str:
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


class Deployer:
    def __init__(self, w3, private_key: str, log=None):
        self.w3 = w3
        self.acct = Account.from_key(private_key)
        self.address = self.acct.address
        self.log = log
        self.chain_id = w3.eth.chain_id
        self.nonce = w3.eth.get_transaction_count(self.address, "pending")

    def _fees(self):
        blk = self.w3.eth.get_block("latest")
        base = blk.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": self.w3.eth.gas_price}
        try:
            tip = self.w3.eth.max_priority_fee
        except Exception:
            tip = 10**9
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip, "type": 2}

    def send(self, to, data: bytes, value=0, gas=None):
        tx = {"from": self.address, "data": "0x" + data.hex(), "value": value, "chainId": self.chain_id,
              "nonce": self.nonce}
        if to:
            tx["to"] = to
        if gas is None:
            est = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}
            gas = self.w3.eth.estimate_gas(est) * 12 // 10 + 20000
        tx["gas"] = gas
        tx.update(self._fees())
        signed = self.acct.sign_transaction(tx)
        h = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        r = self.w3.eth.wait_for_transaction_receipt(h, timeout=120, poll_latency=0.05)
        if r["status"] != 1:
            raise RuntimeError(f"transaction {h.hex()} reverted")
        return r

    def deploy(self, name: str, *args, blueprint=False):
        art = artifact(name)
        code = bytes.fromhex((art["blueprintBytecode"] if blueprint else art["bytecode"])[2:])
        if args:
            c = self.w3.eth.contract(abi=art["abi"], bytecode="0x" + code.hex())
            code = bytes.fromhex(c.constructor(*args).data_in_transaction[2:])
        r = self.send(None, code)
        addr = r["contractAddress"]
        if self.log:
            self.log(f"deployed {name}{' (blueprint)' if blueprint else ''} at {addr}")
        return addr

    def contract(self, name, address):
        return self.w3.eth.contract(address=address, abi=artifact(name)["abi"])

    def transact(self, fn, value=0):
        return self.send(fn.address, bytes.fromhex(fn._encode_transaction_data()[2:]), value=value)


def deploy_core(d: Deployer, fee_bps=0, fee_recipient=None) -> dict:
    n = d.nonce
    planned = {"walletBlueprint": create_address(d.address, n)}
    for i, k in enumerate(CORE):
        planned[k] = create_address(d.address, n + 1 + i)
    got = {"walletBlueprint": d.deploy("Wallet", blueprint=True)}
    got["registry"] = d.deploy("Registry", planned["coordinator"], planned["inbox"], planned["reader"],
                               planned["fee"], planned["walletFactory"])
    got["coordinator"] = d.deploy("EIP712Coordinator", planned["registry"])
    got["inbox"] = d.deploy("Inbox", planned["registry"])
    got["reader"] = d.deploy("Reader", planned["registry"])
    got["fee"] = d.deploy("Fee", fee_recipient or d.address, fee_bps)
    got["walletFactory"] = d.deploy("WalletFactory", planned["registry"], planned["walletBlueprint"])
    if got != planned:
        raise RuntimeError(f"deployed addresses differ from the precomputed ones (was the key used meanwhile?): {got} vs {planned}")
    return {k: got[k] for k in CORE + ["walletBlueprint"]}


def deploy_test_contracts(d: Deployer, core: dict, signer=None, allowlist=None) -> dict:
    reg = core["registry"]
    out = {}
    out["token"] = d.deploy("TestToken", "Infernet Test Token", "ITT", 18)
    out["callbackConsumer"] = d.deploy("CallbackConsumer", reg)
    out["subscriptionConsumer"] = d.deploy("SubscriptionConsumer", reg)
    out["delegatorConsumer"] = d.deploy("DelegatorConsumer", reg, signer or d.address)
    out["revertingConsumer"] = d.deploy("RevertingConsumer", reg)
    out["allowlistConsumer"] = d.deploy("AllowlistConsumer", reg, allowlist if allowlist is not None else [d.address])
    out["atomicVerifier"] = d.deploy("AtomicVerifier", reg, d.address)
    out["optimisticVerifier"] = d.deploy("OptimisticVerifier", reg, d.address)
    for v in ("atomicVerifier", "optimisticVerifier"):
        c = d.contract("AtomicVerifier", out[v])
        for tok in ("0x" + "00" * 20, out["token"]):
            d.transact(c.functions.setToken(to_checksum_address(tok), True, 0))
    return out


def deploy_all(w3, private_key: str, fee_bps=0, fee_recipient=None, test_contracts=True, signer=None,
               allowlist=None, log=print) -> dict:
    d = Deployer(w3, private_key, log=log)
    addrs = deploy_core(d, fee_bps, fee_recipient)
    if test_contracts:
        addrs.update(deploy_test_contracts(d, addrs, signer=signer, allowlist=allowlist))
    return addrs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rpc", default="http://127.0.0.1:8545")
    ap.add_argument("--key-env", default="DEPLOYER_KEY", help="environment variable holding the deployer key")
    ap.add_argument("--key-file", help="file holding the deployer key (overrides --key-env)")
    ap.add_argument("--fee", type=int, default=0, help="protocol fee, basis points")
    ap.add_argument("--fee-recipient", help="default: the deployer")
    ap.add_argument("--no-test-contracts", action="store_true", help="deploy only the SDK contracts")
    ap.add_argument("--out", help="write the addresses JSON here (registry first)")
    a = ap.parse_args(argv)
    key = open(a.key_file).read().strip() if a.key_file else os.environ.get(a.key_env)
    if not key:
        sys.exit(f"no deployer key: set ${a.key_env} or pass --key-file")
    from web3 import Web3
    w3 = Web3(Web3.HTTPProvider(a.rpc, request_kwargs={"timeout": 120}))
    addrs = deploy_all(w3, key, fee_bps=a.fee, fee_recipient=a.fee_recipient, test_contracts=not a.no_test_contracts,
                       log=lambda m: print(m, file=sys.stderr))
    text = json.dumps(addrs, indent=2)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
