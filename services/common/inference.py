"""The request flow shared by the ONNX and Torch services.

On-chain input (source 0): `data` is the hex (with or without 0x) of
`abi.encode(bytes modelId, bytes vector)`; empty modelId bytes mean the default model. As an
extension, `abi.encode(bytes, bytes, uint8 output_arithmetic[, uint8 output_num_decimals])`
(what infernet-ml 2.0's `ONNXInferenceRequest.to_web3` writes when those are set) selects the
on-chain output encoding; without it the output is IEEE with scale 18, as the reference.

Output for an on-chain destination: the five-key shape, `raw_output` = the first output vector
ABI-encoded, `raw_input` = the request's hex (empty for an off-chain source).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode

from .app import ONCHAIN, Service, ServiceRequest
from .errors import ServiceError, bad_request
from .model_id import ModelId
from .sources import LRUCache, ModelStore, cache_size
from .vector import (DEFAULT_FIXED_POINT_SCALE, Arithmetic, Vector, decode_vector, encode_vector,
                     parse_arithmetic, parse_scale)

DEFAULT_CACHE_DIR = Path("~/.cache/ritual").expanduser()


def hex_bytes(data: Any) -> tuple[str, bytes]:
    if not isinstance(data, str):
        raise bad_request("invalid field 'data': an on-chain request's data must be a hex string")
    text = data.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    try:
        return text, bytes.fromhex(text)
    except ValueError:
        raise bad_request("invalid field 'data': malformed hex string") from None


def decode_onchain_input(raw: bytes) -> tuple[bytes, bytes, Arithmetic, int]:
    """(modelId bytes, vector bytes, output arithmetic, output scale) of an on-chain input."""
    if len(raw) < 128:
        raise bad_request(f"malformed on-chain input: {len(raw)} bytes cannot hold "
                          "abi.encode(bytes modelId, bytes vector)")
    head = int.from_bytes(raw[:32], "big")  # offset of modelId = size of the head
    extra = {96: ["uint8"], 128: ["uint8", "uint8"]}.get(head, [])
    try:
        decoded = abi_decode(["bytes", "bytes"] + extra, raw)
    except Exception as error:
        raise bad_request(f"malformed on-chain input: expected abi.encode(bytes modelId, bytes vector): "
                          f"{error}") from None
    arithmetic = parse_arithmetic(decoded[2], "output_arithmetic") if len(decoded) > 2 else Arithmetic.ieee
    scale = parse_scale(decoded[3], "output_num_decimals") if len(decoded) > 3 else DEFAULT_FIXED_POINT_SCALE
    return decoded[0], decoded[1], arithmetic, scale


class InferenceService(Service):
    env_prefix = "SERVICE"

    def __init__(self) -> None:
        prefix = self.env_prefix
        default = os.getenv(f"{prefix}_DEFAULT_MODEL_ID") or None
        try:
            self.default_model = ModelId.parse(default) if default else None
        except ServiceError as error:
            raise SystemExit(f"{prefix}_DEFAULT_MODEL_ID: {error.description}")
        self.store = ModelStore(os.getenv(f"{prefix}_CACHE_DIR") or DEFAULT_CACHE_DIR)
        self.cache: LRUCache = LRUCache(cache_size(f"{prefix}_MODEL_LRU_CACHE_SIZE", 64), self.load)

    # -- to implement -------------------------------------------------------------------------

    def load(self, model: ModelId) -> Any:
        raise NotImplementedError

    def offchain(self, model: ModelId, data: dict) -> Any:
        """The off-chain output for an off-chain request's data."""
        raise NotImplementedError

    def first_output(self, model: ModelId, data: dict | None, vector: Vector | None) -> Vector:
        """The first output vector: for off-chain `data` (delegated subscriptions) or an
        on-chain input `vector`."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------------

    def preload(self) -> None:
        if self.default_model is not None:
            self.cache.get(self.default_model)

    def model_for(self, text: Any) -> ModelId:
        if text is None or text == "":
            if self.default_model is None:
                raise bad_request(f"missing required field 'model_id' (and {self.env_prefix}"
                                  "_DEFAULT_MODEL_ID is not set)")
            return self.default_model
        if not isinstance(text, str):
            raise bad_request(f"invalid field 'model_id': must be a string, got {text!r}")
        return ModelId.parse(text)

    def supports(self, model_id: str) -> bool:
        return self.store.available(ModelId.parse(model_id))

    def compute_capability(self) -> list:
        models = self.store.local_models()
        if self.default_model is not None and str(self.default_model) not in models:
            models.insert(0, str(self.default_model))
        return [{"id": self.service_id, "type": "ml", "ml_type": self.env_prefix.lower(),
                 "task": [], "models": models,
                 "loaded": [str(k) for k in self.cache.keys()]}]

    def handle(self, request: ServiceRequest) -> Any:
        if request.source == ONCHAIN:
            hex_input, raw = hex_bytes(request.data)
            model_bytes, vector_bytes, arithmetic, scale = decode_onchain_input(raw)
            model = ModelId.from_web3(model_bytes) if model_bytes else self.model_for(None)
            vector = decode_vector(vector_bytes, "input vector")
            output = self.first_output(model, None, vector)
            return five_keys(hex_input, encode_vector(output, arithmetic, scale))
        data = request.data
        if not isinstance(data, dict):
            raise bad_request("invalid field 'data': an off-chain request's data must be an object")
        model = self.model_for(data.get("model_id"))
        if request.destination == ONCHAIN:
            arithmetic = parse_arithmetic(data.get("output_arithmetic"), "data.output_arithmetic")
            scale = parse_scale(data.get("output_num_decimals"), "data.output_num_decimals")
            output = self.first_output(model, data, None)
            return five_keys("", encode_vector(output, arithmetic, scale))
        # validated even off-chain, so a typo is an error rather than ignored
        parse_arithmetic(data.get("output_arithmetic"), "data.output_arithmetic")
        parse_scale(data.get("output_num_decimals"), "data.output_num_decimals")
        return self.offchain(model, data)


def five_keys(raw_input: str, raw_output: bytes) -> dict:
    return {"raw_input": raw_input, "processed_input": "", "raw_output": raw_output.hex(),
            "processed_output": "", "proof": ""}
