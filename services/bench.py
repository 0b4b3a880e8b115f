"""Benchmark: ONNX iris inferences per second through the service's HTTP API (N concurrent
clients, batch 1, keep-alive) vs onnxruntime called directly in-process.

    python -m services.bench [--seconds 5] [--clients 32] [--json]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

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
