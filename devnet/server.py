"""HTTP JSON-RPC server, fault injection and block-time miner around a DevChain."""
from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .chain import DevChain
from .chainbase import RPCError
from .rpc import Methods

log = logging.getLogger("devnet")
MAX_BODY = 32 * 1024 * 1024


class Faults:
    """Misbehaviour on request, for the node's fault tests.

    delayMs     answer every affected request this many ms late
    errorRate   fraction (0..1) of affected requests answered with a JSON-RPC error
    errorCode   code of that error (default -32603)
    httpStatus  if set, injected errors are sent with this HTTP status (e.g. 503) instead of 200
    dropRate    fraction (0..1) of affected requests whose connection is closed without an answer
    dropConnections  true = dropRate 1
    methods     list of method names to affect (default: all but devnet_*)
    count       affect only the next N requests, then clear the faults
    seed        seed of the random choice (reproducible runs)
    devnet_* methods are never affected, so the fault mode can always be switched off again.
    """

    FIELDS = ("delayMs", "errorRate", "errorCode", "httpStatus", "dropRate", "methods", "count", "seed")

    def __init__(self):
        self.lock = threading.Lock()
        self.update(None)

    def update(self, cfg):
        with self.lock:
            if cfg is None:
                self.cfg = {"delayMs": 0, "errorRate": 0.0, "errorCode": -32603, "httpStatus": None,
                            "dropRate": 0.0, "methods": None, "count": None, "seed": None}
                self.rng = random.Random()
                self.stats = {"delayed": 0, "errors": 0, "dropped": 0}
                return
            if not isinstance(cfg, dict):
                raise RPCError(-32602, "faults must be an object")
            unknown = set(cfg) - set(self.FIELDS) - {"dropConnections"}
            if unknown:
                raise RPCError(-32602, f"unknown fault fields: {sorted(unknown)}")
            new = dict(self.cfg)
            for k in ("delayMs", "errorCode", "count", "httpStatus", "seed"):
                if k in cfg:
                    v = cfg[k]
                    if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                        raise RPCError(-32602, f"{k} must be an integer or null")
                    new[k] = v
            for k in ("errorRate", "dropRate"):
                if k in cfg:
                    v = cfg[k]
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
                        raise RPCError(-32602, f"{k} must be a number in [0, 1]")
                    new[k] = float(v)
            if "dropConnections" in cfg:
                new["dropRate"] = 1.0 if cfg["dropConnections"] else 0.0
            if "methods" in cfg:
                m = cfg["methods"]
                if m is not None and (not isinstance(m, list) or not all(isinstance(x, str) for x in m)):
                    raise RPCError(-32602, "methods must be a list of names or null")
                new["methods"] = m
            if new["delayMs"] is not None and new["delayMs"] < 0:
                raise RPCError(-32602, "delayMs must be >= 0")
            self.cfg = new
            if "seed" in cfg:
                self.rng = random.Random(cfg["seed"])

    def as_dict(self):
        with self.lock:
            return dict(self.cfg, stats=dict(self.stats))

    def active(self):
        c = self.cfg
        return bool(c["delayMs"] or c["errorRate"] or c["dropRate"])

    def decide(self, methods: list[str]):
        """-> (delay_s, action) for a request (a batch counts once); action in None/'error'/'drop'."""
        with self.lock:
            c = self.cfg
            if not self.active():
                return 0.0, None
            if all(m.startswith("devnet_") for m in methods if isinstance(m, str)) and methods:
                return 0.0, None
            if c["methods"] is not None and not any(m in c["methods"] for m in methods):
                return 0.0, None
            if c["count"] is not None:
                if c["count"] <= 0:
                    return 0.0, None
                c["count"] -= 1
            delay = (c["delayMs"] or 0) / 1000.0
            if delay:
                self.stats["delayed"] += 1
            r = self.rng.random()
            action = None
            if r < c["dropRate"]:
                action = "drop"
                self.stats["dropped"] += 1
            elif r < c["dropRate"] + c["errorRate"]:
                action = "error"
                self.stats["errors"] += 1
            if c["count"] == 0:
                # spent: go back to normal after this one
                self.cfg.update(delayMs=0, errorRate=0.0, dropRate=0.0, count=None, methods=None)
            return delay, action


def _err(id_, code, message, data=None):
    e = {"code": code, "message": message}
    if data is not None:
        e["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": e}


