"""The ONNX service through the real Swift node: a `command` container (services/bin/infernet-onnx,
as deploy/config.onnx.json runs it), off-chain jobs (`POST /api/jobs`) and an on-chain
CallbackConsumer request on a devnet, checked against onnxruntime called in-process."""
from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort
import pytest
from eth_abi import decode, encode

from services.common.model_id import ModelId
from services.common.vector import Vector, decode_vector, encode_vector
from nodehelpers import NodeProcess
from svchelpers import ROOT, free_port, iris_classifier_onnx, iris_data, iris_proba_onnx, put_model

IRIS = "local/ritual/iris:iris.onnx"
IRIS_PROBA = "local/ritual/iris-proba:iris.onnx"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    cache = tmp_path_factory.mktemp("node-onnx-cache")
    blobs = {"iris": iris_classifier_onnx(), "proba": iris_proba_onnx()}
    put_model(cache, "ritual", "iris", {"iris.onnx": blobs["iris"]})
    put_model(cache, "ritual", "iris-proba", {"iris.onnx": blobs["proba"]})
    return cache, blobs


def onnx_container(container_id: str, cache) -> dict:
    """As deploy/config.onnx.json: the launcher as a command, the node sets PORT."""
    return {"id": container_id, "command": str(ROOT / "services" / "bin" / "infernet-onnx"),
            "port": free_port(), "external": True, "timeout": 60,
            "env": {"INFERNET_SERVICES_VENV": sys.prefix, "ONNX_CACHE_DIR": str(cache),
                    "ONNX_DEFAULT_MODEL_ID": IRIS, "ONNX_INTRA_OP_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "LOG_LEVEL": "WARNING"}}


def in_process(model: bytes, rows: np.ndarray) -> list[np.ndarray]:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": rows.astype(np.float32)})


def offchain_data(rows: np.ndarray, model_id: str = IRIS) -> dict:
    return {"model_id": model_id, "inputs": {"input": Vector.from_numpy(rows.astype(np.float32)).to_json()}}


def test_onnx_offchain_jobs_through_the_node(models, tmp_path):
    cache, blobs = models
    node = NodeProcess(tmp_path / "node", [onnx_container("onnx-inference", cache)])
    try:
        node.wait_healthy()
        X, _ = iris_data()
        rows = X[::25]
        first = node.wait_container("onnx-inference", offchain_data(rows[:1]))
        assert first["result"]["container"] == "onnx-inference"
        job = node.run_job(["onnx-inference"], offchain_data(rows))
        assert job["status"] == "success", job
        labels, probabilities = job["result"]["output"]["result"]
        expected_labels, expected_probabilities = in_process(blobs["iris"], rows)
        assert labels["dtype"] == 8 and labels["shape"] == [len(rows)]
        assert labels["values"] == expected_labels.tolist()
        assert probabilities["dtype"] == 1 and probabilities["shape"] == [len(rows), 3]
        np.testing.assert_allclose(probabilities["values"], expected_probabilities.reshape(-1), rtol=1e-6)
        assert len(set(labels["values"])) == 3     # the rows cover all three classes
        # the default model answers a request without model_id; a bad input fails the job
        job = node.run_job(["onnx-inference"], {"inputs": offchain_data(rows[:1])["inputs"]})
        assert job["status"] == "success", job
        bad = node.run_job(["onnx-inference"], {"model_id": IRIS, "inputs": {"input": {
            "dtype": 1, "shape": [1, 3], "values": [1.0, 2.0, 3.0]}}})
        assert bad["status"] == "failed", bad
        job = node.run_job(["onnx-inference"], offchain_data(rows[:2], IRIS_PROBA))
        assert job["status"] == "success", job
        (only,) = job["result"]["output"]["result"]
        np.testing.assert_allclose(only["values"], in_process(blobs["proba"], rows[:2])[0].reshape(-1),
                                   rtol=1e-6)
    finally:
        node.stop()


def reference_decode(raw: bytes) -> np.ndarray:
    """The vector decoded by infernet-ml 2.0's codec when it is importable (it needs torch), and
    always by hand with eth-abi per services.md; both must agree."""
    arithmetic, scale, dtype, shape, values = decode(["uint8", "uint8", "uint8", "uint16[]", "int32[]"], raw)
    assert (arithmetic, dtype) == (0, 1)
    by_hand = np.array(values, dtype=np.int32).view(np.float32).reshape(shape)
    try:
        from infernet_ml.utils.codec.vector import RitualVector
    except ImportError:
        return by_hand
    reference = RitualVector.from_web3(raw)
    assert tuple(reference.shape) == tuple(shape)
    np.testing.assert_array_equal(np.asarray(reference.values, dtype=np.float32).reshape(shape), by_hand)
    return by_hand


def test_onnx_onchain_callback_through_the_node(models, devnet, tmp_path):
    cache, blobs = models
    node = NodeProcess(tmp_path / "node", [onnx_container("onnx-onchain", cache)],
                       extra={"chain": devnet.node_chain_config(key_index=4)})
    try:
        node.wait_healthy()
        X, _ = iris_data()
        node.wait_container("onnx-onchain", offchain_data(X[:1]))     # the service is up
        rows = X[[0, 60, 120]].astype(np.float32)
        inputs = encode(["bytes", "bytes"], [ModelId.parse(IRIS_PROBA).to_web3(),
                                             encode_vector(Vector.from_numpy(rows))])
        subscription = devnet.request_compute("onnx-onchain", inputs)
        delivered = devnet.wait_delivery(subscription, node)
        raw_output, processed_output = decode(["bytes", "bytes"], delivered)
        assert processed_output == b""
        probabilities = reference_decode(raw_output)
        assert decode_vector(raw_output).array.tolist() == probabilities.tolist()
        expected = in_process(blobs["proba"], rows)[0]
        assert probabilities.shape == (3, 3)
        np.testing.assert_allclose(probabilities, expected, rtol=1e-6)
        assert probabilities.argmax(axis=1).tolist() == [0, 1, 2]
    finally:
        node.stop()
