"""ONNX inference: onnxruntime sessions, CUDA when the CUDA provider is usable, else CPU.

Env: ONNX_DEFAULT_MODEL_ID, ONNX_CACHE_DIR (~/.cache/ritual), ONNX_MODEL_LRU_CACHE_SIZE (64),
ONNX_PROVIDERS (comma-separated onnxruntime providers; default CUDA when available, else CPU),
ONNX_INTRA_OP_THREADS (onnxruntime's default when unset).

Off-chain `data`: `{"model_id", "inputs": {name: vector}, "output_arithmetic", "output_num_decimals"}`
-> `{"result": [vector, ...]}`, one vector per graph output in graph order. On-chain: the input
vector feeds the graph's first input; the first output is encoded.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort

from ..common.errors import bad_request, internal
from ..common.inference import InferenceService
from ..common.model_id import ModelId
from ..common.vector import NUMPY_TYPE, DType, Vector, dtype_label, vector_from_json

log = logging.getLogger("infernet.services.onnx")

ONNX_TYPES: dict[str, DType] = {
    "tensor(float16)": DType.float16, "tensor(float)": DType.float32,
    "tensor(double)": DType.float64, "tensor(int8)": DType.int8, "tensor(int16)": DType.int16,
    "tensor(int32)": DType.int32, "tensor(int64)": DType.int64, "tensor(uint8)": DType.uint8,
    "tensor(uint16)": DType.uint16, "tensor(uint32)": DType.uint32,
    "tensor(uint64)": DType.uint64, "tensor(complex64)": DType.complex64,
    "tensor(complex128)": DType.complex128, "tensor(bool)": DType.bool,
}


def providers() -> list[str]:
    configured = os.getenv("ONNX_PROVIDERS")
    if configured:
        return [p.strip() for p in configured.split(",") if p.strip()]
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


@dataclass
class Port:
    name: str
    type: str
    shape: list

    @property
    def dtype(self) -> DType | None:
        return ONNX_TYPES.get(self.type)

    def describe(self) -> str:
        dims = ["?" if not isinstance(d, int) else str(d) for d in self.shape]
        return f"'{self.name}' {self.type} [{', '.join(dims)}]"


@dataclass
class LoadedModel:
    session: ort.InferenceSession
    inputs: list[Port]
    outputs: list[Port]


class OnnxService(InferenceService):
    service_id = "onnx-inference"
    version = "2.0.0"
    greeting = "ONNX Inference Service!"
    env_prefix = "ONNX"

    def __init__(self) -> None:
        super().__init__()
        self.providers = providers()
        threads = os.getenv("ONNX_INTRA_OP_THREADS")
        self.options = ort.SessionOptions()
        if threads:
            self.options.intra_op_num_threads = int(threads)
        log.info("onnxruntime %s, providers %s", ort.__version__, self.providers)

    def load(self, model: ModelId) -> LoadedModel:
        paths = self.store.fetch(model)
        path = next((p for p in paths if p.suffix == ".onnx"), paths[0])
        try:
            session = ort.InferenceSession(str(path), self.options, providers=self.providers)
        except Exception as error:
            raise internal(f"cannot load ONNX model '{model}' ({path.name}): {error}") from None
        ports = lambda items: [Port(i.name, i.type, list(i.shape)) for i in items]  # noqa: E731
        log.info("loaded %s on %s", model, session.get_providers()[0])
        return LoadedModel(session, ports(session.get_inputs()), ports(session.get_outputs()))

    # -- requests -----------------------------------------------------------------------------

    def offchain(self, model: ModelId, data: dict) -> Any:
        return {"result": [v.to_json() for v in self.run(model, self.feed_from_json(model, data))]}

    def first_output(self, model: ModelId, data: dict | None, vector: Vector | None) -> Vector:
        if data is not None:
            return self.run(model, self.feed_from_json(model, data))[0]
        loaded: LoadedModel = self.cache.get(model)
        if len(loaded.inputs) != 1:
            names = ", ".join(p.name for p in loaded.inputs)
            raise bad_request(f"model '{model}' has {len(loaded.inputs)} inputs ({names}); "
                              "an on-chain request carries one vector")
        assert vector is not None
        return self.run(model, {loaded.inputs[0].name: vector})[0]

    def feed_from_json(self, model: ModelId, data: dict) -> dict[str, Vector]:
        inputs = data.get("inputs")
        if inputs is None:
            raise bad_request("missing required field 'data.inputs'")
        if not isinstance(inputs, dict) or not inputs:
            raise bad_request("invalid field 'data.inputs': must be an object of input name -> vector")
        return {name: vector_from_json(value, f"data.inputs.{name}") for name, value in inputs.items()}

    def run(self, model: ModelId, feed: dict[str, Vector]) -> list[Vector]:
        loaded: LoadedModel = self.cache.get(model)
        expected = {p.name: p for p in loaded.inputs}
        unknown = [n for n in feed if n not in expected]
        missing = [n for n in expected if n not in feed]
        if unknown or missing:
            problems = []
            if unknown:
                problems.append("unknown input(s) " + ", ".join(repr(n) for n in unknown))
            if missing:
                problems.append("missing input(s) " + ", ".join(repr(n) for n in missing))
            raise bad_request(f"model '{model}': {'; '.join(problems)}; the model's inputs are "
                              + "; ".join(p.describe() for p in loaded.inputs))
        arrays = {}
        for name, vector in feed.items():
            port = expected[name]
            want = port.dtype
            if want is None:
                raise bad_request(f"model '{model}': input {port.describe()} is not a tensor "
                                  "this service can feed")
            if vector.array.dtype != np.dtype(NUMPY_TYPE[want]):
                raise bad_request(f"model '{model}': input '{name}' expects dtype "
                                  f"{dtype_label(want)}, got {dtype_label(vector.dtype)}")
            # an empty shape may be a scalar or an unknown rank: onnxruntime then checks it
            if port.shape and len(vector.shape) != len(port.shape) or any(
                    isinstance(d, int) and d != s for d, s in zip(port.shape, vector.shape)):
                raise bad_request(f"model '{model}': input '{name}' has shape {list(vector.shape)}, "
                                  f"the model expects {port.describe()}")
            arrays[name] = vector.array
        try:
            outputs = loaded.session.run(None, arrays)
        except Exception as error:
            raise bad_request(f"model '{model}' refused the input: {error}") from None
        result = []
        for port, value in zip(loaded.outputs, outputs):
            if not isinstance(value, np.ndarray):
                raise internal(f"model '{model}': output {port.describe()} is not a tensor "
                               f"(a {type(value).__name__}); export the model with tensor outputs "
                               "only (e.g. skl2onnx options={'zipmap': False})")
            result.append(Vector.from_numpy(value))
        return result

