"""The Torch service through the real Swift node (a `command` container, as
deploy/config.torch.json runs it): a TorchScript module and a scikit-learn model built at test
time, off-chain (`POST /api/jobs`) and on-chain (CallbackConsumer on a devnet), checked against
the models called in-process. The TorchScript half is skipped when torch is not installed."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from eth_abi import decode, encode

from services.common.model_id import ModelId
from services.common.vector import DType, Vector, decode_vector, encode_vector
from nodehelpers import NodeProcess
from svchelpers import HAS_TORCH, ROOT, free_port, iris_data, put_model
from test_torch_service import sklearn_model, torch_models

JIT = "local/ritual/node-iris-torch:model.pt"
SKLEARN = "local/ritual/node-housing-sk:model.joblib"


@pytest.fixture(scope="module")
def torch_node(tmp_path_factory, devnet):
    cache = tmp_path_factory.mktemp("node-torch-cache")
    reg, blob = sklearn_model()
    put_model(cache, "ritual", "node-housing-sk", {"model.joblib": blob})
    models = {"sklearn": reg}
    if HAS_TORCH:
        net, jit_blob, _ = torch_models()
        put_model(cache, "ritual", "node-iris-torch", {"model.pt": jit_blob})
        models["torch"] = net
    container = {"id": "torch-inference", "command": str(ROOT / "services" / "bin" / "infernet-torch"),
                 "port": free_port(), "external": True, "timeout": 60,
                 "env": {"INFERNET_SERVICES_VENV": sys.prefix, "TORCH_CACHE_DIR": str(cache),
                         "TORCH_DEFAULT_MODEL_ID": SKLEARN, "TORCH_USE_JIT": "true",
                         "TORCH_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING"}}
    node = NodeProcess(tmp_path_factory.mktemp("node-torch"), [container],
                       extra={"chain": devnet.node_chain_config(key_index=5)})
    try:
        node.wait_healthy()
        X, _ = iris_data()
        node.wait_container("torch-inference", {"model_id": SKLEARN,
                                                "input": Vector.from_numpy(X[:1, :3]).to_json()})
        yield node, models
    finally:
        node.stop()


def onchain(devnet, node, model_id: str, rows: np.ndarray) -> np.ndarray:
    inputs = encode(["bytes", "bytes"], [ModelId.parse(model_id).to_web3(),
                                         encode_vector(Vector.from_numpy(rows))])
    subscription = devnet.request_compute("torch-inference", inputs)
    raw_output, processed_output = decode(["bytes", "bytes"], devnet.wait_delivery(subscription, node))
    assert processed_output == b""
    # by hand with eth-abi (services.md): IEEE float64 = int64 bits
    arithmetic, _, dtype, shape, values = decode(["uint8", "uint8", "uint8", "uint16[]", "int64[]"], raw_output)
    assert (arithmetic, dtype) == (0, int(DType.float64))
    by_hand = np.array(values, dtype=np.int64).view(np.float64).reshape(shape)
    assert decode_vector(raw_output).array.tolist() == by_hand.tolist()
    return by_hand


def test_sklearn_model_offchain_and_onchain(torch_node, devnet):
    node, models = torch_node
    X, _ = iris_data()
    features = X[::20, :3]
    expected = models["sklearn"].predict(features)
    job = node.run_job(["torch-inference"], {"model_id": SKLEARN, "input": Vector.from_numpy(features).to_json()})
    assert job["status"] == "success", job
    assert job["result"]["output"] == {"dtype": 2, "shape": [len(features)], "values": expected.tolist()}
    # wrong feature count: the job fails, the container stays up
    bad = node.run_job(["torch-inference"], {"model_id": SKLEARN, "input": Vector.from_numpy(X[:1]).to_json()})
    assert bad["status"] == "failed", bad
    delivered = onchain(devnet, node, SKLEARN, features[:4])
    assert delivered.tolist() == expected[:4].tolist()


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed in the services venv")
def test_torchscript_module_offchain_and_onchain(torch_node, devnet):
    import torch
    node, models = torch_node
    X, _ = iris_data()
    rows = X[::30]
    expected = models["torch"](torch.from_numpy(rows)).detach().numpy()
    job = node.run_job(["torch-inference"], {"model_id": JIT, "input": Vector.from_numpy(rows).to_json()})
    assert job["status"] == "success", job
    output = job["result"]["output"]
    assert output["dtype"] == 2 and output["shape"] == [len(rows), 3]
    np.testing.assert_allclose(output["values"], expected.reshape(-1), rtol=1e-12)
    delivered = onchain(devnet, node, JIT, rows[:3])
    np.testing.assert_allclose(delivered, expected[:3], rtol=1e-12)
    np.testing.assert_allclose(delivered.sum(axis=1), 1.0, rtol=1e-9)    # softmax rows
