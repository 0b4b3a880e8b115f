"""The EZKL stage's tests need the EZKL venv (`scripts/setup.sh --ezkl`, used by
scripts/test-ezkl.sh); under the other venvs they are not collected."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "services"))  # nodehelpers, svchelpers

if importlib.util.find_spec("ezkl") is None or importlib.util.find_spec("onnxruntime") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def iris_artifacts() -> Path:
    """The iris MLP's artifacts, built once per machine (cached under ~/.cache, keyed by the
    model and settings; a fresh machine builds them: ~10-90 s)."""
    from services.ezkl.artifacts import cached_artifacts
    from services.ezkl.iris import iris_mlp_onnx
    return cached_artifacts(iris_mlp_onnx())


@pytest.fixture(scope="session")
def compiled_verifier(iris_artifacts) -> dict:
    """Compiled now from ezkl's Halo2Verifier.sol (not the cached bytecode), so a compiler change
    is always what is tested."""
    from contracts.yul import compile_solidity_verifier
    return compile_solidity_verifier((iris_artifacts / "Halo2Verifier.sol").read_text())


@pytest.fixture(scope="session")
def devnet(tmp_path_factory):
    from nodehelpers import Devnet
    # 300 s per call: see chainhelpers
    with Devnet(tmp_path_factory.mktemp("devnet") / "devnet.log", rpc_timeout=300) as chain:
        yield chain
