"""Infernet devnet: a local Ethereum JSON-RPC chain (pyrevm or py-evm), with the Infernet SDK contracts."""
import os

from .chainbase import DEFAULT_CHAIN_ID, DEFAULT_KEYS, RPCError  # noqa: F401
from .chain import DevChain  # noqa: F401

BACKENDS = ("pyrevm", "pyevm")
DEFAULT_BACKEND = "pyrevm"
BACKEND_ENV = "DEVNET_BACKEND"


def default_backend() -> str:
    """$DEVNET_BACKEND, else pyrevm. A bad value is an error naming the variable."""
    b = os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND
    if b not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={b!r}: expected one of {', '.join(BACKENDS)}")
    return b


def make_chain(backend: str | None = None, **kw):
    """A chain on the given execution backend (default: default_backend()); kw as DevChain's."""
    backend = backend or default_backend()
    if backend == "pyevm":
        return DevChain(**kw)
    if backend == "pyrevm":
        from .revm_chain import RevmChain
        return RevmChain(**kw)
    raise ValueError(f"unknown devnet backend {backend!r}: expected one of {', '.join(BACKENDS)}")
