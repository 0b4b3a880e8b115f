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