class _Headers(dict):
    """Request headers, looked up case-insensitively (keys stored lower-case)."""

    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every answer stalls ~40 ms
    server_version = "infernet-devnet"

    def handle_one_request(self):
        """Like BaseHTTPRequestHandler's, with a plain header parser: the stdlib's (email.parser) cost
        more per request than the pyrevm backend's whole transaction."""
        try:
            line = self.rfile.readline(65537)
            if not line:
                self.close_connection = True
                return
            self.raw_requestline = line
            self.requestline = line.decode("latin-1").rstrip("\r\n")
            parts = self.requestline.split()
            self.request_version = "HTTP/1.1"
            self.command = None
            if len(line) > 65536 or len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                self.close_connection = True
                self.send_error(400, "bad request line")
                return
            self.command, self.path, self.request_version = parts
            headers = _Headers()
            for _ in range(101):
                h = self.rfile.readline(65537)
                if h in (b"\r\n", b"\n", b""):
                    break
                k, sep, v = h.decode("latin-1").partition(":")
                if not sep:
                    self.close_connection = True
                    self.send_error(400, "bad header line")
                    return
                headers[k.strip().lower()] = v.strip()
            else:
                self.close_connection = True
                self.send_error(431, "too many headers")
                return
            self.headers = headers
            conn = headers.get("connection", "").lower()
            self.close_connection = conn != "keep-alive" if self.request_version == "HTTP/1.0" else conn == "close"
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                self.send_error(501, f"unsupported method {self.command!r}")
                return
            method()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def log_message(self, fmt, *args):  # quiet; requests are logged at debug level only
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, payload):
        body = json.dumps(payload, separators=(",", ":")).encode()
        reason = self.responses.get(status, ("",))[0]
        head = (f"HTTP/1.1 {status} {reason}\r\nServer: {self.server_version}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nAccess-Control-Allow-Origin: *\r\n"
                + ("Connection: close\r\n" if self.close_connection else "") + "\r\n")
        self.wfile.write(head.encode("latin-1") + body)  # one write: one segment for small answers

    def do_OPTIONS(self):
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        srv = self.server.devnet
        if self.path.rstrip("/") in ("", "/health", "/addresses"):
            with srv.chain.lock:
                head = srv.chain.head_number
            self._send(200, {"ok": True, "chainId": srv.chain.chain_id, "blockNumber": head,
                             "addresses": srv.addresses})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        srv = self.server.devnet
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            self.close_connection = True
            return self._send(413 if n > 0 else 400, _err(None, -32600, "bad Content-Length"))
        raw = self.rfile.read(n)
        try:
            req = json.loads(raw)
        except Exception:
            return self._send(200, _err(None, -32700, "parse error"))
        batch = isinstance(req, list)
        reqs = req if batch else [req]
        names = [r.get("method") for r in reqs if isinstance(r, dict)]
        delay, action = srv.faults.decide(names)
        if delay:
            time.sleep(delay)
        if action == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if action == "error":
            c = srv.faults.cfg
            status = c.get("httpStatus") or 200
            out = [_err(r.get("id") if isinstance(r, dict) else None, c.get("errorCode") or -32603,
                        "devnet fault injection: simulated failure") for r in reqs]
            return self._send(status, out if batch else out[0])
        if batch and not reqs:
            return self._send(200, _err(None, -32600, "invalid request: empty batch"))
        out = [srv.handle_one(r) for r in reqs]
        out = [o for o in out if o is not None]
        if batch:
            if not out:  # all notifications
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self._send(200, out)
        if out:
            return self._send(200, out[0])
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class DevnetServer:
    def __init__(self, chain: DevChain | None = None, host="127.0.0.1", port=8545, block_time: float | None = None):
        self.chain = chain or DevChain()
        self.methods = Methods(self.chain, self)
        self.faults = Faults()
        self.addresses: dict = {}
        self.block_time = block_time
        self.httpd = _HTTPServer((host, port), Handler)
        self.httpd.devnet = self
        self.host, self.port = self.httpd.server_address[:2]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if block_time:
            self.chain.automine = False

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def handle_one(self, r):
        if not isinstance(r, dict):
            return _err(None, -32600, "invalid request")
        id_ = r.get("id")
        is_note = "id" not in r
        method = r.get("method")
        try:
            if r.get("jsonrpc") not in ("2.0", None) or not isinstance(method, str):
                raise RPCError(-32600, "invalid request")
            result = self.methods.dispatch(method, r.get("params", []))
            resp = {"jsonrpc": "2.0", "id": id_, "result": result}
        except RPCError as e:
            resp = _err(id_, e.code, e.message, e.data)
        except Exception as e:  # never crash on bad input
            log.exception("internal error in %s", method)
            resp = _err(id_, -32603, f"internal error: {type(e).__name__}: {str(e)[:200]}")
        return None if is_note else resp

    def _miner(self):
        while not self._stop.wait(self.block_time):
            with self.chain.lock:
                try:
                    self.chain.mine()
                except Exception:
                    log.exception("block-time mining failed")

    def start(self):
        t = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="devnet-http", daemon=True)
        t.start()
        self._threads.append(t)
        if self.block_time:
            m = threading.Thread(target=self._miner, name="devnet-miner", daemon=True)
            m.start()
            self._threads.append(m)
        return self

    def stop(self):
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for t in self._threads:
            t.join(timeout=5)
