"""python -m devnet: start the dev chain (optionally with the Infernet contracts deployed)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time

from . import BACKEND_ENV, BACKENDS, default_backend, make_chain
from .chainbase import DEFAULT_BALANCE, DEFAULT_CHAIN_ID, DEFAULT_KEYS
from .server import DevnetServer

DEPLOY_BACKDATE_S = 60


def main(argv=None):
    t0 = time.monotonic()
    ap = argparse.ArgumentParser(prog="python -m devnet", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8545, help="0 = pick a free port (printed on the ready line)")
    ap.add_argument("--chain-id", type=int, default=DEFAULT_CHAIN_ID)
    ap.add_argument("--block-time", type=float, default=None, help="seconds between blocks (default: automine)")
    ap.add_argument("--accounts", type=int, default=10, help="prefunded accounts with keys 0x..01 .. 0x..N (max 10)")
    ap.add_argument("--balance", type=int, default=DEFAULT_BALANCE // 10**18, help="ETH per prefunded account")
    ap.add_argument("--deploy", action="store_true", help="deploy the Infernet SDK contracts at start-up")
    ap.add_argument("--with-test-contracts", action="store_true", default=True, help=argparse.SUPPRESS)
    ap.add_argument("--min-tip", type=int, default=0, metavar="WEI",
                    help="transaction pool: txs whose priority fee is below WEI wait instead of being mined (0 = off)")
    ap.add_argument("--fee", type=int, default=0, help="protocol fee in basis points for the deployed Fee contract")
    ap.add_argument("--addresses-out", metavar="FILE", help="write the deployed addresses (registry first) as JSON")
    ap.add_argument("--fault-delay-ms", type=int, default=0)
    ap.add_argument("--fault-error-rate", type=float, default=0.0)
    ap.add_argument("--fault-drop-rate", type=float, default=0.0)
    ap.add_argument("--log-level", default="WARNING")
    ap.add_argument("--backend", choices=BACKENDS, default=None,
                    help=f"execution backend (default: ${BACKEND_ENV}, else pyrevm)")
    a = ap.parse_args(argv)
    try:
        backend = a.backend or default_backend()
    except ValueError as e:
        ap.error(str(e))
    if a.min_tip < 0:
        ap.error("--min-tip must be >= 0")
    logging.basicConfig(level=a.log_level.upper(), format="%(asctime)s devnet %(levelname)s %(message)s")

    keys = DEFAULT_KEYS[: max(1, min(a.accounts, len(DEFAULT_KEYS)))]
    # with --deploy the genesis and the deploy blocks lie in the past (one second apart, automine
    # gives each transaction its own block), so that the ~20 deploy blocks do not push timestamps
    # ahead of the wall clock (before: +13..17 s, blocks must be >= 1 s apart)
    backdate = DEPLOY_BACKDATE_S if a.deploy else 0
    chain = make_chain(backend, chain_id=a.chain_id, keys=keys, balance=a.balance * 10**18,
                       genesis_timestamp=int(time.time()) - backdate)
    addresses = {}
    if a.deploy:
        chain.time_offset = -backdate
        from web3 import Web3
        from contracts.deploy import deploy_all
        from .provider import InProcessProvider
        w3 = Web3(InProcessProvider(chain))
        from eth_account import Account
        allow = [Account.from_key(k).address for k in DEFAULT_KEYS[:3]]
        addresses = deploy_all(w3, DEFAULT_KEYS[0], fee_bps=a.fee, test_contracts=True, allowlist=allow, log=None)
        chain.time_offset = 0
        with chain.lock:
            chain.mine()  # an empty block at the wall clock: the head tracks the clock from the start
    chain.set_min_tip(a.min_tip)  # after --deploy, whose transactions must not wait in the pool
    srv = DevnetServer(chain, host=a.host, port=a.port, block_time=a.block_time)
    srv.addresses = addresses
    if a.fault_delay_ms or a.fault_error_rate or a.fault_drop_rate:
        srv.faults.update({"delayMs": a.fault_delay_ms, "errorRate": a.fault_error_rate, "dropRate": a.fault_drop_rate})
    srv.start()
    if a.addresses_out:  # written once the server listens: the file's existence means "ready"
        tmp = a.addresses_out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(addresses, f, indent=2)
        os.replace(tmp, a.addresses_out)  # atomic: readers never see half a file
    ready = {"rpc": srv.url, "port": srv.port, "chainId": a.chain_id, "backend": backend, "startupSeconds": round(time.monotonic() - t0, 3),
             "addresses": addresses}
    # handlers before the ready line: a SIGTERM right after it must still stop cleanly (exit 0)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("DEVNET READY " + json.dumps(ready), flush=True)

    while not stop.wait(0.5):
        pass
    srv.stop()
    print("DEVNET STOPPED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
