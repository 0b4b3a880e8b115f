"""Builds the onnx-iris model (runs in the services venv: scikit-learn, skl2onnx, onnx).

A logistic regression trained on scikit-learn's iris data set, exported to ONNX, with two nodes
put in front so that it takes what a contract can send: the four measurements in millimetres as
int64 (Cast to float, times 0.1 = centimetres, the data set's unit). Its one output is the class
probabilities (setosa, versicolor, virginica). Written as a local model with its sha256 manifest:
{cache}/local/ritual/iris-mm/default/iris.onnx + ritual_manifest.json.

Usage: python build_model.py CACHE_DIR  -> prints {"model_id", "model_id_web3", "sha256", "accuracy"}
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples.common.iris import save_model  # noqa: E402

MODEL_ID = "local/ritual/iris-mm:iris.onnx"


def build() -> tuple[bytes, float]:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    accuracy = float((clf.predict(np.round(X * 10) / 10) == y).mean())
    model = convert_sklearn(clf, initial_types=[("features_cm", FloatTensorType([None, 4]))],
                            options={id(clf): {"zipmap": False}}, target_opset=17)
    graph = model.graph
    # keep only the probabilities (the service delivers the first output on chain)
    keep = [o for o in graph.output if o.name == graph.output[-1].name]
    del graph.output[:]
    graph.output.extend(keep)
    # input: int64 millimetres -> float centimetres
    del graph.input[:]
    graph.input.append(helper.make_tensor_value_info("input", TensorProto.INT64, [None, 4]))
    graph.initializer.append(helper.make_tensor("mm_to_cm", TensorProto.FLOAT, [], [0.1]))
    prefix = [helper.make_node("Cast", ["input"], ["features_mm"], to=TensorProto.FLOAT),
              helper.make_node("Mul", ["features_mm", "mm_to_cm"], ["features_cm"])]
    nodes = prefix + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model.SerializeToString(), accuracy


def main() -> None:
    save_model(Path(sys.argv[1]), MODEL_ID, *build())


if __name__ == "__main__":
    main()
