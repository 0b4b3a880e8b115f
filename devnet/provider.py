"""An in-process web3 provider that talks to a DevChain without HTTP (fast tests, in-process deploys)."""
from __future__ import annotations

import itertools

from web3.providers.base import JSONBaseProvider

from .chainbase import ChainBase as DevChain, RPCError
from .rpc import Methods


class InProcessProvider(JSONBaseProvider):
    def __init__(self, chain: DevChain, methods: Methods | None = None):
        super().__init__()
        self.chain = chain
        self.methods = methods or Methods(chain)
        self._ids = itertools.count(1)

    def make_request(self, method, params):
        i = next(self._ids)
        try:
            return {"jsonrpc": "2.0", "id": i, "result": self.methods.dispatch(method, list(params or []))}
        except RPCError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = e.data
            return {"jsonrpc": "2.0", "id": i, "error": err}

    def is_connected(self, show_traceback=False):
        return True
