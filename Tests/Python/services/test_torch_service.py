"""The Torch service as a real process: a TorchScript module, a pickled nn.Module and
scikit-learn models, all built at test time."""
from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest
from eth_abi import decode, encode

from services.common.model_id import ModelId
from services.common.sources import LRUCache
from services.common.vector import DType, Vector, decode_vector, encode_vector
from svchelpers import HAS_TORCH, iris_data, put_model

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed in the services venv")

JIT = "local/ritual/iris-torch:model.pt"
PICKLED = "local/ritual/iris-torch-pickled:model.torch"
SKLEARN = "local/ritual/housing-sk:model.joblib"


def torch_models():
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3),
                              torch.nn.Softmax(dim=-1)).double().eval()
    scripted = torch.jit.script(net)
    jit_buffer, pickle_buffer = io.BytesIO(), io.BytesIO()
    torch.jit.save(scripted, jit_buffer)
    torch.save(net, pickle_buffer)
    return net, jit_buffer.getvalue(), pickle_buffer.getvalue()


def sklearn_model():
    import joblib
    from sklearn.linear_model import LinearRegression
    X, _ = iris_data()
    reg = LinearRegression().fit(X[:, :3], X[:, 3])
    buffer = io.BytesIO()
    joblib.dump(reg, buffer)
    return reg, buffer.getvalue()


def vec(array: np.ndarray) -> dict:
    return Vector.from_numpy(array).to_json()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("torch-cache")
    reg, blob = sklearn_model()
    put_model(cache, "ritual", "housing-sk", {"model.joblib": blob})
    models = {"sklearn": reg}
    if HAS_TORCH:
        net, jit_blob, pickle_blob = torch_models()
        put_model(cache, "ritual", "iris-torch", {"model.pt": jit_blob})
        put_model(cache, "ritual", "iris-torch-pickled", {"model.torch": pickle_blob})
        put_model(cache, "ritual", "garbage", {"model.torch": b"not a model"})
        models["torch"] = net
    return cache, models


@needs_torch
def test_torchscript_offchain_and_onchain(start_service, cache):
    import torch
    directory, models = cache
    svc = start_service("services.torch", TORCH_CACHE_DIR=str(directory), TORCH_USE_JIT="true",
                        TORCH_DEFAULT_MODEL_ID=JIT)
    assert svc.get("/") == (200, "Torch Inference Service!")
    X, _ = iris_data()
    rows = X[::30]
    expected = models["torch"](torch.from_numpy(rows)).detach().numpy()
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": JIT, "input": vec(rows)}})
    assert status == 200, body
    assert body["dtype"] == 2 and body["shape"] == [len(rows), 3]
    np.testing.assert_allclose(body["values"], expected.reshape(-1), rtol=1e-12)
    # on-chain, default model, IEEE float64 in and out
    data = encode(["bytes", "bytes"], [b"", encode_vector(Vector.from_numpy(rows))]).hex()
    status, body = svc.post({"source": 0, "destination": 0, "data": data})
    assert status == 200, body
    assert body["raw_input"] == data and body["proof"] == ""
    out = decode_vector(bytes.fromhex(body["raw_output"]))
    assert out.dtype == DType.float64 and out.shape == (len(rows), 3)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    # fixed point, delegated
    status, body = svc.post({"source": 1, "destination": 0, "data": {
        "input": vec(rows[:1]), "output_arithmetic": "fixed_point", "output_num_decimals": 6}})
    assert status == 200, body
    values = decode(["uint8", "uint8", "uint8", "uint16[]", "int128[]"],
                    bytes.fromhex(body["raw_output"]))
    assert values[:4] == (1, 6, 3, (1, 3))
    assert list(values[4]) == [int(v * 10 ** 6) for v in expected[0].tolist()]
    # a float32 input to a float64 module: a clear 400, and the service stays up
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"input": vec(rows.astype(np.float32))}})
    assert status == 400 and "refused the input" in body["description"], body
    status, body = svc.post({"source": 1, "destination": 1, "data": {"model_id": JIT}})
    assert status == 400 and "missing required field 'data.input'" in body["description"]
    status, body = svc.post({"source": 1, "destination": 1, "data": {"input": vec(rows)},
                             "requires_proof": True})
    assert status == 400 and "proofs" in body["description"]
    assert svc.alive()


@needs_torch
def test_pickled_module_with_torch_load(start_service, cache):
    import torch
    directory, models = cache
    svc = start_service("services.torch", TORCH_CACHE_DIR=str(directory))
    X, _ = iris_data()
    expected = models["torch"](torch.from_numpy(X[:2])).detach().numpy()
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": PICKLED, "input": vec(X[:2])}})
    assert status == 200, body
    np.testing.assert_allclose(body["values"], expected.reshape(-1), rtol=1e-12)
    # torch.load also opens TorchScript archives
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": JIT, "input": vec(X[:2])}})
    assert status == 200, body
    # a file that is no model: a clear error naming the loader
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": "local/ritual/garbage:model.torch", "input": vec(X[:2])}})
    assert status == 500 and "torch.load" in body["description"], body
    assert svc.alive()


def test_sklearn_model(start_service, cache):
    directory, models = cache
    svc = start_service("services.torch", TORCH_CACHE_DIR=str(directory), TORCH_MODEL_LRU_CACHE_SIZE="2")
    X, _ = iris_data()
    features = X[:5, :3]
    expected = models["sklearn"].predict(features)
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": SKLEARN, "input": vec(features)}})
    assert status == 200, body
    assert body == {"dtype": 2, "shape": [5], "values": expected.tolist()}
    data = encode(["bytes", "bytes"], [ModelId.parse(SKLEARN).to_web3(),
                                       encode_vector(Vector.from_numpy(features))]).hex()
    status, body = svc.post({"source": 0, "destination": 0, "data": data})
    assert status == 200, body
    assert decode_vector(bytes.fromhex(body["raw_output"])).array.tolist() == expected.tolist()
    # wrong number of features: scikit-learn's message, as a 400
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": SKLEARN, "input": vec(X[:1])}})
    assert status == 400 and "features" in body["description"], body
    status, body = svc.post({"source": 1, "destination": 1,
                             "data": {"model_id": "local/ritual/none:model.joblib", "input": vec(X[:1])}})
    assert status == 404
    assert svc.alive()


def test_lru_cache_unit():
    loads = []

    def loader(key):
        loads.append(key)
        time.sleep(0.05)
        if key == "bad":
            raise ValueError("boom")
        return key.upper()

    cache = LRUCache(2, loader)
    threads = [threading.Thread(target=cache.get, args=("a",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loads == ["a"]  # concurrent requests share one load
    assert cache.get("b") == "B" and cache.get("a") == "A"
    assert cache.keys() == ["b", "a"]
    cache.get("c")
    assert cache.keys() == ["a", "c"] and cache.evictions == 1
    with pytest.raises(ValueError):
        cache.get("bad")
    with pytest.raises(ValueError):
        cache.get("bad")  # failures are not cached
    assert loads.count("bad") == 2
    nocache = LRUCache(0, loader)
    nocache.get("x")
    nocache.get("x")
    assert loads.count("x") == 2 and nocache.keys() == []
