"""Torch inference, with scikit-learn models. CUDA when torch sees a GPU, else CPU.

Env: TORCH_DEFAULT_MODEL_ID, TORCH_CACHE_DIR (~/.cache/ritual), TORCH_USE_JIT (false),
TORCH_MODEL_LRU_CACHE_SIZE (64), TORCH_SKLEARN_METHOD (predict), TORCH_NUM_THREADS.

How a model file loads (the model id's first file):
- `.pkl`, `.pickle`, `.joblib`: a scikit-learn estimator (joblib), served through scikit-learn
  itself, calling TORCH_SKLEARN_METHOD (predict, predict_proba, decision_function, transform);
  the reference converts estimators to torch modules with sk2torch, with the same results;
- otherwise, with TORCH_USE_JIT true: `torch.jit.load` (TorchScript);
- otherwise: `torch.load` of a pickled `nn.Module` (full unpickling: only load models you trust;
  the manifest's sha256 hashes guard against files changed after they were published).

Off-chain `data`: `{"model_id", "input": vector, "output_arithmetic"?, "output_num_decimals"?}` ->
the output vector itself. On-chain: as ONNX.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..common.errors import bad_request, internal
from ..common.inference import InferenceService
from ..common.model_id import ModelId
from ..common.vector import Vector, vector_from_json

log = logging.getLogger("infernet.services.torch")

SKLEARN_SUFFIXES = {".pkl", ".pickle", ".joblib"}
SKLEARN_METHODS = {"predict", "predict_proba", "decision_function", "transform"}

try:  # the service still serves scikit-learn models without torch
    import torch
except ImportError:  # pragma: no cover - depends on the venv
    torch = None  # type: ignore[assignment]


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class LoadedModel:
    kind: str  # "torch" | "sklearn"
    model: Any


class TorchService(InferenceService):
    service_id = "torch-inference"
    version = "2.0.0"
    greeting = "Torch Inference Service!"
    env_prefix = "TORCH"

    def __init__(self) -> None:
        super().__init__()
        self.use_jit = truthy(os.getenv("TORCH_USE_JIT"))
        self.sklearn_method = os.getenv("TORCH_SKLEARN_METHOD", "predict")
        if self.sklearn_method not in SKLEARN_METHODS:
            raise SystemExit(f"TORCH_SKLEARN_METHOD must be one of {sorted(SKLEARN_METHODS)}")
        if torch is not None:
            self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            threads = os.getenv("TORCH_NUM_THREADS")
            if threads:
                torch.set_num_threads(int(threads))
            log.info("torch %s on %s (jit: %s)", torch.__version__, self.device, self.use_jit)
        else:
            self.device = None
            log.warning("torch is not installed: only scikit-learn models can be served")

    def load(self, model: ModelId) -> LoadedModel:
        path = self.store.fetch(model)[0]
        if path.suffix in SKLEARN_SUFFIXES:
            import joblib
            try:
                estimator = joblib.load(path)
            except Exception as error:
                raise internal(f"cannot load scikit-learn model '{model}': {error}") from None
            if not hasattr(estimator, self.sklearn_method):
                raise internal(f"model '{model}' ({type(estimator).__name__}) has no "
                               f"{self.sklearn_method}()")
            return LoadedModel("sklearn", estimator)
        if torch is None:
            raise internal(f"cannot load torch model '{model}': torch is not installed")
        try:
            if self.use_jit:
                module = torch.jit.load(str(path), map_location=self.device)
            else:
                module = torch.load(str(path), map_location=self.device, weights_only=False)
        except Exception as error:
            how = "torch.jit.load" if self.use_jit else "torch.load"
            raise internal(f"cannot load torch model '{model}' with {how} "
                           f"(TORCH_USE_JIT={self.use_jit}): {error}") from None
        if not callable(module):
            raise internal(f"model '{model}' is a {type(module).__name__}, not a module")
        if hasattr(module, "eval"):
            module.eval()
        if hasattr(module, "to"):
            module = module.to(self.device)
        return LoadedModel("torch", module)

    def offchain(self, model: ModelId, data: dict) -> Any:
        return self.run(model, self.input_from_json(data)).to_json()

    def first_output(self, model: ModelId, data: dict | None, vector: Vector | None) -> Vector:
        if data is not None:
            vector = self.input_from_json(data)
        assert vector is not None
        return self.run(model, vector)

    @staticmethod
    def input_from_json(data: dict) -> Vector:
        if "input" not in data:
            raise bad_request("missing required field 'data.input'")
        return vector_from_json(data["input"], "data.input")

    def run(self, model: ModelId, vector: Vector) -> Vector:
        loaded: LoadedModel = self.cache.get(model)
        if loaded.kind == "sklearn":
            try:
                out = getattr(loaded.model, self.sklearn_method)(vector.array)
            except Exception as error:
                raise bad_request(f"model '{model}' refused the input: {error}") from None
            out = np.asarray(out)
            if out.dtype.kind not in "biufc":
                raise internal(f"model '{model}' returned {out.dtype} values, not numbers")
            return Vector.from_numpy(out)
        assert torch is not None
        tensor = torch.from_numpy(np.ascontiguousarray(vector.array)).to(self.device)
        try:
            with torch.inference_mode():
                out = loaded.model(tensor)
        except Exception as error:
            raise bad_request(f"model '{model}' refused the input (dtype {vector.dtype.name}, "
                              f"shape {list(vector.shape)}): {error}") from None
        if not isinstance(out, torch.Tensor):
            raise internal(f"model '{model}' returned a {type(out).__name__}, not a tensor")
        out = out.detach().cpu()
        if out.dtype == torch.bfloat16:
            out = out.float()
        return Vector.from_numpy(out.numpy())
