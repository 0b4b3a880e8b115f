"""The one Python client of the devnet: `Devnet` starts `python -m devnet` as a process (free port,
backend, block time, --deploy) and waits for its ready line; `RPC` is a JSON-RPC client with typed
helpers (calls, transactions, receipts, snapshots, mining), bounded timeouts and errors that name
the method.

Standard library only (signing imports eth_account when it is used), so that every venv of
scripts/setup.sh can import it with the checkout's root on sys.path: the benchmarks
(devnet/bench.py, devnet/node_bench.py), the examples and the Python tests all use it.

    with Devnet(backend="pyrevm", block_time=1) as devnet:
        n = devnet.rpc.block_number()
        receipt = devnet.rpc.transact(devnet.rpc.accounts()[1], devnet.addresses["inbox"], data)
"""
from __future__ import annotations

import itertools
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
ZERO = "0x" + "00" * 20
GWEI = 10**9
# Devnet keys are public development keys (0x...01 to 0x...0a): never use them on a real chain.
DEVNET_KEYS = {i: "0x" + format(i, "064x") for i in range(1, 11)}
READY = b"DEVNET READY "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RPCError(RuntimeError):
    """A JSON-RPC call failed: the node answered an error (`code`, `message`, `data`), or the
    transport failed (subclasses)."""

    def __init__(self, method: str, message: str, code: int | None = None, data: Any = None,
                 http_status: int | None = None) -> None:
        self.method, self.message, self.code, self.data, self.http_status = method, message, code, data, http_status
        detail = f" (code {code})" if code is not None else ""
        detail += f" (HTTP {http_status})" if http_status not in (None, 200) else ""
        super().__init__(f"{method}: {message}{detail}" + (f", data {data}" if data is not None else ""))


class RPCConnectionError(RPCError, ConnectionError):
    """No answer: the connection was refused, closed, or the answer was not HTTP."""


class RPCTimeout(RPCError, TimeoutError):
    """No answer (or no receipt) within the timeout."""


class TransactionFailed(RPCError):
    """A transaction was mined with status 0."""


