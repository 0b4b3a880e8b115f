"""Helpers of the examples' tests: the shared devnet (devnet.client), eth_call, the node's binaries."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from devnet.client import DEVNET_KEYS, Devnet  # noqa: E402,F401


class Chain(Devnet):
    """`python -m devnet --port 0 --deploy` (this venv's interpreter), shared by the examples'
    tests."""

    def __init__(self, log_path: Path) -> None:
        super().__init__(log_path=log_path)

    def call(self, to: str, signature: str, args: list, returns: list[str]):
        """eth_call of `signature` (e.g. "predictedClass(uint32)") on `to`, decoded as `returns`."""
        from eth_abi import decode, encode
        from eth_utils import keccak
        name, _, rest = signature.partition("(")
        types = [t for t in rest.rstrip(")").split(",") if t]
        data = keccak(text=signature)[:4] + encode(types, args)
        values = decode(returns, self.rpc.eth_call(to, data))
        return values[0] if len(values) == 1 else values


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
