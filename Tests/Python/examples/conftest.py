"""The examples' tests (scripts/test-examples.sh, its own stage of scripts/test.sh): each runs an
example's one command against one shared devnet and checks what was delivered on chain.

They run the node's binaries ($INFERNET_BIN_DIR, else `swift build --show-bin-path`) and take
minutes, so the plain `pytest Tests/Python` of scripts/test-python.sh does not collect them: they
are collected when $INFERNET_EXAMPLES=1 (set by scripts/test-examples.sh) or when pytest is
pointed at this directory or a file in it.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from examplehelpers import DEVNET_KEYS, HERE, ROOT, Chain, bin_dir


def pytest_ignore_collect(collection_path, config):
    if os.environ.get("INFERNET_EXAMPLES") == "1":
        return None
    targets = [Path(str(a).split("::")[0]).resolve() for a in config.args]
    if any(t == HERE or HERE in t.parents for t in targets):
        return None
    path = Path(str(collection_path)).resolve()
    if path == HERE or HERE in path.parents:
        return True
    return None


@pytest.fixture(scope="session")
def chain(tmp_path_factory):
    with Chain(tmp_path_factory.mktemp("examples-devnet") / "devnet.log") as c:
        yield c


@pytest.fixture
def run_example(chain, tmp_path):
    """Runs examples/<name>/run.sh against the shared devnet (the --rpc path, as against a real
    chain: keys from the environment) with its own node key; the JSON it wrote and its output."""
    def run(name: str, *extra: str, node_key: int, timeout: float = 420) -> tuple[dict, str]:
        out_file = tmp_path / f"{name}.json"
        env = {**os.environ, "INFERNET_NODE_KEY": DEVNET_KEYS[node_key],
               "INFERNET_REQUESTER_KEY": DEVNET_KEYS[3], "INFERNET_BIN_DIR": bin_dir()}
        cmd = ["bash", str(ROOT / "examples" / name / "run.sh"), "--rpc", chain.url,
               "--registry", chain.addresses["registry"], "--json-out", str(out_file), *extra]
        t0 = time.monotonic()
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout)
        output = done.stdout + done.stderr
        print(f"{name}: {time.monotonic() - t0:.1f} s\n{output[-4000:]}")
        assert done.returncode == 0, output[-6000:]
        return json.loads(out_file.read_text()), output
    return run
