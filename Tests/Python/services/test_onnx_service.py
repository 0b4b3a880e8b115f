"""The ONNX service as a real process: iris models exported with skl2onnx at test time."""
from __future__ import annotations

import http.server
import json
import threading

import numpy as np
import onnxruntime as ort
import pytest
from eth_abi import decode, encode
from onnx import TensorProto

from services.common.model_id import ModelId
from services.common.sources import MANIFEST, write_manifest
from services.common.vector import DType, decode_vector

from svchelpers import (ServiceProcess, free_port, identity_onnx, iris_classifier_onnx, iris_data, iris_regressor_onnx,
                       put_model)

IRIS = "local/ritual/iris:iris.onnx"
REG = "local/ritual/iris-reg/v1:reg.onnx"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    blobs = {"iris": iris_classifier_onnx(), "reg": iris_regressor_onnx()}
    put_model(cache, "ritual", "iris", {"iris.onnx": blobs["iris"]})
    put_model(cache, "ritual", "iris-reg", {"reg.onnx": blobs["reg"]}, version="v1")
    identity = {DType.float16: TensorProto.FLOAT16, DType.float32: TensorProto.FLOAT,
                DType.float64: TensorProto.DOUBLE, DType.int8: TensorProto.INT8,
                DType.int16: TensorProto.INT16, DType.int32: TensorProto.INT32,
                DType.int64: TensorProto.INT64, DType.uint8: TensorProto.UINT8,
                DType.uint16: TensorProto.UINT16, DType.uint32: TensorProto.UINT32,
                DType.uint64: TensorProto.UINT64, DType.bool: TensorProto.BOOL}
    for dtype, elem in identity.items():
        put_model(cache, "ritual", f"id-{dtype.name}", {"m.onnx": identity_onnx(elem)})
    return cache, blobs


@pytest.fixture(scope="module")
def service(models, tmp_path_factory):
    cache, _ = models
    svc = ServiceProcess("services.onnx", {"ONNX_CACHE_DIR": str(cache), "ONNX_DEFAULT_MODEL_ID": IRIS},
                         tmp_path_factory.mktemp("logs") / "onnx.log")
    yield svc
    svc.stop()


def offchain(model_id, inputs, **extra):
    return {"source": 1, "destination": 1, "data": {"model_id": model_id, "inputs": inputs, **extra}}


def fvec(rows, dtype=1):
    rows = np.asarray(rows)
    return {"dtype": dtype, "shape": list(rows.shape), "values": rows.reshape(-1).tolist()}


def onchain_vector(array: np.ndarray, dtype: DType) -> bytes:
    """An IEEE on-chain vector, encoded by hand with eth-abi."""
    flat = array.reshape(-1)
    if dtype == DType.float32:
        values = flat.astype(np.float32).view(np.int32).tolist()
        sol = "int32"
    elif dtype == DType.float64:
        values = flat.astype(np.float64).view(np.int64).tolist()
        sol = "int64"
    else:
        raise AssertionError(dtype)
    return encode(["uint8", "uint8", "uint8", "uint16[]", f"{sol}[]"],
                  [0, 18, int(dtype), list(array.shape), values])


def test_index_and_service_resources(service):
    assert service.get("/") == (200, "ONNX Inference Service!")
    status, doc = service.get("/service-resources")
    assert status == 200
    assert set(doc) == {"version", "service_id", "hardware_capabilities", "compute_capability"}
    assert doc["service_id"] == "onnx-inference"
    assert doc["hardware_capabilities"][0]["capability_id"] == "base"
    assert IRIS in doc["compute_capability"][0]["models"]
    assert service.get(f"/service-resources?model_id={IRIS}") == (200, {"supported": True})
    assert service.get("/service-resources?model_id=local/ritual/nope:x.onnx") == \
        (200, {"supported": False})
    status, body = service.get("/service-resources?model_id=s3/a/b:c")
    assert status == 200 and body["supported"] is False and "unknown storage" in body["error"]


