"""The Python ONNX service as an image (infernet-swift/onnx, on the Debian base image
scripts/images.sh makes with debootstrap) run by the real node on the engine: the model cache
mounted as a volume, a job checked against onnxruntime run in-process."""
from __future__ import annotations

import os

import pytest

from enginehelpers import ONNX, ensure_images, hello_container, start_node

np = pytest.importorskip("numpy", reason="the services venv (scripts/test-engine.sh uses it)")
ort = pytest.importorskip("onnxruntime")

from services.common.vector import Vector  # noqa: E402
from svchelpers import iris_classifier_onnx, iris_data, put_model  # noqa: E402

IRIS = "local/ritual/iris:iris.onnx"


def test_onnx_image_job_through_the_node(engine, tmp_path):
    ensure_images(engine, ONNX)
    cache = tmp_path / "models"
    blob = iris_classifier_onnx()
    put_model(cache, "ritual", "iris", {"iris.onnx": blob})
    # the service runs as nobody in its image: the mounted cache must be readable (and writable
    # for its lock files)
    for directory, _, _ in os.walk(tmp_path):
        os.chmod(directory, 0o777)
    for directory, _, files in os.walk(cache):
        for name in files:
            os.chmod(os.path.join(directory, name), 0o666)
    container = hello_container("onnx-img", image=ONNX, timeout=60, volumes=[f"{cache}:/models"],
                                env={"ONNX_CACHE_DIR": "/models", "ONNX_DEFAULT_MODEL_ID": IRIS,
                                     "ONNX_INTRA_OP_THREADS": "1", "OMP_NUM_THREADS": "1"})
    node = start_node(tmp_path / "node", engine.host, [container])
    try:
        X, _ = iris_data()
        rows = X[::25].astype(np.float32)
        data = {"model_id": IRIS, "inputs": {"input": Vector.from_numpy(rows).to_json()}}
        job = node.wait_container("onnx-img", data, timeout=120)
        assert job["status"] == "success", job
        labels, probabilities = job["result"]["output"]["result"]
        session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
        expected_labels, expected_probabilities = session.run(None, {"input": rows})
        assert labels["values"] == expected_labels.tolist()
        np.testing.assert_allclose(probabilities["values"], expected_probabilities.reshape(-1), rtol=1e-6)
        info = engine.inspect("onnx-img")
        assert any(m["Destination"] == "/models" for m in info["Mounts"]), info["Mounts"]
    finally:
        node.stop()
        engine.remove("onnx-img")