class RPC:
    """JSON-RPC over one keep-alive HTTP/1.1 connection per thread, on a raw socket: http.client's
    header parsing costs about as much per call as a transaction of the pyrevm devnet, and the
    benchmarks measure the devnet. `timeout` bounds every call (connect, send, answer)."""

    def __init__(self, url: str | int, timeout: float = 30) -> None:
        if isinstance(url, int):
            url = f"http://127.0.0.1:{url}"
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"RPC url {url!r}: expected http://HOST:PORT")
        self.url, self.host, self.port = url, parts.hostname, parts.port
        self.path = parts.path or "/"
        self.timeout = timeout
        self._local = threading.local()
        self._ids = itertools.count(1)

    # -- transport ---------------------------------------------------------------------------

    def _connect(self):
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._local.conn = (sock, sock.makefile("rb"))
        return self._local.conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn:
            conn[1].close()
            conn[0].close()

    def _exchange(self, body: bytes) -> tuple[int, bytes]:
        conn = getattr(self._local, "conn", None)
        reused = conn is not None
        sock, f = conn or self._connect()
        sock.sendall(b"POST " + self.path.encode() + b" HTTP/1.1\r\nHost: " + self.host.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body)
        status_line = f.readline()
        if not status_line:
            raise ConnectionResetError("closed without an answer" + (" (stale keep-alive)" if reused else ""))
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            raise ConnectionError(f"not an HTTP answer: {status_line[:80]!r}") from None
        length, close = None, False
        while True:
            header = f.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise ConnectionError("chunked answers are not supported")
        data = f.read(length) if length is not None else f.read()
        if close or length is None:
            self.close()
        return status, data

    def post(self, body: bytes) -> tuple[int, bytes]:
        """POSTs `body` as it is; (HTTP status, answer bytes). A keep-alive connection the server
        closed meanwhile is reopened once."""
        for attempt in (0, 1):
            reused = getattr(self._local, "conn", None) is not None
            try:
                return self._exchange(body)
            except socket.timeout:
                self.close()
                raise RPCTimeout("POST", f"no answer from {self.url} within {self.timeout:g} s") from None
            except OSError as e:  # ConnectionError and the rest of the socket's errors
                self.close()
                if attempt or not reused:
                    raise RPCConnectionError("POST", f"{self.url}: {e}") from e
        raise AssertionError("unreachable")

    def _answer(self, method: str, params: tuple) -> tuple[int, dict]:
        status, data = self.post(json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                                             "params": list(params)}).encode())
        try:
            answer = json.loads(data)
        except ValueError:
            raise RPCError(method, f"not JSON: {data[:200]!r}", http_status=status) from None
        if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
            raise RPCError(method, f"not a JSON-RPC answer: {str(answer)[:200]}", http_status=status)
        return status, answer

    def request(self, method: str, *params: Any) -> dict:
        """The whole JSON-RPC answer (`result` or `error`), whatever its HTTP status."""
        return self._answer(method, params)[1]

    def __call__(self, method: str, *params: Any) -> Any:
        """The call's result; an RPCError naming the method on an error answer."""
        status, answer = self._answer(method, params)
        if "error" in answer:
            err = answer["error"] if isinstance(answer["error"], dict) else {"message": str(answer["error"])}
            raise RPCError(method, str(err.get("message")), err.get("code"), err.get("data"), status)
        return answer["result"]

    def batch(self, calls: list[tuple[str, list]]) -> list[dict]:
        """[(method, params)] in one request -> their answers ({"result"} or {"error"}), in order."""
        if not calls:
            return []
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
                           for i, (m, p) in enumerate(calls)]).encode()
        status, data = self.post(body)
        answers = json.loads(data)
        if not isinstance(answers, list):
            raise RPCError("batch", f"answer is not a list: {str(answers)[:200]}", http_status=status)
        return sorted(answers, key=lambda r: r["id"])

    # -- typed helpers -----------------------------------------------------------------------

    def block_number(self) -> int:
        return int(self("eth_blockNumber"), 16)

    def chain_id(self) -> int:
        return int(self("eth_chainId"), 16)

    def accounts(self) -> list[str]:
        return self("eth_accounts")

    def block(self, tag: str | int = "latest") -> dict:
        return self("eth_getBlockByNumber", hex(tag) if isinstance(tag, int) else tag, False)

    def nonce(self, address: str, tag: str = "pending") -> int:
        return int(self("eth_getTransactionCount", address, tag), 16)

    def balance(self, address: str, tag: str = "latest") -> int:
        return int(self("eth_getBalance", address, tag), 16)

    def eth_call(self, to: str, data: bytes, tag: str = "latest") -> bytes:
        return bytes.fromhex(self("eth_call", {"to": to, "data": "0x" + data.hex()}, tag)[2:])

    def get_logs(self, address: str | None = None, topics: list | None = None, from_block: int | str = 0,
                 to_block: int | str = "latest") -> list[dict]:
        query: dict[str, Any] = {"fromBlock": hex(from_block) if isinstance(from_block, int) else from_block,
                                 "toBlock": hex(to_block) if isinstance(to_block, int) else to_block}
        if address:
            query["address"] = address
        if topics:
            query["topics"] = topics
        return self("eth_getLogs", query)

    def send_raw(self, raw: str) -> str:
        return self("eth_sendRawTransaction", raw)

    def send_transaction(self, sender: str, to: str | None, data: bytes = b"", value: int = 0,
                         gas: int = 5_000_000) -> str:
        """eth_sendTransaction from an unlocked devnet account; the hash."""
        tx = {"from": sender, "data": "0x" + data.hex(), "gas": hex(gas), "value": hex(value)}
        if to:
            tx["to"] = to
        return self("eth_sendTransaction", tx)

    def wait_receipt(self, tx_hash: str, timeout: float = 60, poll: float = 0.05, expect_ok: bool = True) -> dict:
        """The receipt once mined; TransactionFailed if it reverted (unless expect_ok=False),
        RPCTimeout if not mined within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            receipt = self("eth_getTransactionReceipt", tx_hash)
            if receipt:
                if expect_ok and int(receipt["status"], 16) != 1:
                    raise TransactionFailed("eth_getTransactionReceipt", f"transaction {tx_hash} reverted", data=receipt)
                return receipt
            if time.monotonic() > deadline:
                raise RPCTimeout("eth_getTransactionReceipt", f"transaction {tx_hash} not mined within {timeout:g} s")
            time.sleep(poll)

    def transact(self, sender: str, to: str | None, data: bytes = b"", value: int = 0, gas: int = 5_000_000,
                 timeout: float = 60, expect_ok: bool = True) -> dict:
        """eth_sendTransaction from an unlocked account, waited for: the receipt."""
        return self.wait_receipt(self.send_transaction(sender, to, data, value, gas), timeout, expect_ok=expect_ok)

    def deploy(self, sender: str, initcode: bytes, gas: int = 8_000_000) -> str:
        """Deploys `initcode` (constructor arguments appended) from an unlocked account; the address."""
        return self.transact(sender, None, initcode, gas=gas)["contractAddress"]

    def snapshot(self) -> str:
        return self("evm_snapshot")

    def revert(self, snapshot_id: str) -> bool:
        return self("evm_revert", snapshot_id)

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self("evm_mine")


def sign_transaction(key: str, chain_id: int, nonce: int, to: str | None, data: bytes, gas: int,
                     max_fee: int, tip: int = GWEI, value: int = 0) -> str:
    """A signed EIP-1559 transaction (eth_account, imported here: the rest of this module needs only
    the standard library); the raw 0x-hex."""
    from eth_account import Account
    tx = {"type": 2, "chainId": chain_id, "nonce": nonce, "value": value, "data": "0x" + data.hex(), "gas": gas,
          "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip}
    if to:
        tx["to"] = to
    return "0x" + Account.sign_transaction(tx, key).raw_transaction.hex()


class Signer:
    """Signs EIP-1559 transactions from one key with locally tracked nonces (starting at the
    account's pending nonce)."""

    def __init__(self, rpc: RPC, key: str, chain_id: int | None = None, max_fee: int = 500 * GWEI,
                 tip: int = GWEI) -> None:
        from eth_account import Account
        self.rpc, self.key, self.max_fee, self.tip = rpc, key, max_fee, tip
        self.chain_id = chain_id if chain_id is not None else rpc.chain_id()
        self.address = Account.from_key(key).address
        self.nonce = rpc.nonce(self.address)

    def sign(self, to: str | None, data: bytes, gas: int, value: int = 0) -> str:
        raw = sign_transaction(self.key, self.chain_id, self.nonce, to, data, gas, self.max_fee, self.tip, value)
        self.nonce += 1
        return raw

    def send(self, to: str | None, data: bytes, gas: int, value: int = 0, timeout: float = 60) -> dict:
        """Signs, sends and waits: the receipt (TransactionFailed if it reverted)."""
        return self.rpc.wait_receipt(self.rpc.send_raw(self.sign(to, data, gas, value)), timeout)


class DevnetError(RuntimeError):
    """The devnet did not start; the message has the end of its log."""


class Devnet:
    """`python -m devnet --port 0` as a child process in its own session: `start()` (or `with`)
    launches it and waits (bounded) for its `DEVNET READY` line; then `url`, `port`, `chain_id`,
    `backend`, `addresses`, `info` (the ready line's JSON) and `rpc` (an RPC client) are set.
    stderr goes to `log_path` (default: a temporary file, removed after a clean stop), `tail()`
    shows its end; `stop()` sends SIGTERM and returns the exit status (0: stopped cleanly) and the
    rest of stdout."""

    name = "devnet"

    def __init__(self, *, deploy: bool = True, backend: str | None = None, block_time: float | None = None,
                 args: list[str] | tuple = (), python: str | None = None, log_path: str | Path | None = None,
                 env: dict[str, str] | None = None, timeout: float = 90, rpc_timeout: float = 30) -> None:
        self.python = python or sys.executable
        self.cmd = [self.python, "-m", "devnet", "--port", "0", *(["--deploy"] if deploy else []),
                    *(["--backend", backend] if backend else []),
                    *(["--block-time", str(block_time)] if block_time else []), *args]
        self.log_path = Path(log_path) if log_path else None
        self.env, self.timeout, self.rpc_timeout = env or {}, timeout, rpc_timeout
        self.proc: subprocess.Popen | None = None
        self.own_log = False
        self.info: dict = {}
        self.started = 0.0

    def start(self) -> "Devnet":
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="devnet-", suffix=".log")
            os.close(fd)
            self.log_path, self.own_log = Path(name), True
        self.log = open(self.log_path, "wb")
        path = os.path.dirname(self.python) + os.pathsep + os.environ.get("PATH", "")
        pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "PATH": path, "PYTHONPATH": pythonpath, **self.env}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self.log,
                                     start_new_session=True)
        try:
            self.info = json.loads(self._ready_line()[len(READY):])
        except BaseException:
            self.stop()
            raise
        self.url: str = self.info["rpc"]
        self.port: int = self.info["port"]
        self.chain_id: int = self.info["chainId"]
        self.backend: str = self.info["backend"]
        self.addresses: dict[str, str] = self.info["addresses"]
        self.rpc = RPC(self.url, timeout=self.rpc_timeout)
        return self

    def _ready_line(self) -> bytes:
        """The ready line, read without blocking past the deadline (a devnet that hangs or dies
        before it is an error with its log)."""
        assert self.proc and self.proc.stdout
        fd, buf = self.proc.stdout.fileno(), b""
        deadline = time.monotonic() + self.timeout
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevnetError(f"the devnet was not ready within {self.timeout:g} s:\n{self.tail()}")
            if select.select([fd], [], [], min(left, 0.5))[0]:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise DevnetError(f"the devnet exited ({self.proc.wait()}) before it was ready:\n{self.tail()}")
                buf += chunk
        line = buf.split(b"\n", 1)[0]
        if not line.startswith(READY):
            raise DevnetError(f"unexpected first line {line[:200]!r}:\n{self.tail()}")
        return line

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:]) if self.log_path else ""
        except OSError:
            return ""

    def stop(self, grace: float = 10) -> tuple[int | None, str]:
        """SIGTERM, then SIGKILL after `grace` s; (exit status, the rest of its stdout). Idempotent."""
        if self.proc is None:
            return None, ""
        out = b""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                out, _ = self.proc.communicate(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate(timeout=5)
        elif self.proc.stdout and not self.proc.stdout.closed:
            out = self.proc.stdout.read()
        if self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "rpc", None):
            self.rpc.close()
        if not self.log.closed:
            self.log.close()
        if self.own_log and self.proc.returncode == 0:  # a temporary log is kept only after a failure
            self.log_path.unlink(missing_ok=True)
        return self.proc.returncode, (out or b"").decode(errors="replace")

    def __enter__(self) -> "Devnet":
        return self if self.proc else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
