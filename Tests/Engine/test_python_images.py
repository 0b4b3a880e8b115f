"""The Python ONNX and EZKL services as images (infernet-swift/onnx, infernet-swift/ezkl, on the
Debian base image scripts/images.sh makes with debootstrap) run by the real node on the engine:
the model cache mounted as a volume; the ONNX job checked against onnxruntime run in-process, the
EZKL job's proof against the model's output."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from enginehelpers import EZKL, ONNX, ROOT, ensure_images, hello_container, start_node

np = pytest.importorskip("numpy", reason="the services venv (scripts/test-engine.sh uses it)")
ort = pytest.importorskip("onnxruntime")

from services.common.vector import Vector  # noqa: E402
from services.ezkl.artifacts import FILES  # noqa: E402
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


def ezkl_python(code: str, *args: str) -> str:
    """Runs `code` with the EZKL venv's interpreter (the engine tests run in the services venv,
    which has no ezkl) and returns its last line of output."""
    venv = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--ezkl"], capture_output=True,
                          text=True, timeout=1200, check=True).stdout.strip().splitlines()[-1]
    out = subprocess.run([f"{venv}/bin/python", "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_ezkl_image_proves_an_inference_through_the_node(engine, tmp_path):
    ensure_images(engine, EZKL)
    artifacts = Path(ezkl_python("from services.ezkl.artifacts import cached_artifacts; "
                                 "from services.ezkl.iris import iris_mlp_onnx; print(cached_artifacts(iris_mlp_onnx()))"))
    model = tmp_path / "models" / "local" / "ritual" / "iris-ezkl" / "default"
    model.mkdir(parents=True)
    for name in FILES + ("ritual_manifest.json",):  # copies: a symlink would point outside the volume
        shutil.copyfile(artifacts / name, model / name)
    for directory, _, files in os.walk(tmp_path):
        os.chmod(directory, 0o777)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o666)
    container = hello_container("ezkl-img", image=EZKL, timeout=300, volumes=[f"{tmp_path / 'models'}:/models"],
                                env={"EZKL_CACHE_DIR": "/models", "EZKL_DEFAULT_MODEL_ID": "local/ritual/iris-ezkl",
                                     "SERVICE_THREADS": "1"})
    node = start_node(tmp_path / "node", engine.host, [container])
    try:
        job = node.result(node.submit(["ezkl-img"], {"input": [5.1, 3.5, 1.4, 0.2]}), timeout=300)
        assert job["status"] == "success", (job, node.log_text())
        result = job["result"]["output"]
        # the proved output is the model's output (a setosa), and the proof made inside the image
        # verifies with ezkl against the verifying key here
        np.testing.assert_allclose(result["output"], result["onnx_output"], atol=0.05)
        assert int(np.argmax(result["output"])) == 0
        proof = tmp_path / "proof.json"
        proof.write_text(json.dumps(result["proof"]))
        verdict = ezkl_python("import json, sys; from pathlib import Path; from services.ezkl.service import Circuit; "
                              "print(Circuit(Path(sys.argv[1])).verify(json.loads(Path(sys.argv[2]).read_text())))",
                              str(artifacts), str(proof))
        assert verdict == "True", verdict
        refused = node.result(node.submit(["ezkl-img"], {"nothing": 1}), timeout=60)
        assert refused["status"] == "failed" and "data.input" in str(refused["result"])
    finally:
        node.stop()
        engine.remove("ezkl-img")
