"""Smoke test of scripts/bench-offchain.py (issue 14's off-chain benchmark) against the built node
binaries: 1 and 8 clients, 2 s each, and checks that every figure is there and sane. Skipped unless
built (INFERNET_BIN_DIR, which scripts/test.sh exports, else this checkout's debug build); needs
Node.js (scripts/setup.sh installs it) and ../shared/tools beside the repository."""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.environ.get("INFERNET_BIN_DIR") or os.path.join(ROOT, ".build", "debug")
SCRIPT = os.path.join(ROOT, "scripts", "bench-offchain.py")
NODE_PROCESSES = ("supervisor", "gateway", "compute")


@pytest.mark.skipif(not os.access(os.path.join(BIN, "infernet-node"), os.X_OK),
                    reason=f"node binaries not built in {BIN} (swift build)")
def test_offchain_bench_measures_every_figure(tmp_path):
    figures = tmp_path / "figures.json"
    out = subprocess.run([sys.executable, SCRIPT, "--bin", BIN, "--clients", "1,8", "--duration", "2",
                          "--warmup", "1", "--settle", "0.5", "--json", str(figures)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = json.loads(figures.read_text())
    text = out.stdout

    # Every node process found under the supervisor, and the echo container beside them.
    procs = report["processes"]
    for role in (*NODE_PROCESSES, "echo"):
        assert isinstance(procs.get(role), int) and procs[role] > 0, procs
    assert len(set(procs.values())) == len(procs), procs

    # Memory: PSS and RSS of each node process, PSS never above RSS.
    for memory in [report["idle_memory"], *(r["memory_after"] for r in report["runs"])]:
        assert set(NODE_PROCESSES) <= set(memory["per_process"]), memory
        for name, m in memory["per_process"].items():
            assert 0 < m["pss_mib"] <= m["rss_mib"], (name, m)
        assert 0 < memory["pss_mib"] <= memory["rss_mib"]

    runs = {(r["mode"], r["clients"]): r for r in report["runs"]}
    assert set(runs) == {("direct", 1), ("direct", 8), ("node", 1), ("node", 8)}
    for (mode, clients), run in runs.items():
        lg = run["loadgen"]
        assert lg["mode"] == mode and lg["clients"] == clients
        assert lg["completed"] > 0 and lg["jobs_per_s"] > 0, run
        assert 0 < lg["p50_ms"] <= lg["p99_ms"], lg
        # CPU sampled over the load generator's measured window, within 10 %.
        assert abs(run["window_s"] - 2.0) < 0.2, run["window_s"]
        assert run["cpu_s"]["loadgen"] > 0 and run["cpu_ms_per_job"]["loadgen"] > 0, run["cpu_s"]
        assert run["cpu_s"]["echo"] > 0, run["cpu_s"]
        assert set(NODE_PROCESSES) <= set(run["cpu_s"]), run["cpu_s"]
        if mode == "node":
            assert lg["polls_per_job"] >= 1, lg
            assert run["node_cpu_ms_per_job"] > 0, run
            assert run["cpu_s"]["gateway"] > 0 and run["cpu_s"]["compute"] > 0, run["cpu_s"]
            node_sum = sum(v for k, v in run["cpu_ms_per_job"].items() if k.split(".")[0] in NODE_PROCESSES)
            assert run["node_cpu_ms_per_job"] == pytest.approx(node_sum), run

    # One status poll per job: the gateway holds a poll of a running job until it finishes
    # (server.job_status_wait, 0.5 s by default; these jobs take milliseconds). Without it a
    # client polling every 2 ms needs two or more polls per job at 8 clients.
    assert runs[("node", 8)]["loadgen"]["polls_per_job"] <= 1.2, runs[("node", 8)]["loadgen"]

    # Ratios: to the direct baseline, and to issue 14's targets.
    for clients in ("1", "8"):
        ratio = report["summary"]["ratio_node_to_direct"][clients]
        assert ratio is not None and ratio > 0
    assert report["targets"]["p50_ms_1"] == runs[("node", 1)]["loadgen"]["p50_ms"]
    assert report["targets"]["pss_mib_idle"] == report["idle_memory"]["pss_mib"]
    assert re.search(r"p50 at 1 client: [\d.]+ ms = [\d.]+x the 2 ms target", text), text
    assert re.search(r"node PSS idle: [\d.]+ MiB = [\d.]+x the 50 MiB target .*\(RSS [\d.]+ MiB\)", text), text
    assert re.search(r"\n\s+8 clients: node [\d,.]+ / direct [\d,.]+ = [\d.]+", text), text
    assert re.search(r"\n\s+8\s+node\s+[\d,.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ .*gateway [\d.]+", text), text
