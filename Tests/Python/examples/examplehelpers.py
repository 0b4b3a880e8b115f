"""Helpers of the examples' tests: the shared devnet, eth_call, the node's binaries."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEVNET_KEYS = {i: "0x" + format(i, "064x") for i in range(1, 11)}


class Chain:
    """`python -m devnet --port 0 --deploy`, shared by the examples' tests."""

    def __init__(self, log_path: Path) -> None:
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "devnet", "--port", "0", "--deploy"], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=self.log, start_new_session=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        info = None
        deadline = time.monotonic() + 90
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith(b"DEVNET READY "):
                info = json.loads(line[len(b"DEVNET READY "):])
                break
        if info is None:
            self.stop()
            raise RuntimeError(f"the devnet did not start: {log_path.read_text(errors='replace')[-3000:]}")
        self.rpc: str = info["rpc"]
        self.addresses: dict = info["addresses"]
        from web3 import Web3
        self.w3 = Web3(Web3.HTTPProvider(self.rpc, request_kwargs={"timeout": 30}))

    def call(self, to: str, signature: str, args: list, returns: list[str]):
        """eth_call of `signature` (e.g. "predictedClass(uint32)") on `to`, decoded as `returns`."""
        from eth_abi import decode, encode
        from eth_utils import keccak
        name, _, rest = signature.partition("(")
        types = [t for t in rest.rstrip(")").split(",") if t]
        data = keccak(text=signature)[:4] + encode(types, args)
        raw = self.w3.eth.call({"to": self.w3.to_checksum_address(to), "data": data})
        values = decode(returns, raw)
        return values[0] if len(values) == 1 else values

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()


def bin_dir() -> str:
    explicit = os.environ.get("INFERNET_BIN_DIR", "")
    if explicit:
        return explicit
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True)
    found = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else ""
    if not found or not (Path(found) / "infernet-node").exists():
        pytest.fail("the node's binaries are needed: set INFERNET_BIN_DIR or run `swift build` "
                    "(scripts/test.sh does)")
    return found
