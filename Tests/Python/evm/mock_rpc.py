"""A scripted Ethereum JSON-RPC server for the Swift client's tests.

Prints its port on the first line of stdout, then serves until killed. Behaviour is chosen by
the URL path, so one server plays several endpoints:
  /good/NAME     a healthy node (chain id 0x7a69, head 1000)
  /lag/NAME      healthy but 100 blocks behind and chain id 0x1 (to tell it apart)
  /r429/NAME     the first 2 requests get HTTP 429, then healthy
  /r32005/NAME   the first 2 requests get JSON-RPC error -32005, then healthy
  /e500/NAME     always HTTP 500 without a JSON body
  /slow/NAME     sleeps 2 s, then healthy
eth_call whose data starts with 0xdeadbeef reverts with SubscriptionNotFound (0x1a00354f).
POST /control with method mock_count and params [PATH] returns how many requests PATH received.
"""
import json
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = defaultdict(int)
lock = threading.Lock()
HEAD = 1000
ZERO32 = "0x" + "00" * 32


def block(number):
    return {"number": hex(number), "hash": "0x" + ("%064x" % (number + 1)), "parentHash": "0x" + ("%064x" % number),
            "timestamp": hex(1_700_000_000 + number), "baseFeePerGas": "0x3b9aca00", "gasLimit": "0x1c9c380",
            "gasUsed": "0x5208", "transactions": ["0x" + "ab" * 32]}


def log():
    return {"address": "0x" + "11" * 20, "topics": ["0x" + "22" * 32], "data": "0x" + "00" * 31 + "05",
            "blockNumber": hex(HEAD), "blockHash": "0x" + "33" * 32, "transactionHash": "0x" + "44" * 32,
            "transactionIndex": "0x0", "logIndex": "0x1", "removed": False}


def answer(kind, method, params):
    head = HEAD - 100 if kind == "lag" else HEAD
    if method == "eth_chainId":
        return "0x1" if kind == "lag" else "0x7a69"
    if method == "eth_blockNumber":
        return hex(head)
    if method == "eth_call":
        data = params[0].get("data") or params[0].get("input") or "0x"
        if data.startswith("0xdeadbeef"):
            raise RpcError(3, "execution reverted", "0x1a00354f")
        return "0x" + "00" * 31 + "2a"
    if method == "eth_getBlockByNumber":
        return None if params[0] == hex(999999) else block(head)
    if method == "eth_getLogs":
        return [log()]
    if method == "eth_feeHistory":
        return {"oldestBlock": hex(head - 1), "baseFeePerGas": ["0x1", "0x2", "0x3"], "gasUsedRatio": [0.5, 1],
                "reward": [["0x10"], ["0x20"]]}
    if method == "eth_getTransactionReceipt":
        if params[0] == ZERO32:
            return None
        return {"transactionHash": params[0], "blockNumber": hex(head), "blockHash": "0x" + "33" * 32,
                "from": "0x" + "55" * 20, "to": "0x" + "66" * 20, "contractAddress": None, "status": "0x1",
                "gasUsed": "0x5208", "effectiveGasPrice": "0x3b9aca00", "logs": [log()]}
    if method in ("eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_getBalance"):
        return "0x3b9aca00"
    if method in ("eth_estimateGas", "eth_getTransactionCount"):
        return "0x5208"
    if method == "eth_getCode":
        return "0x6001"
    if method == "eth_sendRawTransaction":
        return "0x" + "77" * 32
    raise RpcError(-32601, "method not found")


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        self.code, self.message, self.data = code, message, data


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body):
        payload = json.dumps(body).encode() if body is not None else b"oops"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/control":
            with lock:
                return self.send(200, {"jsonrpc": "2.0", "id": body["id"], "result": counts[body["params"][0]]})
        parts = self.path.strip("/").split("/")
        kind = parts[0]
        with lock:
            counts[self.path] += 1
            count = counts[self.path]
        if kind == "slow":
            time.sleep(2)
        if kind == "e500":
            return self.send(500, None)
        if kind == "r429" and count <= 2:
            return self.send(429, {"error": "too many requests"})

        def one(request):
            if kind == "r32005" and count <= 2:
                return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32005, "message": "limit exceeded"}}
            try:
                return {"jsonrpc": "2.0", "id": request["id"], "result": answer(kind, request["method"], request.get("params", []))}
            except RpcError as e:
                error = {"code": e.code, "message": e.message}
                if e.data is not None:
                    error["data"] = e.data
                return {"jsonrpc": "2.0", "id": request["id"], "error": error}

        self.send(200, [one(r) for r in body] if isinstance(body, list) else one(body))


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
