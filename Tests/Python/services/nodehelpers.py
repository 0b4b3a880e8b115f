"""Helpers for the tests that run the services through the real Swift node: the node's binaries,
the node as a process (its own process group, killed as a whole), and the devnet (devnet.client)
with the on-chain request of the CallbackConsumer.

The binaries: `INFERNET_BIN_DIR` (scripts/test.sh exports it after `swift build`), else
`swift build --show-bin-path` of this checkout. Without them the node tests are skipped.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path

from svchelpers import ROOT, free_port, http_request

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# the process and devnet pieces (standard library only): one home for the examples and the tests
from devnet import client as devnet_client  # noqa: E402
from devnet.client import DEVNET_KEYS  # noqa: E402,F401
from examples.common.processes import descendants, kill_group, memory_kib  # noqa: E402,F401

NODE_BINARIES = ("infernet-node", "infernet-gateway", "infernet-compute", "infernet-chain",
                 "infernet-payment")


@lru_cache(maxsize=1)
def bin_dir() -> Path | None:
    """The directory of the built node executables, or None."""
    explicit = os.environ.get("INFERNET_BIN_DIR", "")
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    elif shutil.which("swift"):
        try:
            out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=120)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip().splitlines()[-1]))
        except (OSError, subprocess.TimeoutExpired):
            pass
    for candidate in candidates:
        if all(os.access(candidate / name, os.X_OK) for name in NODE_BINARIES):
            return candidate
    return None


def require_bin_dir() -> Path:
    import pytest
    found = bin_dir()
    if found is None:
        pytest.skip("the node's binaries were not found (set INFERNET_BIN_DIR, or build with "
                    "`swift build`; scripts/test.sh does both)")
    return found


@lru_cache(maxsize=1)
def project_python() -> str:
    """The project venv's interpreter (devnet, web3): INFERNET_PYTHON, else scripts/setup.sh."""
    explicit = os.environ.get("INFERNET_PYTHON", "")
    if explicit and os.access(explicit, os.X_OK):
        check = subprocess.run([explicit, "-c", "import devnet, eth_utils"], cwd=ROOT,
                               capture_output=True)
        if check.returncode == 0:
            return explicit
    out = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], cwd=ROOT, capture_output=True,
                         text=True, timeout=900, check=True)
    return out.stdout.strip().splitlines()[-1] + "/bin/python"


def http_json(method: str, url: str, body: object | None = None,
              timeout: float = 30) -> tuple[int, object]:
    return http_request(method, url, None if body is None else json.dumps(body).encode(), timeout)


