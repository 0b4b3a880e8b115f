"""deploy/config.ezkl.json: the EZKL service as the node runs it."""
from __future__ import annotations

import json
import os

from svchelpers import ROOT


def test_example_config_runs_the_ezkl_launcher_with_documented_env():
    config = json.loads((ROOT / "deploy" / "config.ezkl.json").read_text())
    (container,) = config["containers"]
    assert container["command"] == "infernet-ezkl"
    launcher = ROOT / "services" / "bin" / "infernet-ezkl"
    assert os.access(launcher, os.X_OK)
    assert container["generates_proofs"] is True
    assert container["timeout"] >= 60  # proving takes seconds to tens of seconds
    documented = (ROOT / "services" / "ezkl" / "service.py").read_text()
    for key in container["env"]:
        assert key in documented, f"{key} is not documented by services/ezkl/service.py"
        assert "TAMPER" not in key, "the test-only switch never goes in an example config"
    wallet = config["chain"]["wallet"]
    assert "private_key" not in wallet and wallet["private_key_env"]


def run_module(*args: str, env: dict | None = None):
    import subprocess
    import sys
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EZKL_")}
    return subprocess.run([sys.executable, "-m", "services.ezkl", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**clean, "PYTHONPATH": str(ROOT), **(env or {})})


def test_bad_settings_are_clear_errors_naming_the_key():
    tamper = run_module(env={"EZKL_TEST_TAMPER": "bogus", "PORT": "1"})
    assert tamper.returncode != 0 and "EZKL_TEST_TAMPER" in tamper.stderr
    agent = run_module("agent", "--rpc", "http://127.0.0.1:1", "--verifier", "0x" + "00" * 20,
                       "--artifacts", str(ROOT))
    assert agent.returncode != 0 and "EZKL_AGENT_KEY" in agent.stderr
    prepare = run_module("prepare", str(ROOT / "no-such.onnx"), str(ROOT / "no-such-dir"))
    assert prepare.returncode != 0 and "no file" in prepare.stderr
