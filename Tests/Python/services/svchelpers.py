"""Helpers for the services' tests: models built at test time, services run as processes."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HAS_TORCH = importlib.util.find_spec("torch") is not None
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from devnet.client import free_port  # noqa: E402,F401  (standard library only)



def http_request(method: str, url: str, body: bytes | None = None,
                 timeout: float = 30) -> tuple[int, object]:
    """One HTTP exchange: (status, parsed JSON body, or its text when it is not JSON)."""
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()

class ServiceProcess:
    def __init__(self, module: str, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("ONNX_", "TORCH_"))}
        full_env.update(env)
        full_env.update({"PORT": str(self.port), "HOST": "127.0.0.1", "PYTHONPATH": str(ROOT),
                         "OMP_NUM_THREADS": "1", "ONNX_INTRA_OP_THREADS": "1",
                         "TORCH_NUM_THREADS": "1"})
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=full_env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{module} exited: {log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{module} did not start: {log_path.read_text()}")
                time.sleep(0.1)

    def request(self, method: str, path: str, body: bytes | None = None,
                timeout: float = 30) -> tuple[int, object]:
        return http_request(method, self.base + path, body, timeout)

    def post(self, payload: object, raw: bytes | None = None) -> tuple[int, object]:
        return self.request("POST", "/service_output",
                            raw if raw is not None else json.dumps(payload).encode())

    def get(self, path: str) -> tuple[int, object]:
        return self.request("GET", path)

    def alive(self) -> bool:
        return self.proc.poll() is None and self.get("/")[0] == 200

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# -- models --------------------------------------------------------------------------------------


def iris_data():
    from sklearn.datasets import load_iris
    return load_iris(return_X_y=True)


def iris_classifier_onnx() -> bytes:
    """A scikit-learn iris classifier exported with skl2onnx (tensor outputs: label, probabilities)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression
    X, y = iris_data()
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    onx = convert_sklearn(clf, initial_types=[("input", FloatTensorType([None, 4]))],
                          options={id(clf): {"zipmap": False}}, target_opset=17)
    return onx.SerializeToString()


def iris_regressor_onnx() -> bytes:
    """A linear regressor on the iris features: one float32 output (first output = values)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LinearRegression
    X, y = iris_data()
    reg = LinearRegression().fit(X[:, :3], X[:, 3])
    onx = convert_sklearn(reg, initial_types=[("features", FloatTensorType([None, 3]))],
                          target_opset=17)
    return onx.SerializeToString()


def identity_onnx(elem_type: int) -> bytes:
    """Y = Identity(X) for one ONNX element type, any shape."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("X", elem_type, None)
    y = helper.make_tensor_value_info("Y", elem_type, None)
    graph = helper.make_graph([helper.make_node("Identity", ["X"], ["Y"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def put_model(cache_dir: Path, owner: str, name: str, files: dict[str, bytes],
              version: str | None = None) -> Path:
    """Writes a local model directory with its sha256 manifest; returns the directory."""
    sys.path.insert(0, str(ROOT))
    from services.common.sources import write_manifest
    directory = cache_dir / "local" / owner / name / (version or "default")
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, data in files.items():
        (directory / file_name).write_bytes(data)
    write_manifest(directory, list(files))
    return directory


def iris_proba_onnx() -> bytes:
    """The iris classifier with only its probabilities as graph output (the ONNX service puts the
    first output on chain, so this model delivers the probabilities there)."""
    import onnx
    model = onnx.load_from_string(iris_classifier_onnx())
    names = [output.name for output in model.graph.output]
    keep = [output for output in model.graph.output if output.name == names[-1]]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    return model.SerializeToString()
