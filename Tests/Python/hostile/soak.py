"""Soak benchmark (not a test): drives many off-chain jobs through the real node and prints, at
intervals, each node process's RSS and PSS (/proc/PID/smaps_rollup) and gateway.sqlite's size.
The first interval is the baseline; the last line prints each figure's ratio to it (flat ≈ 1).

    python Tests/Python/hostile/soak.py --jobs 100000 [--batch 50] [--retention-count 10000]

INFERNET_BIN_DIR picks the binaries (e.g. .build/release); else this checkout's debug build.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "services"))

from hostilenode import HostileNode  # noqa: E402
from nodehelpers import descendants, memory_kib  # noqa: E402


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB (zeros once the process is gone)."""
    pss, rss = memory_kib(pid) or (0, 0)
    return rss, pss


def process_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        # Workers started from the supervisor's executable: `infernet-node worker infernet-gateway ...`.
        if len(argv) > 2 and argv[1] == b"worker":
            return os.path.basename(argv[2].decode())
        return os.path.basename(argv[0].decode())
    except OSError:
        return "?"


def sqlite_size(directory: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        path = directory / "var" / f"gateway.sqlite{suffix}"
        if path.exists():
            total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=50, help="jobs per POST /api/jobs/batch")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--inflight", type=int, default=2000, help="jobs in flight at most")
    parser.add_argument("--interval", type=int, default=10_000, help="print every this many jobs")
    parser.add_argument("--retention-count", type=int, default=10_000, help="node.job_retention_count")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="infernet-soak-"))
    node = HostileNode(directory, {"hello": ""}, node={"job_retention_count": args.retention_count,
                                                      "prune_interval": 2.0})
    try:
        node.wait_ready("hello")
        submitted = 0
        lock = threading.Lock()
        failures: list[str] = []

        def pending() -> int:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
            conn.request("GET", "/info")
            info = json.loads(conn.getresponse().read())
            conn.close()
            return info["pending"]["offchain"]

        def client(target: int) -> None:
            nonlocal submitted
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
            while True:
                with lock:
                    if submitted >= target:
                        break
                    count = min(args.batch, target - submitted)
                    first = submitted
                    submitted += count
                body = json.dumps([{"containers": ["hello"], "data": {"n": first + i}} for i in range(count)])
                conn.request("POST", "/api/jobs/batch", body, {"Content-Type": "application/json"})
                answer = json.loads(conn.getresponse().read())
                bad = [item for item in answer if "id" not in item]
                if bad:
                    with lock:
                        failures.append(json.dumps(bad[0]))
                # Keep the jobs in flight bounded.
                while pending() > args.inflight:
                    time.sleep(0.05)
            conn.close()

        def report() -> tuple[dict[str, tuple[int, int]], int]:
            figures = {f"{process_name(pid)}[{pid}]": memory(pid)
                       for pid in [node.proc.pid, *descendants(node.proc.pid)]}
            size = sqlite_size(directory)
            elapsed = time.monotonic() - started
            parts = ", ".join(f"{name} RSS {rss / 1024:.1f} PSS {pss / 1024:.1f}" for name, (rss, pss) in figures.items())
            print(f"{submitted:>7} jobs {elapsed:7.1f} s {submitted / max(elapsed, 1e-9):6.0f} jobs/s "
                  f"gateway.sqlite {size / 1e6:6.2f} MB | MiB: {parts}", flush=True)
            return figures, size

        print(f"soak: {args.jobs} jobs, batches of {args.batch}, {args.clients} clients, "
              f"retention {args.retention_count}; binaries {node.bin}", flush=True)
        started = time.monotonic()
        baseline: dict[str, tuple[int, int]] | None = None
        baseline_size = 0
        figures: dict[str, tuple[int, int]] = {}
        size = 0
        while submitted < args.jobs:
            target = min(args.jobs, submitted + args.interval)
            threads = [threading.Thread(target=client, args=(target,)) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            # Let the interval's jobs finish (and a prune run) so each line is a quiet node.
            deadline = time.monotonic() + 300
            while pending() > 0 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2.5)
            figures, size = report()
            if baseline is None:
                baseline, baseline_size = figures, size
        print("ratios to the first interval (flat = 1.00):", flush=True)
        assert baseline is not None
        for name, (rss, pss) in figures.items():
            base = baseline.get(name)
            if base and base[0] and base[1]:
                print(f"  {name}: RSS x{rss / base[0]:.2f}, PSS x{pss / base[1]:.2f}")
        print(f"  gateway.sqlite: x{size / max(baseline_size, 1):.2f} ({baseline_size / 1e6:.2f} -> {size / 1e6:.2f} MB)")
        if failures:
            print(f"refused submissions: {len(failures)}, e.g. {failures[0]}")
        status_ok = node.run_job(["hello"], {"q": "after the soak"})["status"] == "success"
        print(f"a job after the soak: {'success' if status_ok else 'FAILED'}")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
