"""EZKL proof service: proves an ONNX model's inference with a Halo2 (KZG) proof.

Env: EZKL_DEFAULT_MODEL_ID (e.g. `local/ritual/iris-ezkl`), EZKL_CACHE_DIR (~/.cache/ritual),
EZKL_MODEL_LRU_CACHE_SIZE (4). A model is a directory of the artifacts that
`python -m services.ezkl prepare` writes, with its sha256 manifest (checked on load).

Requests (`POST /service_output`, the container protocol):
- off-chain `data`: `{"model_id"?, "input": [[...floats]]}` runs the ONNX model and proves that
  inference; `{"model_id"?, "witness": {...ezkl witness JSON}}` proves a given witness.
  Response: `{"output": [...], "input": [...], "onnx_output": [...] (input mode), "proof": {ezkl
  proof JSON}, "calldata": hex of verifyProof(bytes,uint256[])}`; floats are the proof's public
  values rescaled (v / 2^scale).
- on-chain source: `data` = hex of `abi.encode(bytes modelId, bytes vector)` (as the ONNX
  service; an empty modelId is the default model); delegated subscriptions send the off-chain
  shape with an on-chain destination. Response (five keys): raw_input = the request hex,
  processed_input = abi.encode(int256[] proved inputs), raw_output = the proved outputs as a
  float32 vector (services/common/vector.py), processed_output = abi.encode(int256[] proved
  outputs), proof = the verifier calldata. Fixed-point values are at 2^scale (artifacts.json).

TEST ONLY: EZKL_TEST_TAMPER=proof flips one bit of the proof it delivers; =output delivers an
output that differs from the proved one (the proof stays valid). Off by default; never set it
in production — the on-chain tests use it to show slashing and the consumer's check.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from eth_abi import encode as abi_encode

from ..common.app import ONCHAIN, Service, ServiceRequest
from ..common.errors import ServiceError, bad_request, internal
from ..common.inference import DEFAULT_CACHE_DIR, decode_onchain_input, hex_bytes
from ..common.model_id import ModelId
from ..common.sources import LRUCache, ModelStore, cache_size
from ..common.vector import Vector, decode_vector, encode_vector
from .artifacts import FILES, LOCAL_SRS

log = logging.getLogger("infernet.services.ezkl")

FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617  # BN254 r
TAMPER_MODES = ("", "proof", "output")


def felt_to_int(hex_le: str) -> int:
    """A public value of ezkl's proof JSON (32-byte little-endian hex) as a signed integer:
    a field element above p/2 is negative."""
    value = int.from_bytes(bytes.fromhex(hex_le), "little")
    return value - FIELD if value > FIELD // 2 else value


def int_to_felt(value: int) -> int:
    return value % FIELD


@dataclass
class Proved:
    proof: dict
    calldata: bytes
    inputs: list[int]   # fixed point at 2^input_scale
    outputs: list[int]  # fixed point at 2^output_scale


class Circuit:
    """The artifacts of one model, loaded: prove an input or a witness."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.meta = json.loads((directory / "artifacts.json").read_text())
        self.input_size = int(np.prod(self.meta["input_shape"]))
        self.input_scale = int(self.meta["input_scale"])
        self.output_scale = int(self.meta["output_scale"])
        self._session = None
        self._lock = threading.Lock()  # one proof at a time: proving uses every core

    def path(self, name: str) -> str:
        return str(self.directory / name)

    @property
    def local_srs(self) -> bool:
        return self.meta.get("srs_origin") == LOCAL_SRS

    def infer(self, values: np.ndarray) -> np.ndarray:
        import onnxruntime as ort
        if self._session is None:
            self._session = ort.InferenceSession(self.path("model.onnx"), providers=["CPUExecutionProvider"])
        return self._session.run(None, {self.meta["input_name"]: values})[0]

    def input_array(self, values: Any, field: str) -> np.ndarray:
        try:
            array = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError):
            raise bad_request(f"invalid field '{field}': must be a (nested) list of numbers") from None
        if array.size != self.input_size or not np.all(np.isfinite(array)):
            raise bad_request(f"invalid field '{field}': expected {self.input_size} finite numbers "
                              f"(shape {self.meta['input_shape']}), got {array.size}")
        return array.reshape(self.meta["input_shape"])

    def prove_input(self, array: np.ndarray) -> Proved:
        import ezkl
        with self._lock, tempfile.TemporaryDirectory(prefix="ezkl-") as work:
            data = Path(work) / "input.json"
            data.write_text(json.dumps({"input_data": [array.reshape(-1).tolist()]}))
            witness = Path(work) / "witness.json"
            try:
                ezkl.gen_witness(str(data), self.path("network.ezkl"), str(witness))
            except Exception as error:  # noqa: BLE001 - ezkl raises plain exceptions
                raise bad_request(f"the input cannot be proved by this circuit: {error}") from None
            return self._prove(Path(work), witness)

    def prove_witness(self, witness: dict) -> Proved:
        with self._lock, tempfile.TemporaryDirectory(prefix="ezkl-") as work:
            path = Path(work) / "witness.json"
            path.write_text(json.dumps(witness))
            return self._prove(Path(work), path)

    def _prove(self, work: Path, witness: Path) -> Proved:
        import ezkl
        proof_path, calldata_path = work / "proof.json", work / "calldata.bin"
        try:
            ezkl.prove(str(witness), self.path("network.ezkl"), self.path("pk.key"), str(proof_path),
                       self.path("kzg.srs"))
        except Exception as error:  # noqa: BLE001
            raise bad_request(f"proving failed (is the witness for this circuit?): {error}") from None
        ezkl.encode_evm_calldata(str(proof_path), str(calldata_path))
        proof = json.loads(proof_path.read_text())
        values = [felt_to_int(v) for column in proof["instances"] for v in column]
        return Proved(proof, calldata_path.read_bytes(), values[:self.input_size], values[self.input_size:])

    def verify(self, proof: dict) -> bool:
        """ezkl's own off-chain verification."""
        import ezkl
        with tempfile.TemporaryDirectory(prefix="ezkl-") as work:
            path = Path(work) / "proof.json"
            path.write_text(json.dumps(proof))
            try:
                return bool(ezkl.verify(str(path), self.path("settings.json"), self.path("vk.key"),
                                        self.path("kzg.srs")))
            except Exception:  # noqa: BLE001 - ezkl raises on an invalid proof
                return False


