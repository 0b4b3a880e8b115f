"""Memoized BN254 precompiles (ecAdd 0x06, ecMul 0x07, ecPairing 0x08) for the devnet's py-evm.

They are pure functions of their input bytes, so caching their results changes nothing but
time. py-evm computes them in pure Python (a pairing takes seconds), and a node delivering a
Halo2 proof runs the same verification several times (eth_estimateGas searches, then the
transaction): without the cache that keeps the devnet busy past a JSON-RPC client's deadline.
Gas is charged by the callers as before; failed inputs (exceptions) are not cached.
"""
from __future__ import annotations

import functools
import importlib


def _memoize(module_name: str, name: str, size: int) -> None:
    # the module itself: `eth.precompiles.ecpairing` the attribute is the function of that name
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    if getattr(original, "devnet_memoized", False):
        return
    cached = functools.lru_cache(maxsize=size)(original)

    def memoized(data):
        return cached(bytes(data))

    memoized.devnet_memoized = True
    setattr(module, name, memoized)


def install() -> None:
    """Idempotent; the precompiles read these module globals on every call."""
    _memoize("eth.precompiles.ecpairing", "_ecpairing", 256)
    _memoize("eth.precompiles.ecmul", "_ecmull", 8192)
    _memoize("eth.precompiles.ecadd", "_ecadd", 8192)
