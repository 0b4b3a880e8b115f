"""What every example shares: a devnet (or a real chain), the consumer contract compiled from
Vyper and deployed, the node started on a config the example writes, a client for the node's
REST API with the request shapes of Ritual's infernet-client, and a clean stop of everything.

An example is a script (examples/<name>/main.py, run by examples/<name>/run.sh) that does:

    with Session("hello-world", args) as s:
        s.start_chain()
        consumer = s.deploy("examples/hello-world/SaysGM.vy")
        node = s.start_node([{"id": "hello-world", "command": ..., "port": s.free_port()}])
        ...                        # REST request, on-chain request, read back the result
        s.result["greeting"] = ... # printed, and written to --json-out

It runs in the project venv (web3, eth-abi, Vyper: `bash scripts/setup.sh`); what needs the
services venv (onnxruntime, torch, scikit-learn) runs as its own process.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# the process and client pieces (re-exported: examples import everything from examples.common)
from .client import ClientError, NodeClient, http_json  # noqa: E402,F401
from .processes import DEVNET_KEYS, ROOT, ExampleError, Process, descendants, wait_for  # noqa: E402,F401
from devnet.client import Devnet, free_port  # noqa: E402,F401

CONTRACTS_SRC = ROOT / "contracts" / "src"


def tx_hash(receipt_or_log) -> str:
    """The 0x-prefixed transaction hash of a receipt or a log."""
    return "0x" + bytes(receipt_or_log["transactionHash"]).hex()


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The options every example takes (each example may add its own)."""
    ap = argparse.ArgumentParser(description=description,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("INFERNET_BIN_DIR", ""),
                    help="directory of the node's binaries (default $INFERNET_BIN_DIR, else `swift build`)")
    ap.add_argument("--rpc", default="",
                    help="use this chain instead of starting a devnet (needs --registry; the keys "
                         "come from $INFERNET_NODE_KEY and $INFERNET_REQUESTER_KEY)")
    ap.add_argument("--registry", default="", help="the Infernet Registry's address on --rpc")
    ap.add_argument("--node-key-index", type=int, default=2,
                    help="devnet key of the node (default 2); ignored with --rpc")
    ap.add_argument("--requester-key-index", type=int, default=3,
                    help="devnet key that deploys the consumer and makes the request (default 3)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds to wait for a delivery")
    ap.add_argument("--json-out", default="", help="write what was delivered (and where) to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (config, logs)")
    return ap


def step(message: str) -> None:
    print(f"== {message}", flush=True)


