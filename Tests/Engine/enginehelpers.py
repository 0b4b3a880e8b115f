"""Helpers for the tests of `image` containers on a real container engine: the engine of
scripts/engine.sh (podman serving the Docker Engine API on a Unix socket of its own), its API, and
a recording proxy that sits between the node and that socket.

The node helpers (NodeProcess, free_port) are the ones the services' tests use.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Python" / "services"))
sys.path.insert(0, str(ROOT))

from nodehelpers import NodeProcess, kill_group  # noqa: E402,F401
from svchelpers import free_port  # noqa: E402,F401

HELLO = "infernet-swift/hello-world"
ECHO = "infernet-swift/echo"
NODE = "infernet-swift/node"
ONNX = "infernet-swift/onnx"
EZKL = "infernet-swift/ezkl"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 30) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


class Engine:
    """scripts/engine.sh's engine in a directory of its own; stopped (and the host's bridge and
    firewall chains it added removed) by `stop()`."""

    def __init__(self) -> None:
        # Short: a Unix socket path has at most 107 bytes.
        self.directory = Path(tempfile.mkdtemp(prefix="ie-", dir="/tmp"))
        out = subprocess.run(["bash", str(ROOT / "scripts" / "engine.sh"), "start", str(self.directory)],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"engine.sh start failed:\n{out.stdout}\n{out.stderr}")
        self.host = out.stdout.strip().splitlines()[-1]
        self.socket_path = self.host[len("unix://"):]
        self.env = {
            "CONTAINERS_CONF": str(self.directory / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(self.directory / "storage.conf"),
        }

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "engine.sh"), "stop", str(self.directory)],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.directory, ignore_errors=True)

    def api(self, method: str, path: str, body: object | None = None,
            timeout: float = 60) -> tuple[int, object]:
        conn = UnixHTTPConnection(self.socket_path, timeout)
        try:
            conn.request(method, path, None if body is None else json.dumps(body),
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def inspect(self, name: str) -> dict | None:
        status, body = self.api("GET", f"/containers/{name}/json")
        if status == 404:
            return None
        assert status == 200, (status, body)
        return body

    def has_image(self, image: str) -> bool:
        return self.api("GET", f"/images/{image}/json")[0] == 200

    def remove(self, name: str) -> None:
        self.api("DELETE", f"/containers/{name}?force=true")

    def wait_running(self, name: str, timeout: float = 60, not_pid: int | None = None) -> dict:
        """Waits until the container runs (with a PID other than `not_pid`)."""
        deadline = time.monotonic() + timeout
        info = None
        while time.monotonic() < deadline:
            info = self.inspect(name)
            if info and info["State"].get("Running") and info["State"].get("Pid") not in (0, not_pid):
                return info
            time.sleep(0.2)
        raise AssertionError(f"container {name} not running within {timeout} s: {info and info['State']}")


def ensure_images(engine: Engine, *images: str) -> None:
    """Builds the images that are not in the engine's storage yet (scripts/images.sh, with the
    node's binaries from INFERNET_BIN_DIR). CI builds them in its own timed step first."""
    missing = [image.split("/")[-1] for image in images if not engine.has_image(image)]
    if not missing:
        return
    args = ["bash", str(ROOT / "scripts" / "images.sh")]
    if os.environ.get("INFERNET_BIN_DIR"):
        args += ["--bin", os.environ["INFERNET_BIN_DIR"]]
    out = subprocess.run(args + missing, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"images.sh {' '.join(missing)} failed:\n{out.stdout}\n{out.stderr}")


def hello_container(container_id: str, image: str = HELLO, **extra: object) -> dict:
    return {"id": container_id, "image": image, "port": free_port(), "external": True,
            "timeout": 30, **extra}


def start_node(tmp: Path, engine_host: str, containers: list[dict], wait: bool = True,
               **kwargs: object) -> NodeProcess:
    """The real node with DOCKER_HOST set to the engine (the way an operator points it at one)."""
    env = dict(kwargs.pop("env", None) or {})  # type: ignore[arg-type]
    env.setdefault("DOCKER_HOST", engine_host)
    extra = {"startup_wait": 2, **(kwargs.pop("extra", None) or {})}  # type: ignore[arg-type]
    node = NodeProcess(tmp, containers, env=env, extra=extra, **kwargs)  # type: ignore[arg-type]
    if wait:
        node.wait_healthy(timeout=120)
    return node


class RecordingProxy:
    """A Unix socket between the node and the engine: relays bytes both ways and keeps every
    HTTP request the node sent (method, path, headers, body) for the test to assert on."""

    def __init__(self, upstream: str, path: Path) -> None:
        self.upstream = upstream
        self.path = str(path)
        self.streams: list[bytearray] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return "unix://" + self.path

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.server.accept()
            except OSError:
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.upstream)
            record = bytearray()
            self.streams.append(record)
            threading.Thread(target=self._pump, args=(client, upstream, record), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, None), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, record: bytearray | None) -> None:
        try:
            while True:
                block = source.recv(65536)
                if not block:
                    break
                if record is not None:
                    record += block
                sink.sendall(block)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def requests(self) -> list[dict]:
        """Every complete request seen so far, in order per connection."""
        found = []
        for stream in list(self.streams):
            data = bytes(stream)
            while b"\r\n\r\n" in data:
                head, rest = data.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                if len(rest) < length:
                    break
                found.append({"method": method, "path": path, "headers": headers, "body": rest[:length]})
                data = rest[length:]
        return found

    def stop(self) -> None:
        self.running = False
        self.server.close()
        self.thread.join(2)
        try:
            os.unlink(self.path)
        except OSError:
            pass