class NodeJobs:
    """Jobs through a node's REST API at `self.base` (a node process with `log_text()`): submit,
    poll for the result every `poll_interval` seconds, or both."""

    base: str
    poll_interval = 0.02

    def submit(self, containers: list[str], data: object) -> str:
        status, body = http_json("POST", self.base + "/api/jobs", {"containers": containers, "data": data})
        assert status == 200 and isinstance(body, dict) and "id" in body, (status, body)
        return body["id"]

    def result(self, job_id: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = http_json("GET", f"{self.base}/api/jobs?id={job_id}")
            assert status == 200, (status, body)
            if body and body[0]["status"] != "running":
                return body[0]
            time.sleep(self.poll_interval)
        raise TimeoutError(f"job {job_id} still running after {timeout} s:\n{self.log_text()}")

    def run_job(self, containers: list[str], data: object, timeout: float = 60) -> dict:
        return self.result(self.submit(containers, data), timeout)


class NodeProcess(NodeJobs):
    """The real `infernet-node` in `directory`, with `containers` (config entries) and optional
    extra top-level config keys (e.g. `chain`). Its workers and `command` containers are its
    children, all in one process group."""

    def __init__(self, directory: Path, containers: list[dict], extra: dict | None = None,
                 env: dict[str, str] | None = None, node: dict | None = None,
                 rate_limit: int = 1_000_000) -> None:
        self.bin = require_bin_dir()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = {
            "server": {"port": self.port, "bind_address": "127.0.0.1",
                       "rate_limit": {"num_requests": rate_limit, "period": 60}},
            "chain": {"enabled": False},
            "containers": containers,
            "node": {"data_dir": str(directory / "var"), "heartbeat_interval": 0.1,
                     "restart_backoff_initial": 0.05, **(node or {})},
        }
        config.update(extra or {})
        self.config_path = directory / "config.json"
        self.config_path.write_text(json.dumps(config, indent=2))
        self.log_path = directory / "node.log"
        self.log = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("ONNX_", "TORCH_"))}
        full_env.update({"INFERNET_BIN_DIR": str(self.bin), "PYTHONPATH": str(ROOT)})
        full_env.update(env or {})
        self.proc = subprocess.Popen([str(self.bin / "infernet-node"), "--config", str(self.config_path)],
                                     cwd=directory, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"infernet-node exited ({self.proc.returncode}):\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"infernet-node not healthy within {timeout} s:\n{self.log_text()}")

    def wait_container(self, container: str, data: object, timeout: float = 90) -> dict:
        """Submits jobs until the container answers (command containers start asynchronously);
        returns the first successful job result."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            job = self.run_job([container], data, timeout=max(1.0, deadline - time.monotonic()))
            if job["status"] == "success":
                return job
            last = job
            time.sleep(0.3)
        raise RuntimeError(f"container {container} never answered: {last}\n{self.log_text()}")

    def stop(self) -> None:
        kill_group(self.proc)
        self.log.close()


# -- devnet and JSON-RPC ------------------------------------------------------------------------

class Devnet(devnet_client.Devnet):
    """`python -m devnet --port 0 --deploy`, run with the project venv's interpreter (started by
    `with`), its JSON-RPC client `rpc` (unlocked devnet accounts) and the CallbackConsumer's
    request and delivery. `rpc_timeout` bounds each JSON-RPC call."""

    def __init__(self, log_path: Path, rpc_timeout: float = 30) -> None:
        super().__init__(python=project_python(), log_path=log_path, timeout=60, rpc_timeout=rpc_timeout)
        self.hashes = keccak_hashes()

    def request_compute(self, container: str, inputs: bytes, key_index: int = 3) -> int:
        """CallbackConsumer.requestCompute(container, inputs, 1, 0, 0, 0, 0) from devnet account
        `key_index` (unlocked); the subscription id."""
        from eth_abi import encode
        sender = self.rpc.accounts()[key_index - 1]
        zero = "0x" + "00" * 20
        data = self.hashes["requestCompute"] + encode(
            ["string", "bytes", "uint16", "address", "uint256", "address", "address"],
            [container, inputs, 1, zero, 0, zero, zero])
        receipt = self.rpc.transact(sender, self.addresses["callbackConsumer"], data, timeout=30)
        created = self.hashes["SubscriptionCreated"]
        for log in receipt["logs"]:
            if log["topics"] and log["topics"][0] == created and len(log["topics"]) > 1:
                return int(log["topics"][1], 16)
        raise AssertionError(f"no SubscriptionCreated log: {receipt}")

    def wait_delivery(self, subscription: int, node: NodeProcess | None = None,
                      timeout: float = 50) -> bytes:
        """Waits for CallbackConsumer.receivedCount(id) >= 1 and returns lastOutput(id)."""
        from eth_abi import decode, encode
        consumer = self.addresses["callbackConsumer"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = decode(["uint256"], self.rpc.eth_call(consumer, self.hashes["receivedCount"] +
                                                          encode(["uint32"], [subscription])))[0]
            if count >= 1:
                return decode(["bytes"], self.rpc.eth_call(consumer, self.hashes["lastOutput"] +
                                                           encode(["uint32"], [subscription])))[0]
            time.sleep(0.2)
        raise TimeoutError(f"no delivery for subscription {subscription} within {timeout} s:\n"
                           f"{node.log_text() if node else ''}")

    def node_chain_config(self, key_index: int) -> dict:
        return {"enabled": True, "rpc_url": self.url, "trail_head_blocks": 0,
                "registry_address": self.addresses["registry"],
                "wallet": {"private_key": DEVNET_KEYS[key_index]},
                "snapshot_sync": {"sleep": 0, "sync_period": 0.1}}


@lru_cache(maxsize=1)
def keccak_hashes() -> dict[str, bytes]:
    """Selectors and the event topic, computed with the project venv's keccak (the services venv
    has no keccak backend)."""
    script = ("from eth_utils import keccak; import json; print(json.dumps({"
              "'requestCompute': keccak(text='requestCompute(string,bytes,uint16,address,uint256,address,address)')[:4].hex(),"
              "'receivedCount': keccak(text='receivedCount(uint32)')[:4].hex(),"
              "'lastOutput': keccak(text='lastOutput(uint32)')[:4].hex(),"
              "'SubscriptionCreated': '0x' + keccak(text='SubscriptionCreated(uint32)').hex()}))")
    out = subprocess.run([project_python(), "-c", script], capture_output=True, text=True, check=True)
    raw = json.loads(out.stdout)
    return {k: (v if v.startswith("0x") else bytes.fromhex(v)) for k, v in raw.items()}