def test_offchain_equals_onnxruntime_in_process(service, models):
    _, blobs = models
    X, _ = iris_data()
    rows = X[::10].astype(np.float32)
    session = ort.InferenceSession(blobs["iris"], providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(None, {"input": rows})
    status, body = service.post(offchain(IRIS, {"input": fvec(rows)}))
    assert status == 200, body
    label_vec, prob_vec = body["result"]
    assert label_vec == {"dtype": 8, "shape": [len(rows)], "values": labels.tolist()}
    assert prob_vec["dtype"] == 1 and prob_vec["shape"] == [len(rows), 3]
    assert np.array(prob_vec["values"], dtype=np.float32).tobytes() == probabilities.reshape(-1).tobytes()
    # no model_id: the default model
    status, body2 = service.post({"source": 1, "destination": 1,
                                  "data": {"inputs": {"input": fvec(rows)}}})
    assert status == 200 and body2 == body


def test_onchain_ieee_round_trip(service, models):
    _, blobs = models
    X, _ = iris_data()
    features = X[:4, :3].astype(np.float32)
    expected = ort.InferenceSession(blobs["reg"]).run(None, {"features": features})[0]
    data = encode(["bytes", "bytes"], [ModelId.parse(REG).to_web3(),
                                       onchain_vector(features, DType.float32)]).hex()
    status, body = service.post({"source": 0, "destination": 0, "data": data,
                                 "requires_proof": False})
    assert status == 200, body
    assert body["raw_input"] == data
    assert body["processed_input"] == "" and body["processed_output"] == "" and body["proof"] == ""
    arithmetic, scale, dtype, shape, values = decode(
        ["uint8", "uint8", "uint8", "uint16[]", "int32[]"], bytes.fromhex(body["raw_output"]))
    assert (arithmetic, scale, dtype, shape) == (0, 18, 1, tuple(expected.shape))
    assert np.array(values, dtype=np.int32).view(np.float32).tobytes() == expected.reshape(-1).tobytes()
    # 0x prefix accepted; an empty model id means the default model (iris: first output = labels)
    default = encode(["bytes", "bytes"], [b"", onchain_vector(X[:2].astype(np.float32), DType.float32)])
    status, body = service.post({"source": 0, "destination": 0, "data": "0x" + default.hex()})
    assert status == 200, body
    out = decode_vector(bytes.fromhex(body["raw_output"]))
    assert out.dtype == DType.int64 and out.array.tolist() == [0, 0]


@pytest.mark.parametrize("scale", [18, 6])
def test_fixed_point_output_delegated_and_onchain(service, models, scale):
    _, blobs = models
    X, _ = iris_data()
    features = X[5:8, :3].astype(np.float32)
    expected = ort.InferenceSession(blobs["reg"]).run(None, {"features": features})[0].reshape(-1)
    want = [int(float(v) * 10 ** scale) for v in expected.tolist()]
    # delegated subscription: off-chain data, on-chain destination
    status, body = service.post({"source": 1, "destination": 0, "data": {
        "model_id": REG, "inputs": {"features": fvec(features)},
        "output_arithmetic": "fixed_point", "output_num_decimals": scale}})
    assert status == 200, body
    assert body["raw_input"] == ""
    arithmetic, out_scale, dtype, shape, values = decode(
        ["uint8", "uint8", "uint8", "uint16[]", "int128[]"], bytes.fromhex(body["raw_output"]))
    assert (arithmetic, out_scale, dtype, shape) == (1, scale, 3, (3, 1))
    assert list(values) == want
    # on-chain, with the optional (uint8 arithmetic, uint8 decimals) trailer
    data = encode(["bytes", "bytes", "uint8", "uint8"],
                  [ModelId.parse(REG).to_web3(), onchain_vector(features, DType.float32), 1, scale])
    status, body = service.post({"source": 0, "destination": 0, "data": data.hex()})
    assert status == 200, body
    assert list(decode(["uint8", "uint8", "uint8", "uint16[]", "int128[]"],
                       bytes.fromhex(body["raw_output"]))[4]) == want


@pytest.mark.parametrize("dtype", [DType.float16, DType.float32, DType.float64, DType.int8,
                                   DType.int16, DType.int32, DType.int64, DType.uint8,
                                   DType.uint16, DType.uint32, DType.uint64, DType.bool],
                         ids=lambda d: d.name)
def test_every_dtype_through_the_service(service, dtype):
    from services.common.vector import Arithmetic, encode_vector, vector_from_json
    samples = {DType.float16: [0.5, -2.0, 3.25, 0.0], DType.float32: [0.1, -3.5, 1e-20, 2.0],
               DType.float64: [0.1, -1e300, 5.0, 0.0], DType.int8: [-128, 127, 0, 1],
               DType.int16: [-32768, 32767, 2, 3], DType.int32: [-(2 ** 31), 2 ** 31 - 1, 4, 5],
               DType.int64: [-(2 ** 63), 2 ** 63 - 1, 6, 7], DType.uint8: [0, 255, 8, 9],
               DType.uint16: [0, 65535, 1, 2], DType.uint32: [0, 2 ** 32 - 1, 3, 4],
               DType.uint64: [0, 2 ** 64 - 1, 5, 6], DType.bool: [True, False, True, True]}
    model = f"local/ritual/id-{dtype.name}:m.onnx"
    vector = {"dtype": int(dtype), "shape": [2, 2], "values": samples[dtype]}
    status, body = service.post(offchain(model, {"X": vector}))
    assert status == 200, body
    sent = vector_from_json(vector, "v")
    assert body["result"] == [sent.to_json()]  # float32/float16 values widened to doubles
    for arithmetic, scale in ((Arithmetic.ieee, 18), (Arithmetic.fixed_point, 9)):
        if arithmetic == Arithmetic.fixed_point and dtype == DType.float64:
            status, body = service.post({"source": 0, "destination": 0, "data": encode(
                ["bytes", "bytes", "uint8", "uint8"],
                [ModelId.parse(model).to_web3(), encode_vector(sent), 1, scale]).hex()})
            assert status == 400 and "does not fit a fixed-point int128" in body["description"]
            continue  # 1e300 x 10^9 does not fit int128
        data = encode(["bytes", "bytes", "uint8", "uint8"],
                      [ModelId.parse(model).to_web3(), encode_vector(sent), int(arithmetic), scale])
        status, body = service.post({"source": 0, "destination": 0, "data": data.hex()})
        assert status == 200, body
        assert bytes.fromhex(body["raw_output"]) == encode_vector(sent, arithmetic, scale)


def test_bad_inputs_are_json_errors_and_the_service_stays_up(service):
    X, _ = iris_data()
    good = fvec(X[:1].astype(np.float32))
    model_hex = ModelId.parse(IRIS).to_web3()
    cases = [
        (None, b"{not json", 400, "malformed JSON"),
        ([1, 2], None, 400, "must be a JSON object"),
        ({"destination": 1, "data": {}}, None, 400, "missing required field 'source'"),
        ({"source": 1, "destination": 1}, None, 400, "missing required field 'data'"),
        ({"source": 7, "destination": 1, "data": {}}, None, 400, "invalid field 'source'"),
        ({"source": 1, "destination": 1, "data": {}, "requires_proof": True}, None, 400,
         "does not generate proofs"),
        ({"source": 1, "destination": 2, "data": {}}, None, 400, "does not stream"),
        ({"source": 1, "destination": 1, "data": "abc"}, None, 400, "must be an object"),
        (offchain(IRIS, None), None, 400, "missing required field 'data.inputs'"),
        (offchain("local/ritual/nope:x.onnx", {"input": good}), None, 404, "unknown model"),
        (offchain("local/ritual/iris:other.onnx", {"input": good}), None, 404, "not found"),
        (offchain("ipfs/a/b:c.onnx", {"input": good}), None, 400, "unknown storage"),
        (offchain("local/../../etc:passwd", {"input": good}), None, 400, "invalid model id"),
        (offchain("local/ritual/iris", {"input": good}), None, 400, "names no file"),
        (offchain(42, {"input": good}), None, 400, "model_id"),
        (offchain(IRIS, {"input": fvec(X[:1], dtype=2)}), None, 400,
         "expects dtype float32 (1), got float64 (2)"),
        (offchain(IRIS, {"input": fvec(X[:1, :3].astype(np.float32))}), None, 400, "shape [1, 3]"),
        (offchain(IRIS, {"input": {"dtype": 1, "shape": [4], "values": [1, 2, 3, 4]}}), None, 400,
         "shape [4]"),
        (offchain(IRIS, {"input": {"dtype": 1, "shape": [1, 4], "values": [1, 2]}}), None, 400,
         "do not fill shape"),
        (offchain(IRIS, {"input": {"dtype": 99, "shape": [1, 4], "values": [1, 2, 3, 4]}}), None, 400,
         "unknown dtype"),
        (offchain(IRIS, {"input": {"dtype": 1, "shape": [1, 4], "values": ["a", 2, 3, 4]}}), None,
         400, "must be numbers"),
        (offchain(IRIS, {"input": {"shape": [1, 4], "values": [1, 2, 3, 4]}}), None, 400,
         "missing required field 'data.inputs.input.dtype'"),
        (offchain(IRIS, {"features": good}), None, 400, "unknown input(s) 'features'"),
        (offchain(IRIS, {"input": good}, output_arithmetic="decimal"), None, 400, "output_arithmetic"),
        (offchain(IRIS, {"input": good}, output_num_decimals=300), None, 400, "output_num_decimals"),
        ({"source": 0, "destination": 0, "data": "zz11"}, None, 400, "malformed hex"),
        ({"source": 0, "destination": 0, "data": 12}, None, 400, "hex string"),
        ({"source": 0, "destination": 0, "data": "00" * 40}, None, 400, "malformed on-chain input"),
        ({"source": 0, "destination": 0, "data": encode(["bytes", "bytes"], [model_hex, b"\x01\x02"]).hex()},
         None, 400, "malformed on-chain input vector"),
        ({"source": 0, "destination": 0, "data": encode(["bytes", "bytes"], [b"\x00" * 5, b""]).hex()},
         None, 400, "malformed on-chain model id"),
        ({"source": 0, "destination": 0, "data": encode(["bytes", "bytes"], [
            ModelId.parse(IRIS).to_web3(), onchain_vector(X[:1], DType.float64)]).hex()}, None, 400,
         "expects dtype float32"),
    ]
    for payload, raw, status, message in cases:
        got_status, body = service.post(payload, raw)
        assert got_status == status, (payload, body)
        assert set(body) == {"code", "name", "description"}, body
        assert body["code"] == status
        assert message in body["description"], (message, body)
    assert service.get("/nope")[0] == 404
    assert service.alive()
    status, body = service.post(offchain(IRIS, {"input": good}))
    assert status == 200


def test_no_default_model(start_service, models):
    cache, _ = models
    svc = start_service("services.onnx", ONNX_CACHE_DIR=str(cache))
    status, body = svc.post({"source": 1, "destination": 1, "data": {"inputs": {}}})
    assert status == 400 and "ONNX_DEFAULT_MODEL_ID is not set" in body["description"]
    status, body = svc.post({"source": 0, "destination": 0, "data": encode(
        ["bytes", "bytes"], [b"", onchain_vector(np.zeros((1, 4)), DType.float32)]).hex()})
    assert status == 400 and "ONNX_DEFAULT_MODEL_ID" in body["description"]


def test_manifest_checks(start_service, tmp_path):
    cache = tmp_path / "cache"
    blob = iris_classifier_onnx()
    X, _ = iris_data()
    payload = lambda m: offchain(m, {"input": fvec(X[:1].astype(np.float32))})  # noqa: E731
    tampered = put_model(cache, "o", "tampered", {"iris.onnx": blob})
    (tampered / "iris.onnx").write_bytes(blob + b"\x00")
    unlisted = put_model(cache, "o", "unlisted", {"iris.onnx": blob})
    (unlisted / "extra.onnx").write_bytes(blob)
    no_manifest = put_model(cache, "o", "bare", {"iris.onnx": blob})
    (no_manifest / MANIFEST).unlink()
    svc = start_service("services.onnx", ONNX_CACHE_DIR=str(cache))
    status, body = svc.post(payload("local/o/tampered:iris.onnx"))
    assert status == 500 and "integrity check failed" in body["description"], body
    status, body = svc.post(payload("local/o/unlisted:extra.onnx"))
    assert status == 404 and "not listed" in body["description"], body
    status, body = svc.post(payload("local/o/bare:iris.onnx"))
    assert status == 404 and "no manifest" in body["description"], body
    # fixing the file makes it load (a failed load is not cached)
    (tampered / "iris.onnx").write_bytes(blob)
    assert svc.post(payload("local/o/tampered:iris.onnx"))[0] == 200


def test_lru_eviction(start_service, tmp_path):
    cache = tmp_path / "cache"
    blob = iris_classifier_onnx()
    X, _ = iris_data()
    a = put_model(cache, "o", "a", {"iris.onnx": blob})
    b = put_model(cache, "o", "b", {"iris.onnx": blob})
    A, B = "local/o/a:iris.onnx", "local/o/b:iris.onnx"
    payload = lambda m: offchain(m, {"input": fvec(X[:1].astype(np.float32))})  # noqa: E731
    loaded = lambda svc: svc.get("/service-resources")[1]["compute_capability"][0]["loaded"]  # noqa: E731

    svc = start_service("services.onnx", ONNX_CACHE_DIR=str(cache), ONNX_MODEL_LRU_CACHE_SIZE="1")
    assert svc.post(payload(A))[0] == 200
    assert loaded(svc) == [A]
    assert svc.post(payload(B))[0] == 200
    assert loaded(svc) == [B]  # A evicted
    # B is served from memory (not re-verified); A must be loaded again, and is re-verified
    (b / "iris.onnx").write_bytes(blob + b"\x00")
    (a / "iris.onnx").write_bytes(blob + b"\x00")
    assert svc.post(payload(B))[0] == 200
    status, body = svc.post(payload(A))
    assert status == 500 and "integrity check failed" in body["description"]
    (a / "iris.onnx").write_bytes(blob)
    (b / "iris.onnx").write_bytes(blob)

    svc2 = start_service("services.onnx", ONNX_CACHE_DIR=str(cache), ONNX_MODEL_LRU_CACHE_SIZE="2")
    assert svc2.post(payload(A))[0] == 200 and svc2.post(payload(B))[0] == 200
    assert svc2.post(payload(A))[0] == 200
    assert loaded(svc2) == [B, A]  # most recently used last


class FakeHub(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802
        data = self.files.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args):
        pass


def test_huggingface_source_downloads_verifies_and_caches(start_service, tmp_path):
    blob = iris_classifier_onnx()
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "iris.onnx").write_bytes(blob)
    write_manifest(staging, ["iris.onnx"])
    FakeHub.files = {"/Ritual-Net/iris/resolve/main/iris.onnx": blob,
                     f"/Ritual-Net/iris/resolve/main/{MANIFEST}": (staging / MANIFEST).read_bytes(),
                     "/Ritual-Net/bad/resolve/main/iris.onnx": blob,
                     f"/Ritual-Net/bad/resolve/main/{MANIFEST}": json.dumps(
                         {"file_hashes": {"iris.onnx": "00" * 32}}).encode()}
    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    cache = tmp_path / "cache"
    X, _ = iris_data()
    try:
        svc = start_service("services.onnx", ONNX_CACHE_DIR=str(cache),
                            HF_ENDPOINT=f"http://127.0.0.1:{hub.server_address[1]}")
        payload = lambda m: offchain(m, {"input": fvec(X[:1].astype(np.float32))})  # noqa: E731
        status, body = svc.post(payload("huggingface/Ritual-Net/iris:iris.onnx"))
        assert status == 200, body
        assert (cache / "huggingface/Ritual-Net/iris/default/iris.onnx").read_bytes() == blob
        status, body = svc.post(payload("huggingface/Ritual-Net/bad:iris.onnx"))
        assert status == 500 and "integrity check failed" in body["description"]
        status, body = svc.post(payload("huggingface/Ritual-Net/missing:iris.onnx"))
        assert status == 404 and "Hugging Face has no file" in body["description"]
    finally:
        hub.shutdown()
        hub.server_close()


def test_unreachable_remote_sources_are_clear_errors(start_service, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    svc = start_service("services.onnx", ONNX_CACHE_DIR=str(tmp_path), HF_ENDPOINT=dead,
                        ARWEAVE_GATEWAY=dead, MODEL_DOWNLOAD_TIMEOUT="5")
    X, _ = iris_data()
    for model, where in (("huggingface/Ritual-Net/iris-classification:iris.onnx", "Hugging Face"),
                         ("arweave/0xabc/iris:iris.onnx", "Arweave")):
        status, body = svc.post(offchain(model, {"input": fvec(X[:1].astype(np.float32))}))
        assert status == 502, body
        assert f"cannot download model '{model}' from {where}" in body["description"]
    assert svc.alive()