def tamper_calldata(calldata: bytes) -> bytes:
    """TEST ONLY: one bit of the proof (not of the ABI head) flipped."""
    changed = bytearray(calldata)
    changed[4 + 32 * 3 + 100] ^= 0x01
    return bytes(changed)


class EzklService(Service):
    service_id = "ezkl-proof-service"
    version = "2.0.0"
    greeting = "EZKL Proof Service!"
    generates_proofs = True

    def __init__(self) -> None:
        default = os.getenv("EZKL_DEFAULT_MODEL_ID") or None
        try:
            self.default_model = ModelId.parse(default) if default else None
        except ServiceError as error:
            raise SystemExit(f"EZKL_DEFAULT_MODEL_ID: {error.description}")
        self.store = ModelStore(os.getenv("EZKL_CACHE_DIR") or DEFAULT_CACHE_DIR)
        self.cache: LRUCache = LRUCache(cache_size("EZKL_MODEL_LRU_CACHE_SIZE", 4), self.load)
        self.tamper = os.getenv("EZKL_TEST_TAMPER", "").strip().lower()
        if self.tamper not in TAMPER_MODES:
            raise SystemExit(f"EZKL_TEST_TAMPER: must be one of {TAMPER_MODES[1:]} (test only), "
                             f"got {self.tamper!r}")
        if self.tamper:
            log.warning("EZKL_TEST_TAMPER=%s: this service delivers WRONG %ss on purpose (tests only)",
                        self.tamper, self.tamper)

    def load(self, model: ModelId) -> Circuit:
        paths = self.store.fetch(replace(model, files=FILES))  # every artifact checked against the manifest
        circuit = Circuit(paths[0].parent)
        if circuit.local_srs:
            log.warning("model %s: its KZG SRS was generated locally (ezkl gen_srs): whoever made it "
                        "can forge proofs. Development only; in production run `prepare --srs` "
                        "with a ceremony SRS file.", model)
        return circuit

    def preload(self) -> None:
        if self.default_model is not None:
            self.cache.get(self.default_model)

    def model_for(self, text: Any) -> ModelId:
        if text is None or text == "":
            if self.default_model is None:
                raise bad_request("missing required field 'model_id' (and EZKL_DEFAULT_MODEL_ID is not set)")
            return self.default_model
        if not isinstance(text, str):
            raise bad_request(f"invalid field 'model_id': must be a string, got {text!r}")
        parsed = ModelId.parse(text)
        return replace(parsed, files=())

    def supports(self, model_id: str) -> bool:
        model = replace(ModelId.parse(model_id), files=FILES)
        return self.store.available(model)

    def compute_capability(self) -> list:
        return [{"id": self.service_id, "type": "ml", "ml_type": "ezkl", "task": ["proof"],
                 "models": [str(self.default_model)] if self.default_model else [],
                 "loaded": [str(k) for k in self.cache.keys()]}]

    def handle(self, request: ServiceRequest) -> Any:
        if request.source == ONCHAIN:
            hex_input, raw = hex_bytes(request.data)
            model_bytes, vector_bytes, _, _ = decode_onchain_input(raw)
            model = replace(ModelId.from_web3(model_bytes), files=()) if model_bytes else self.model_for(None)
            circuit = self.cache.get(model)
            array = circuit.input_array(decode_vector(vector_bytes, "input vector").array, "input vector")
            return self.five_keys(circuit, hex_input, circuit.prove_input(array))
        data = request.data
        if not isinstance(data, dict):
            raise bad_request("invalid field 'data': an off-chain request's data must be an object")
        circuit = self.cache.get(self.model_for(data.get("model_id")))
        onnx_output = None
        if "witness" in data:
            if not isinstance(data["witness"], dict):
                raise bad_request("invalid field 'data.witness': must be an ezkl witness object")
            proved = circuit.prove_witness(data["witness"])
        elif "input" in data:
            array = circuit.input_array(data["input"], "data.input")
            onnx_output = circuit.infer(array)
            proved = circuit.prove_input(array)
        else:
            raise bad_request("missing field: 'data.input' (run and prove the model) or "
                              "'data.witness' (prove a witness)")
        if request.destination == ONCHAIN:
            return self.five_keys(circuit, "", proved)
        result = {
            "input": [v / 2 ** circuit.input_scale for v in proved.inputs],
            "output": [v / 2 ** circuit.output_scale for v in proved.outputs],
            "proof": proved.proof,
            "calldata": proved.calldata.hex(),
        }
        if onnx_output is not None:
            result["onnx_output"] = np.asarray(onnx_output, dtype=np.float64).reshape(-1).tolist()
        return result

    def five_keys(self, circuit: Circuit, raw_input: str, proved: Proved) -> dict:
        outputs, calldata = list(proved.outputs), proved.calldata
        if self.tamper == "proof":
            calldata = tamper_calldata(calldata)
        elif self.tamper == "output":
            outputs[0] += 1 << circuit.output_scale  # a different answer than the proved one
        floats = np.asarray([v / 2 ** circuit.output_scale for v in outputs], dtype=np.float32)
        return {"raw_input": raw_input,
                "processed_input": abi_encode(["int256[]"], [proved.inputs]).hex(),
                "raw_output": encode_vector(Vector.from_numpy(floats)).hex(),
                "processed_output": abi_encode(["int256[]"], [outputs]).hex(),
                "proof": calldata.hex()}


def check_import() -> None:
    """Fails early with a clear message when ezkl is missing (wrong venv)."""
    try:
        import ezkl  # noqa: F401
    except ImportError:
        raise internal("ezkl is not installed: use the EZKL venv (scripts/setup.sh --ezkl)") from None
