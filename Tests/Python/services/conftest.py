"""The inference services' tests need the services venv (`scripts/setup.sh --services`, used by
`scripts/test-services.sh`); under the main venv they are not collected."""
from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("skl2onnx") is None:
    collect_ignore_glob = ["test_*.py"]
else:
    from svchelpers import ServiceProcess


@pytest.fixture
def start_service(tmp_path):
    started: list = []

    def start(module: str, **env: str) -> "ServiceProcess":
        service = ServiceProcess(module, env, tmp_path / f"{module}-{len(started)}.log")
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()




@pytest.fixture(scope="session")
def devnet(tmp_path_factory):
    """One devnet with the SDK contracts for the on-chain node tests (each uses its own node key)."""
    from nodehelpers import Devnet, require_bin_dir
    require_bin_dir()
    with Devnet(tmp_path_factory.mktemp("devnet") / "devnet.log") as chain:
        yield chain
