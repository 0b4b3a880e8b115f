"""The small model the EZKL service is tested and benchmarked with: an iris classifier
(4 -> 8 ReLU -> 3 logits MLP, trained with scikit-learn, fixed seed) written as a plain ONNX graph
(Gemm, Relu, Gemm) with a fixed `[1, 4]` float input, which is what fits a Halo2 circuit.

`python -m services.ezkl.iris OUT.onnx` writes it.
"""
from __future__ import annotations

import sys

import numpy as np


def iris_data() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris
    features, labels = load_iris(return_X_y=True)
    return features.astype(np.float32), labels


def iris_mlp_onnx() -> bytes:
    """The ONNX bytes (deterministic for a given scikit-learn/numpy)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from sklearn.neural_network import MLPClassifier

    import warnings
    features, labels = iris_data()
    with warnings.catch_warnings():  # a fixed iteration budget, for determinism; not a problem
        warnings.simplefilter("ignore")
        clf = _fit(MLPClassifier, features, labels)
    return _graph(clf)


def _fit(MLPClassifier, features, labels):
    return MLPClassifier(hidden_layer_sizes=(8,), activation="relu", max_iter=3000, random_state=7,
                         tol=1e-6).fit(features, labels)


def _graph(clf) -> bytes:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w1, w2 = (w.astype(np.float32) for w in clf.coefs_)
    b1, b2 = (b.astype(np.float32) for b in clf.intercepts_)
    nodes = [helper.make_node("Gemm", ["input", "w1", "b1"], ["hidden"]),
             helper.make_node("Relu", ["hidden"], ["activated"]),
             helper.make_node("Gemm", ["activated", "w2", "b2"], ["output"])]
    graph = helper.make_graph(
        nodes, "iris_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="infernet-ezkl-iris")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m services.ezkl.iris OUT.onnx")
    with open(sys.argv[1], "wb") as out:
        out.write(iris_mlp_onnx())
