"""Smoke test of python -m devnet.node_bench --quick against the debug binaries (skipped unless built;
scripts/test.sh builds them before the Python suites and exports INFERNET_BIN_DIR)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.environ.get("INFERNET_BIN_DIR") or os.path.join(ROOT, ".build", "debug")


@pytest.mark.skipif(not os.access(os.path.join(BIN, "infernet-node"), os.X_OK),
                    reason=f"node binaries not built in {BIN} (swift build)")
def test_node_bench_quick_prints_every_figure():
    out = subprocess.run([sys.executable, "-m", "devnet.node_bench", "--quick", "--bin", BIN, "--backends", "pyrevm"], cwd=ROOT,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    assert re.search(r"a\. latency.*\n\s+node:\s+median [\d.]+ blocks / [\d.]+ s, max \d+ blocks", text), text
    assert re.search(r"\n\s+baseline: median [\d.]+ blocks", text), text
    assert re.search(r"b\. throughput.*\n\s+node:\s+[\d.]+ deliveries/s", text), text
    assert re.search(r"\n\s+baseline: [\d.]+ deliveries/s", text), text
    # Per-process CPU while the node delivered, from /proc: the chain worker did most of it.
    cpu = re.search(r"CPU per delivery while the node delivered \(ms, /proc\): node ([\d.]+) = (.*); devnet ([\d.]+)", text)
    assert cpu, text
    parts = dict((name, float(ms)) for name, ms in re.findall(r"([a-z-]+) ([\d.]+)", cpu.group(2)))
    assert parts.get("chain", 0) > 0 and float(cpu.group(3)) > 0, cpu.group(0)
    assert abs(sum(parts.values()) - float(cpu.group(1))) < 0.05 * len(parts), cpu.group(0)
    # The devnet's CPU per delivery for the bare deliverer too, and HTTP requests beside calls.
    assert re.search(r"; devnet [\d.]+ \(while the bare deliverer delivered: [\d.]+\)", text), cpu.group(0)
    assert re.search(r"JSON-RPC calls per delivery: [\d.]+ in [\d.]+ HTTP requests", text), text
    assert re.search(r"c\. snapshot sync of \d+ subscriptions.*\n\s+node:\s+[\d.]+ s from launch.*subscriptions/s; "
                     r"\d+ RPC calls \([\d.]+ per 1,000 subscriptions\)", text), text
    assert re.search(r"\n\s+baseline: [\d.]+ s, [\d,]+ subscriptions/s; \d+ RPC calls", text), text
