"""Infernet devnet: a local Ethereum JSON-RPC chain on py-evm, with the Infernet SDK contracts."""
from .chain import DevChain, RPCError, DEFAULT_KEYS, DEFAULT_CHAIN_ID  # noqa: F401
