"""A real `infernet-node` with hello-world containers and chosen `server` / `node` keys, plus the
small raw-socket and /proc helpers the hostile-client tests need."""
from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import time
from pathlib import Path

from nodehelpers import ROOT, NodeJobs, descendants, kill_group, require_bin_dir
from svchelpers import free_port


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class HostileNode(NodeJobs):
    """`containers`: id -> extra hello-world arguments (each runs as a `command` container)."""

    poll_interval = 0.05

    def __init__(self, directory: Path, containers: dict[str, str], server: dict | None = None,
                 node: dict | None = None) -> None:
        self.bin = require_bin_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        entries = []
        for cid, args in containers.items():
            port = free_port()
            entries.append({"id": cid, "port": port,
                            "command": f"{self.bin}/infernet-hello-world --port {port} {args}".strip()})
        config = {
            "server": {"port": self.port, "bind_address": "127.0.0.1",
                       "rate_limit": {"num_requests": 10_000_000, "period": 60}, **(server or {})},
            "chain": {"enabled": False},
            "containers": entries,
            # Default heartbeats (the poison job is reproduced on the default config).
            "node": {"data_dir": str(directory / "var"), **(node or {})},
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2))
        self.log_path = directory / "node.log"
        self.log = open(self.log_path, "wb")
        env = {**os.environ, "INFERNET_BIN_DIR": str(self.bin), "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([str(self.bin / "infernet-node"), "--config", str(directory / "config.json")],
                                     cwd=directory, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def log_text(self, tail: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def wait_ready(self, container: str, timeout: float = 90) -> None:
        """Healthy, and `container` answers a job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"infernet-node exited ({self.proc.returncode}):\n{self.log_text()}")
            try:
                job = self.run_job([container], {"q": "ready?"}, timeout=10)
                if job["status"] == "success":
                    return
            except (OSError, AssertionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"node not ready within {timeout} s:\n{self.log_text()}")

    def pid_of(self, name: str) -> int:
        """The PID of the node's worker whose command line names `name` (e.g. infernet-gateway)."""
        for pid in descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            # Workers started from the supervisor's executable: `infernet-node worker infernet-gateway ...`.
            argv0 = argv[2] if len(argv) > 2 and argv[1] == b"worker" else argv[0]
            if argv0.endswith(name.encode()):
                return pid
        raise LookupError(f"no {name} process under the node:\n{self.log_text()}")

    def stop(self) -> None:
        kill_group(self.proc)
        self.log.close()


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def connect(port: int, source: str | None = None, timeout: float = 5) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        sock.bind((source, 0))
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def raw_request(sock: socket.socket, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 exchange on a kept-alive socket (Content-Length bodies only)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if body is not None:
        all_headers["Content-Length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before the response head: {data!r}")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode().split("\r\n")
    status = int(status_line.split()[1])
    parsed = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        parsed[key.strip().lower()] = value.strip()
    length = int(parsed.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, parsed, rest[:length]
