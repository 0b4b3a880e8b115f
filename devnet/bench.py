"""python -m devnet.bench: both execution backends side by side, in one run.

Per backend: start-up time with the contracts deployed, block timestamp minus wall clock right after
start-up (--deploy), sequential raw tx/s (automine, one transaction per block), deliverCompute gas,
round-trip times; then the pyrevm/py-evm ratios.
Usage: python -m devnet.bench [--backends pyevm,pyrevm] [--txs-pyevm 200] [--txs-pyrevm 2000]
"""
from __future__ import annotations

import time

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from devnet.client import DEVNET_KEYS, ZERO, Devnet, sign_transaction

KEY, NODE = DEVNET_KEYS[1], DEVNET_KEYS[2]


def sel(sig):
    return keccak(text=sig)[:4]


class Backend:
    """One devnet process with the contracts; its sequential-transaction run can be done in chunks, so
    that two backends measured in one run alternate and see the same machine load."""

    def __init__(self, backend: str, N: int):
        t0 = time.monotonic()
        self.backend, self.N = backend, N
        self.devnet = Devnet(backend=backend).start()
        self.info = info = self.devnet.info
        self.rpc = rpc = self.devnet.rpc
        head = rpc.block("latest")
        self.drift_ready = int(head["timestamp"], 16) - time.time()
        self.startup = time.monotonic() - t0
        self.base = int(head["baseFeePerGas"], 16)
        # sequential raw transactions (Inbox.write: storage writes + an event, one tx per block)
        n0 = rpc.nonce(Account.from_key(KEY).address)
        data = sel("write(bytes32,bytes,bytes,bytes)") + encode(["bytes32", "bytes", "bytes", "bytes"], [b"\x01" * 32, b"", b"x", b""])
        self.raws = [self.tx(KEY, info["addresses"]["inbox"], data, n0 + i) for i in range(N)]
        self.sent, self.seconds = 0, 0.0

    def tx(self, key, to, data, nonce, gas=500_000):
        return sign_transaction(key, self.info["chainId"], nonce, to, data, gas, max_fee=10 * self.base + 10**9)

    def send_chunk(self, k: int):
        chunk = self.raws[self.sent:self.sent + k]
        t = time.monotonic()
        for r in chunk:
            h = self.rpc.send_raw(r)
        assert self.rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
        self.seconds += time.monotonic() - t
        self.sent += len(chunk)

    def stop(self):
        self.devnet.stop()

    def finish(self) -> dict:
        try:
            return self._rest()
        finally:
            self.stop()

    def _rest(self) -> dict:
        rpc, info, a, N = self.rpc, self.info, self.info["addresses"], self.sent
        tps = N / self.seconds
        drift_burst = int(rpc.block("latest")["timestamp"], 16) - time.time()
        acct, node = Account.from_key(KEY), Account.from_key(NODE)
        tx = self.tx

        # deliverCompute gas, callback without / with payment (ETH, no fee, no verifier)
        def send(key, to, data):
            n = rpc.nonce(Account.from_key(key).address)
            return rpc.wait_receipt(rpc.send_raw(tx(key, to, data, n, gas=3_000_000)))

        def request(amount, wallet):
            r = send(KEY, a["callbackConsumer"], sel("requestCompute(string,bytes,uint16,address,uint256,address,address)") +
                     encode(["string", "bytes", "uint16", "address", "uint256", "address", "address"], ["bench", b"in", 1, ZERO, amount, wallet, ZERO]))
            return int(r["logs"][0]["topics"][1], 16)

        out = b"o" * 32

        def deliver(sid, wallet):
            data = sel("deliverCompute(uint32,uint32,bytes,bytes,bytes,address)") + encode(
                ["uint32", "uint32", "bytes", "bytes", "bytes", "address"], [sid, 1, b"in", out, b"", wallet])
            return int(send(NODE, a["coordinator"], data)["gasUsed"], 16)

        gas_free = deliver(request(0, ZERO), ZERO)

        def new_wallet(owner):
            r = send(KEY, a["walletFactory"], sel("createWallet(address)") + encode(["address"], [owner]))
            from eth_utils import to_checksum_address
            return to_checksum_address("0x" + r["logs"][-1]["data"][-40:])
        cw, nw = new_wallet(acct.address), new_wallet(node.address)
        rpc.send_transaction(acct.address, cw, value=10**18)
        send(KEY, cw, sel("approve(address,address,uint256)") + encode(["address", "address", "uint256"], [a["callbackConsumer"], ZERO, 10**18]))
        gas_paid = deliver(request(10**15, cw), nw)
        t = time.monotonic()
        for _ in range(50):
            rpc.block_number()
        bn_ms = (time.monotonic() - t) / 50 * 1000
        t = time.monotonic()
        for _ in range(50):
            rpc("eth_call", {"to": a["registry"], "data": "0x" + sel("COORDINATOR()").hex()}, "latest")
        call_ms = (time.monotonic() - t) / 50 * 1000
        return {"startup": self.startup, "drift_ready": self.drift_ready, "tps": tps, "N": N, "drift_burst": drift_burst,
                "gas_free": gas_free, "gas_paid": gas_paid, "bn_ms": bn_ms, "call_ms": call_ms, "out": len(out)}


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="python -m devnet.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="pyevm,pyrevm")
    ap.add_argument("--txs-pyevm", type=int, default=200)
    ap.add_argument("--txs-pyrevm", type=int, default=2000)
    a = ap.parse_args(argv)
    names = a.backends.split(",")
    nets = {}
    try:
        for b in names:
            nets[b] = Backend(b, getattr(a, "txs_" + b))
        # alternate chunks so that both backends see the same machine load
        rounds = 10
        for i in range(rounds):
            for b in names:
                nets[b].send_chunk(-(-nets[b].N // rounds))
        res = {b: nets[b].finish() for b in names}
    finally:
        for d in nets.values():
            d.stop()
    for b in names:
        m = res[b]
        print(f"== {b}")
        print(f"start-up with contracts deployed (launch -> first answer): {m['startup']:.2f} s")
        print(f"latest block timestamp - wall clock right after start-up (--deploy): {m['drift_ready']:+.1f} s")
        print(f"sequential raw transactions (Inbox.write, automine, 1 tx/block): {m['tps']:.0f} tx/s over {m['N']}")
        print(f"  latest block timestamp - wall clock after that burst: {m['drift_burst']:+.1f} s "
              "(blocks are >= 1 s apart; the clock catches up once blocks come slower)")
        print(f"deliverCompute gas, callback, no payment ({m['out']}-byte output): {m['gas_free']}")
        print(f"deliverCompute gas, callback, ETH payment (no fee, no verifier): {m['gas_paid']}")
        print(f"eth_blockNumber round trip: {m['bn_ms']:.2f} ms; eth_call round trip: {m['call_ms']:.2f} ms")
    if "pyevm" in res and "pyrevm" in res:
        r, e = res["pyrevm"], res["pyevm"]
        print("== pyrevm / py-evm, same run")
        print(f"tx/s: {r['tps']:.0f} / {e['tps']:.0f} = {r['tps'] / e['tps']:.1f}x (target >= 20x)")
        print(f"start-up: {r['startup']:.2f} / {e['startup']:.2f} s; eth_call round trip: {r['call_ms']:.2f} / {e['call_ms']:.2f} ms")


if __name__ == "__main__":
    main()
