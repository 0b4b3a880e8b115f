"""In-process chain with all contracts deployed once per session; every test runs inside an
evm_snapshot/evm_revert pair so tests are independent and fast."""
from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from contracts import artifact
from contracts.deploy import deploy_all
from devnet import make_chain
from devnet.chainbase import DEFAULT_KEYS, RPCError
from devnet.provider import InProcessProvider

ZERO = "0x" + "00" * 20
DEPLOYER, NODE, NODE2, ALICE, BOB = DEFAULT_KEYS[:5]


def sel(sig: str) -> bytes:
    return keccak(text=sig)[:4]


class Reverted(Exception):
    def __init__(self, data: bytes, message=""):
        super().__init__(f"reverted: 0x{data.hex()} {message}")
        self.data = data


class Ctx:
    def __init__(self):
        self.chain = make_chain(chain_id=1337)  # $DEVNET_BACKEND, else pyrevm
        self.w3 = Web3(InProcessProvider(self.chain))
        self.addr = deploy_all(self.w3, DEPLOYER, fee_bps=0, allowlist=[Account.from_key(NODE).address], log=None)
        names = {"registry": "Registry", "coordinator": "EIP712Coordinator", "inbox": "Inbox", "reader": "Reader",
                 "fee": "Fee", "walletFactory": "WalletFactory", "token": "TestToken",
                 "callbackConsumer": "CallbackConsumer", "subscriptionConsumer": "SubscriptionConsumer",
                 "delegatorConsumer": "DelegatorConsumer", "revertingConsumer": "RevertingConsumer",
                 "allowlistConsumer": "AllowlistConsumer", "atomicVerifier": "AtomicVerifier",
                 "optimisticVerifier": "OptimisticVerifier"}
        self.c = {k: self.at(v, self.addr[k]) for k, v in names.items()}
        self.nonces = {}

    def at(self, name, address):
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifact(name)["abi"])

    def address(self, key):
        return Account.from_key(key).address

    # ---- time
    @property
    def now(self):
        return self.w3.eth.get_block("latest")["timestamp"]

    def set_next_time(self, ts):
        with self.chain.lock:
            self.chain.set_next_timestamp(ts)

    # ---- transactions
    def _params(self, fn, key, value):
        return {"from": bytes.fromhex(self.address(key)[2:]), "to": bytes.fromhex(fn.address[2:]),
                "data": bytes.fromhex(fn._encode_transaction_data()[2:]), "value": value}

    def simulate(self, fn, key=DEPLOYER, value=0):
        """Run fn as the next transaction would (pending block, its timestamp); Reverted on revert."""
        with self.chain.lock:
            self.chain._prepare_pending_timestamp()
            try:
                return self.chain.call(self._params(fn, key, value), "pending")
            except RPCError as e:
                raise Reverted(bytes.fromhex(e.data[2:]) if e.data else b"", e.message)

    def send(self, fn, key=DEPLOYER, value=0, gas=8_000_000):
        """Simulate, then mine fn as a signed transaction; returns the receipt (status 1)."""
        self.simulate(fn, key, value)
        acct = Account.from_key(key)
        with self.chain.lock:
            nonce = self.chain.get_nonce(bytes.fromhex(acct.address[2:]), "pending")
            base = self.chain.pending_base_fee
        tx = {"type": 2, "chainId": 1337, "nonce": nonce, "to": fn.address, "value": value, "gas": gas,
              "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9,
              "data": fn._encode_transaction_data()}
        h = self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        r = self.w3.eth.get_transaction_receipt(h)
        assert r["status"] == 1, f"mined but reverted: {r}"
        return r

    def revert_data(self, fn, key=DEPLOYER, value=0) -> bytes:
        with pytest.raises(Reverted) as ei:
            self.simulate(fn, key, value)
        return ei.value.data

    def expect_error(self, fn, name, key=DEPLOYER, value=0):
        data = self.revert_data(fn, key, value)
        assert data == sel(name + "()"), f"expected {name} ({sel(name + '()').hex()}), got 0x{data.hex()}"
        # and the same revert happens when it is mined (status 0, not just in simulation)
        acct = Account.from_key(key)
        with self.chain.lock:
            nonce = self.chain.get_nonce(bytes.fromhex(acct.address[2:]), "pending")
            base = self.chain.pending_base_fee
        tx = {"type": 2, "chainId": 1337, "nonce": nonce, "to": fn.address, "value": value, "gas": 3_000_000,
              "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9, "data": fn._encode_transaction_data()}
        h = self.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        assert self.w3.eth.get_transaction_receipt(h)["status"] == 0

    def events(self, receipt, contract_key, event):
        ev = getattr(self.c[contract_key].events, event)()
        return [e["args"] for e in ev.process_receipt(receipt, errors=__import__("web3").logs.DISCARD)]

    # ---- domain helpers
    def new_wallet(self, owner_key):
        fn = self.c["walletFactory"].functions.createWallet(self.address(owner_key))
        r = self.send(fn, owner_key)
        w = self.events(r, "walletFactory", "WalletCreated")[0]["wallet"]
        return self.at("Wallet", w)

    def sub_id_from(self, receipt):
        return self.events(receipt, "coordinator", "SubscriptionCreated")[0]["id"]

    def request(self, consumer="callbackConsumer", container="c1", inputs=b"in", redundancy=1, token=ZERO,
                amount=0, wallet=ZERO, verifier=ZERO, key=DEPLOYER):
        fn = self.c[consumer].functions.requestCompute(container, inputs, redundancy, token, amount, wallet, verifier)
        return self.sub_id_from(self.send(fn, key))

    def subscribe(self, consumer="subscriptionConsumer", container="c1", frequency=3, period=60, redundancy=1,
                  lazy=False, token=ZERO, amount=0, wallet=ZERO, verifier=ZERO, key=DEPLOYER):
        fn = self.c[consumer].functions.createComputeSubscription(container, frequency, period, redundancy, lazy,
                                                                  token, amount, wallet, verifier)
        return self.sub_id_from(self.send(fn, key))

    def deliver_fn(self, sid, interval=1, inp=b"input", out=b"output", proof=b"", node_wallet=ZERO):
        return self.c["coordinator"].functions.deliverCompute(sid, interval, inp, out, proof, node_wallet)

    def deliver(self, sid, interval=1, key=NODE, **kw):
        return self.send(self.deliver_fn(sid, interval, **kw), key)
