"""Infernet devnet: a local Ethereum JSON-RPC chain (pyrevm or py-evm), with the Infernet SDK contracts."""
import os

# the chain (py-evm, pyrevm) is imported when first used, not with the package: devnet.client is
# standard library only and is imported from venvs that have no EVM
_LAZY = {"DEFAULT_CHAIN_ID": "chainbase", "DEFAULT_KEYS": "chainbase", "RPCError": "chainbase", "DevChain": "chain"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        from .chain import DevChain
        return DevChain(**kw)
    if backend == "pyrevm":
        from .revm_chain import RevmChain
        return RevmChain(**kw)
    raise ValueError(f"unknown devnet backend {backend!r}: expected one of {', '.join(BACKENDS)}")
