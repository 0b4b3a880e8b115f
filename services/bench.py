"""Benchmark: ONNX iris inferences per second through the service's HTTP API (N concurrent
clients, batch 1, keep-alive) vs onnxruntime called directly in-process.

    python -m services.bench [--seconds 5] [--clients 32] [--json]
    python -m services.bench --node [--bin-dir DIR] [--seconds 5] [--clients 32] [--json]

With --node the requests go through the real Swift node instead: `infernet-node` (from
--bin-dir, else INFERNET_BIN_DIR, else `swift build --show-bin-path`) runs the ONNX service as a
`command` container (services/bin/infernet-onnx, as deploy/config.onnx.json does), and each
client submits `POST /api/jobs` and polls `GET /api/jobs?id=` until the job is done.

Builds the iris classifier with scikit-learn + skl2onnx into a temporary model directory,
starts `python -m services.onnx` on a free port, and drives it with aiohttp (the client runs
on the same machine, so it shares the CPUs with the service).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def build_model(directory: Path) -> tuple[str, bytes]:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from services.common.sources import write_manifest
    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    onx = convert_sklearn(clf, initial_types=[("input", FloatTensorType([None, 4]))],
                          options={id(clf): {"zipmap": False}}, target_opset=17).SerializeToString()
    model_dir = directory / "local" / "bench" / "iris" / "default"
    model_dir.mkdir(parents=True)
    (model_dir / "iris.onnx").write_bytes(onx)
    write_manifest(model_dir, ["iris.onnx"])
    return "local/bench/iris:iris.onnx", onx


def direct(model: bytes, seconds: float) -> float:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    row = np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            session.run(None, {"input": row})
        count += 200
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


async def through_http(port: int, model_id: str, seconds: float, clients: int) -> dict:
    import aiohttp
    body = json.dumps({"source": 1, "destination": 1, "requires_proof": False, "data": {
        "model_id": model_id,
        "inputs": {"input": {"dtype": 1, "shape": [1, 4], "values": [5.1, 3.5, 1.4, 0.2]}}}})
    url = f"http://127.0.0.1:{port}/service_output"
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector,
                                     headers={"Content-Type": "application/json"}) as session:
        async def warm() -> None:
            async with session.post(url, data=body) as r:
                await r.read()
        await asyncio.gather(*(warm() for _ in range(clients)))
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                async with session.post(url, data=body) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "errors": errors, "per_second": len(latencies) / elapsed,
            "p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def find_bin_dir(explicit: str | None) -> Path:
    import shutil
    if explicit or os.environ.get("INFERNET_BIN_DIR"):
        found = Path(explicit or os.environ["INFERNET_BIN_DIR"]).resolve()  # the node runs from a temporary dir
    elif shutil.which("swift"):
        found = Path(subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout.strip())
    else:
        raise SystemExit("bench --node: no node binaries (set INFERNET_BIN_DIR or --bin-dir)")
    if not os.access(found / "infernet-node", os.X_OK):
        raise SystemExit(f"bench --node: {found}/infernet-node is missing (swift build first)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def through_node(port: int, model_id: str, seconds: float, clients: int,
                       poll_interval: float) -> dict:
    """Each client: POST /api/jobs, then GET /api/jobs?id= until the job is no longer running."""
    import aiohttp
    job = json.dumps({"containers": ["onnx-inference"], "data": {
        "model_id": model_id,
        "inputs": {"input": {"dtype": 1, "shape": [1, 4], "values": [5.1, 3.5, 1.4, 0.2]}}}})
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors = polls = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector,
                                     headers={"Content-Type": "application/json"}) as session:
        async def one() -> bool:
            nonlocal polls
            async with session.post(base + "/api/jobs", data=job) as r:
                if r.status != 200:
                    await r.read()
                    return False
                job_id = (await r.json())["id"]
            while True:
                async with session.get(f"{base}/api/jobs?id={job_id}") as r:
                    polls += 1
                    body = await r.json()
                if body and body[0]["status"] != "running":
                    return body[0]["status"] == "success"
                await asyncio.sleep(poll_interval)

        await asyncio.gather(*(one() for _ in range(clients)))      # warm-up
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                if not await one():
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"jobs": len(latencies), "errors": errors, "per_second": len(latencies) / elapsed,
            "p50_ms": pick(0.50), "p99_ms": pick(0.99), "polls_per_job": polls / max(1, len(latencies))}


def run_node(args: argparse.Namespace, tmp: str, model_id: str) -> dict:
    bin_dir = find_bin_dir(args.bin_dir)
    directory = Path(tmp) / "node"
    directory.mkdir()
    port = free_port()
    config = {
        "server": {"port": port, "bind_address": "127.0.0.1",
                   "rate_limit": {"num_requests": 10_000_000, "period": 60}},
        "chain": {"enabled": False},
        "containers": [{
            "id": "onnx-inference", "command": str(ROOT / "services" / "bin" / "infernet-onnx"),
            "port": free_port(), "external": True, "timeout": 60,
            "env": {"INFERNET_SERVICES_VENV": sys.prefix, "ONNX_CACHE_DIR": tmp,
                    "ONNX_DEFAULT_MODEL_ID": model_id, "ONNX_INTRA_OP_THREADS": "1",
                    "LOG_LEVEL": "WARNING"}}],
        "node": {"data_dir": str(directory / "var"), "compute_workers": args.compute_workers},
    }
    (directory / "config.json").write_text(json.dumps(config))
    log = open(directory / "node.log", "wb")
    proc = subprocess.Popen([str(bin_dir / "infernet-node"), "--config", str(directory / "config.json")],
                            cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "INFERNET_BIN_DIR": str(bin_dir)})
    try:
        probe = json.dumps({"containers": ["onnx-inference"], "data": {"model_id": model_id, "inputs": {
            "input": {"dtype": 1, "shape": [1, 4], "values": [5.1, 3.5, 1.4, 0.2]}}}}).encode()
        deadline = time.monotonic() + 90
        while True:    # the node is up and its container answers a job
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench --node: the node did not start:\n"
                                 f"{(directory / 'node.log').read_text(errors='replace')[-4000:]}")
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/jobs", data=probe,
                                                 headers={"Content-Type": "application/json"})
                job_id = json.loads(urllib.request.urlopen(request, timeout=2).read())["id"]
                for _ in range(100):
                    body = json.loads(urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/jobs?id={job_id}", timeout=2).read())
                    if body and body[0]["status"] != "running":
                        break
                    time.sleep(0.05)
                if body and body[0]["status"] == "success":
                    break
            except OSError:
                pass
            time.sleep(0.2)
        return asyncio.run(through_node(port, model_id, args.seconds, args.clients, args.poll_interval))
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def main_node(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        model_id, model = build_model(Path(tmp))
        node = run_node(args, tmp, model_id)
        in_process = direct(model, args.seconds)
    ratio = node["per_second"] / in_process
    result = {"model": "iris (LogisticRegression, skl2onnx)", "clients": args.clients, "batch": 1,
              "node": node, "direct_per_second": in_process, "ratio": ratio, "cpus": os.cpu_count(),
              "compute_workers": args.compute_workers}
    if args.json:
        print(json.dumps(result))
        return
    print(f"ONNX iris inference, batch 1, {os.cpu_count()} CPUs, {args.seconds:g} s each")
    print(f"  through the node (POST /api/jobs + polling GET /api/jobs?id=, {args.clients} clients): "
          f"{node['per_second']:.0f} inferences/s  (p50 {node['p50_ms']:.2f} ms, p99 {node['p99_ms']:.2f} ms, "
          f"{node['jobs']} jobs, {node['errors']} errors, {node['polls_per_job']:.1f} polls/job)")
    print(f"  onnxruntime in-process (one thread, no HTTP): {in_process:.0f} inferences/s")
    print(f"  ratio node / in-process: {ratio:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--node", action="store_true",
                        help="go through the real Swift node (POST /api/jobs + GET /api/jobs?id=)")
    parser.add_argument("--bin-dir", help="the node's binaries (default INFERNET_BIN_DIR, "
                                           "else `swift build --show-bin-path`)")
    parser.add_argument("--compute-workers", type=int, default=1, help="node.compute_workers (--node)")
    parser.add_argument("--poll-interval", type=float, default=0.002,
                        help="seconds between a client's GET /api/jobs?id= polls (--node)")
    args = parser.parse_args()
    if args.node:
        main_node(args)
        return

    with tempfile.TemporaryDirectory() as tmp:
        model_id, model = build_model(Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "PORT": str(port), "ONNX_CACHE_DIR": tmp, "LOG_LEVEL": "WARNING",
               "ONNX_DEFAULT_MODEL_ID": model_id, "ONNX_INTRA_OP_THREADS": "1",
               "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-m", "services.onnx"], cwd=ROOT, env=env)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            http = asyncio.run(through_http(port, model_id, args.seconds, args.clients))
        finally:
            proc.terminate()
            proc.wait(10)
        in_process = direct(model, args.seconds)

    result = {"model": "iris (LogisticRegression, skl2onnx)", "clients": args.clients, "batch": 1,
              "http": http, "direct_per_second": in_process, "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(result))
        return
    print(f"ONNX iris inference, batch 1, {os.cpu_count()} CPUs, {args.seconds:g} s each")
    print(f"  through the service (HTTP, {args.clients} concurrent clients): "
          f"{http['per_second']:.0f} inferences/s  (p50 {http['p50_ms']:.2f} ms, "
          f"p99 {http['p99_ms']:.2f} ms, {http['requests']} requests, {http['errors']} errors)")
    print(f"  onnxruntime in-process (one thread, no HTTP):       {in_process:.0f} inferences/s")


if __name__ == "__main__":
    main()