def setup_python(services: bool = False) -> str:
    """The interpreter of the project venv, or of the services venv (created on first use)."""
    if services and os.environ.get("INFERNET_SERVICES_VENV"):
        return str(Path(os.environ["INFERNET_SERVICES_VENV"]) / "bin" / "python")
    cmd = ["bash", str(ROOT / "scripts" / "setup.sh")] + (["--services"] if services else [])
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise ExampleError(f"{' '.join(cmd[1:])} failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1] + "/bin/python"


class Session:
    """One run of an example: its work directory, the processes it started (stopped on exit, in
    reverse order, whatever happened), the chain and its contracts, and the summary it prints."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        self.name = name
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix=f"infernet-example-{name}."))
        self.processes: list[Process | Devnet] = []
        self.result: dict[str, Any] = {"example": name}
        self.w3 = None
        self.rpc = ""
        self.addresses: dict[str, str] = {}
        self.node_client: NodeClient | None = None
        self.node: Process | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> "Session":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self

    def __exit__(self, kind, error, trace) -> bool:
        failed = kind is not None
        if failed and kind is not SystemExit:
            print(f"{self.name}: FAILED: {error}", file=sys.stderr)
            for process in self.processes:
                text = process.tail()
                if text:
                    print(f"---- {process.name} log (last lines of {process.log_path}) ----\n{text}",
                          file=sys.stderr)
        step("stopping " + (", ".join(p.name for p in reversed(self.processes)) or "nothing"))
        for process in reversed(self.processes):
            process.stop()
        if self.args.json_out and not failed:
            Path(self.args.json_out).write_text(json.dumps(self.result, indent=2, default=str))
        if self.args.keep or failed:
            print(f"{self.name}: work directory kept: {self.work}", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        if failed and kind is not SystemExit:
            sys.exit(1)
        return False

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None,
              stdout_pipe: bool = False) -> Process:
        process = Process(name, cmd, self.work / f"{name}.log", env, stdout_pipe)
        self.processes.append(process)
        return process

    def free_port(self) -> int:
        return free_port()

    # -- binaries ----------------------------------------------------------------------------

    def bin_dir(self) -> Path:
        if self.args.bin:
            found = Path(self.args.bin).resolve()
        else:
            step("building the node (swift build, debug)")
            if subprocess.run(["swift", "build"], cwd=ROOT).returncode != 0:
                raise ExampleError("swift build failed")
            found = Path(subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip())
            self.args.bin = str(found)
        if not (found / "infernet-node").exists():
            raise ExampleError(f"{found}/infernet-node is missing (pass --bin DIR or set INFERNET_BIN_DIR)")
        return found

    # -- the chain ---------------------------------------------------------------------------

    def start_chain(self) -> None:
        """A fresh devnet with the Infernet SDK contracts, or the chain given with --rpc."""
        from web3 import Web3
        self.bin_dir()      # the node's binaries first (a build, or a clear error), then the chain
        if self.args.rpc:
            if not self.args.registry:
                raise ExampleError("--rpc needs --registry (the Infernet Registry's address)")
            self.rpc = self.args.rpc
            self.w3 = Web3(Web3.HTTPProvider(self.rpc, request_kwargs={"timeout": 30}))
            registry = self.w3.eth.contract(address=Web3.to_checksum_address(self.args.registry),
                                            abi=_artifact("Registry")["abi"])
            self.addresses = {"registry": registry.address,
                              "coordinator": registry.functions.COORDINATOR().call()}
            step(f"chain: {self.rpc} (registry {registry.address})")
        else:
            step("starting the devnet with the Infernet SDK contracts (python -m devnet)")
            devnet = Devnet(args=["--addresses-out", str(self.work / "addresses.json")],
                            log_path=self.work / "devnet.log")
            self.processes.append(devnet)
            devnet.start()
            self.rpc = devnet.url
            self.addresses = devnet.addresses
            self.w3 = Web3(Web3.HTTPProvider(self.rpc, request_kwargs={"timeout": 30}))
            print(f"devnet: {self.rpc}, registry {self.addresses['registry']}", flush=True)
        self.result["rpc"] = self.rpc
        self.result["coordinator"] = self.addresses["coordinator"]

    def key(self, role: str) -> str:
        """The private key of `role` ("node" or "requester"): devnet keys on the devnet, else
        $INFERNET_NODE_KEY / $INFERNET_REQUESTER_KEY (never printed)."""
        if self.args.rpc:
            variable = f"INFERNET_{role.upper()}_KEY"
            value = os.environ.get(variable, "")
            if not value:
                raise ExampleError(f"--rpc needs ${variable} (the {role}'s private key)")
            return value
        return DEVNET_KEYS[self.args.node_key_index if role == "node" else self.args.requester_key_index]

    def compile(self, source: Path) -> dict:
        """Compiles a Vyper consumer with the pinned Vyper; it imports the SDK modules from
        contracts/src (interfaces/ICoordinator, lib/consumer)."""
        source = Path(source).resolve()
        vyper = Path(sys.executable).parent / "vyper"
        out = subprocess.run([str(vyper if vyper.exists() else "vyper"), "-f", "abi,bytecode",
                              "-p", str(CONTRACTS_SRC), str(source)], capture_output=True, text=True,
                             cwd=CONTRACTS_SRC)
        if out.returncode != 0:
            raise ExampleError(f"vyper could not compile {source}:\n{out.stderr}")
        lines = out.stdout.strip().splitlines()
        return {"abi": json.loads(lines[0]), "bytecode": lines[1]}

    def deploy(self, source: Path, *args: Any):
        """Compiles and deploys `source` from the requester's key; the web3 contract."""
        from contracts.deploy import Deployer
        compiled = self.compile(source)
        deployer = Deployer(self.w3, self.key("requester"))
        contract = self.w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
        data = bytes.fromhex(contract.constructor(*args).data_in_transaction[2:])
        receipt = deployer.send(None, data)
        address = receipt["contractAddress"]
        print(f"deployed {source.stem} at {address} (tx {tx_hash(receipt)})", flush=True)
        self.result["consumer"] = address
        return self.w3.eth.contract(address=address, abi=compiled["abi"])

    def transact(self, fn, gas: int = 1_500_000) -> dict:
        """Sends a contract call from the requester's key; the receipt (a revert is an error)."""
        from contracts.deploy import Deployer
        deployer = Deployer(self.w3, self.key("requester"))
        receipt = deployer.send(fn.address, bytes.fromhex(fn._encode_transaction_data()[2:]), gas=gas)
        return receipt

    def subscription_id(self, receipt: dict) -> int:
        """The id in the Coordinator's SubscriptionCreated(uint32 indexed id) log of `receipt`."""
        from eth_utils import keccak
        topic = keccak(text="SubscriptionCreated(uint32)")
        for log in receipt["logs"]:
            if log["address"].lower() == self.addresses["coordinator"].lower() and log["topics"] \
                    and bytes(log["topics"][0]) == topic:
                return int.from_bytes(bytes(log["topics"][1]), "big")
        raise ExampleError(f"no SubscriptionCreated log in {tx_hash(receipt)}")

    def wait_delivery(self, consumer, subscription: int) -> float:
        """Waits until the consumer has received a delivery for `subscription`
        (receivedCount(id) >= 1); the seconds it took."""
        t0 = time.monotonic()
        wait_for(lambda: consumer.functions.receivedCount(subscription).call() >= 1, self.args.timeout,
                 f"the node's delivery for subscription {subscription}",
                 alive=lambda: self.node is None or self.node.alive())
        return time.monotonic() - t0

    def delivery_tx(self, subscription: int, from_block: int) -> str | None:
        """The hash of the Coordinator's SubscriptionFulfilled log for `subscription`."""
        from eth_utils import keccak
        logs = self.w3.eth.get_logs({"address": self.addresses["coordinator"], "fromBlock": from_block,
                                     "topics": ["0x" + keccak(text="SubscriptionFulfilled(uint32,address)").hex(),
                                                "0x" + format(subscription, "064x")]})
        return tx_hash(logs[-1]) if logs else None

    # -- the node ----------------------------------------------------------------------------

    def container(self, example_dir: Path, container_id: str, env: dict[str, str] | None = None) -> dict:
        """The container `container_id` of the example's committed node config
        (examples/<name>/config.json, the one to deploy), adapted to run here: a free port, the
        command resolved (a bare name is one of the node's executables, else a launcher in
        services/bin), `env` merged over the config's."""
        config = json.loads((example_dir / "config.json").read_text())
        found = [c for c in config["containers"] if c["id"] == container_id]
        if not found:
            raise ExampleError(f"{example_dir}/config.json has no container {container_id!r}")
        entry = json.loads(json.dumps(found[0]))
        entry["port"] = self.free_port()
        command = entry.get("command", "")
        if command and "/" not in command.split()[0]:
            name, _, rest = command.partition(" ")
            for candidate in (self.bin_dir() / name, ROOT / "services" / "bin" / name):
                if candidate.exists():
                    entry["command"] = str(candidate) + (" " + rest if rest else "")
                    break
        entry["env"] = {**entry.get("env", {}), **(env or {})}
        entry.pop("allowed_ips", None)
        return entry

    def node_config(self, containers: list[dict]) -> dict:
        port = self.free_port()
        return {
            "server": {"port": port, "bind_address": "127.0.0.1"},
            "containers": containers,
            # the key is in the node's environment, never in the file (chain.wallet.private_key_env)
            "chain": {"enabled": True, "rpc_url": self.rpc, "registry_address": self.addresses["registry"],
                      "trail_head_blocks": 0, "wallet": {"private_key_env": "INFERNET_PRIVATE_KEY"},
                      "snapshot_sync": {"sleep": 0, "sync_period": 0.5}},
            "node": {"data_dir": str(self.work / "var")},
        }

    def start_node(self, containers: list[dict], env: dict[str, str] | None = None) -> NodeClient:
        """Writes the node's config (chain enabled, `containers`) and starts infernet-node;
        returns a REST client once /health answers. `env` goes to the node (and so to its
        `command` containers): API keys and the node's key, never written into the config."""
        bin_dir = self.bin_dir()
        config = self.node_config(containers)
        path = self.work / "config.json"
        path.write_text(json.dumps(config, indent=2))
        print(f"node config ({path}):", flush=True)
        print("  containers: " + ", ".join(f"{c['id']} ({c.get('command') or c.get('image')})" for c in containers))
        port = config["server"]["port"]
        step(f"starting infernet-node (REST API on port {port})")
        self.node = self.start("node", [str(bin_dir / "infernet-node"), "--config", str(path)],
                               env={"INFERNET_BIN_DIR": str(bin_dir), "PYTHONPATH": str(ROOT),
                                    "INFERNET_PRIVATE_KEY": self.key("node"), **(env or {})})
        client = NodeClient(f"http://127.0.0.1:{port}")
        wait_for(client.health, 60, "infernet-node /health", interval=0.1, alive=self.node.alive)
        self.node_client = client
        print("node: healthy", flush=True)
        return client

    def wait_container(self, container: str, data: Any, timeout: float = 120) -> dict:
        """Submits jobs until `container` answers one (the node starts `command` containers in
        the background); the first successful JobResult."""
        assert self.node_client is not None
        last: list[dict] = []

        def attempt() -> dict | None:
            job = self.node_client.run([container], data, timeout=max(5.0, timeout))
            if job["status"] == "success":
                return job
            last[:] = [job]
            return None
        try:
            return wait_for(attempt, timeout, f"container {container}", interval=0.5,
                            alive=lambda: self.node is not None and self.node.alive())
        except ExampleError as error:
            raise ExampleError(f"{error}; last job: {last[0] if last else None}") from None

    def text_job(self, container: str, data: Any) -> str:
        """An off-chain job (wait_container) whose output is text, as {"output": text} or the
        text itself: printed and kept as result["rest"]; the text."""
        job = self.wait_container(container, data)
        output = job["result"]["output"]
        text = output.get("output") if isinstance(output, dict) else output
        print(f"job {job['id']}: {job['status']}: {text!r}")
        self.result["rest"] = {"job_id": job["id"], "output": text}
        return text

    def stream_job(self, container: str, data: Any) -> str:
        """A streamed off-chain job (POST /api/jobs/stream): each piece printed as it comes, the
        count and text kept as result["stream"]; the text."""
        assert self.node_client is not None
        pieces: list[str] = []
        t0 = time.monotonic()
        stream = self.node_client.stream([container], data)
        job_id = next(stream)
        print(f"job {job_id}: ", end="", flush=True)
        for piece in stream:
            pieces.append(piece)
            print(piece, end="", flush=True)
        print(f"\n({len(pieces)} chunks in {time.monotonic() - t0:.1f} s)")
        self.result["stream"] = {"job_id": job_id, "chunks": len(pieces), "text": "".join(pieces)}
        return "".join(pieces)

    def request(self, consumer, call) -> tuple[int, dict, float]:
        """Sends `call` (a function of `consumer` that makes a subscription) from the requester's
        key and waits for the node's delivery: (subscription id, the request's receipt, seconds
        from the request to the delivery)."""
        receipt = self.transact(call)
        sid = self.subscription_id(receipt)
        print(f"request tx {tx_hash(receipt)} (block {receipt['blockNumber']}), subscription {sid}")
        return sid, receipt, self.wait_delivery(consumer, sid)

    def report_delivery(self, sid: int, receipt: dict, seconds: float, by: str = "") -> None:
        """Prints how long the delivery of `sid` took and its transaction."""
        print(f"delivered {seconds:.1f} s after the request{by} "
              f"(tx {self.delivery_tx(sid, receipt['blockNumber'])})")

    def finish(self) -> None:
        print("== result (JSON)", flush=True)
        print(json.dumps(self.result, indent=2, default=str), flush=True)


def _artifact(name: str) -> dict:
    from contracts import artifact
    return artifact(name)


def start_llm_server(s: Session, env: dict[str, str] | None = None) -> str:
    """Starts examples/common/llm_server.py (the local OpenAI/TGI stand-in); its base URL."""
    server = s.start("llm-server", [sys.executable, "-m", "examples.common.llm_server", "--port", "0"],
                     env={"PYTHONPATH": str(ROOT), **(env or {})}, stdout_pipe=True)
    assert server.proc.stdout is not None
    line = server.proc.stdout.readline().decode()
    if not line.startswith("LLM SERVER READY "):
        raise ExampleError(f"the local LLM server did not start: {line!r}")
    url = f"http://127.0.0.1:{int(line.split()[-1])}"
    print(f"local LLM server (OpenAI and TGI wire formats, a bigram model): {url}", flush=True)
    return url
