"""Vector and model-id codecs: round trips, an independent reimplementation of the documented
formulas, and infernet-ml 2.0's own codecs as the oracle where it is installed."""
from __future__ import annotations

import importlib.util
import math
import struct

import numpy as np
import pytest
from eth_abi import decode, encode

from services.common.errors import ServiceError
from services.common.model_id import ModelId, Storage
from services.common.vector import (SOLIDITY_TYPE, Arithmetic, DType, Vector, decode_vector,
                                    encode_vector, vector_from_json)

HAS_ORACLE = importlib.util.find_spec("infernet_ml") is not None and \
    importlib.util.find_spec("torch") is not None

SAMPLES: dict[DType, list] = {
    DType.float16: [0.5, -1.25, 65504.0, 0.0],
    DType.float32: [0.1, -3.5, 1e-30, 3.4e38],
    DType.float64: [0.1, -2.2250738585072014e-308, 1e300, 7.0],
    DType.float128: [0.1, -1.5, 2.0, 1e-5],
    DType.float256: [123.456, -0.001, 0.0, 9.5],
    DType.int8: [-128, 127, 0, -1],
    DType.int16: [-32768, 32767, 5, -5],
    DType.int32: [-(2 ** 31), 2 ** 31 - 1, 7, 0],
    DType.int64: [-(2 ** 63), 2 ** 63 - 1, 3, -3],
    DType.uint8: [0, 255, 1, 2],
    DType.uint16: [0, 65535, 3, 4],
    DType.uint32: [0, 2 ** 32 - 1, 5, 6],
    DType.uint64: [0, 2 ** 64 - 1, 7, 8],
    DType.complex64: [[1.5, -2.0], [0.0, 1.0], [3.25, 0.5], [-1.0, -1.0]],
    DType.complex128: [[0.1, 0.2], [-5.0, 1e10], [0.0, 0.0], [2.5, -2.5]],
    DType.bool: [True, False, False, True],
}

# values that fit int128 after x 10^18 (fixed point works on every dtype but complex)
FIXED_SAMPLES = {d: v for d, v in SAMPLES.items() if d not in (DType.complex64, DType.complex128)}
FIXED_SAMPLES[DType.float16] = [0.5, -1.25, 100.0, 0.0]
FIXED_SAMPLES[DType.float32] = [0.1, -3.5, 1e-3, 12345.678]
FIXED_SAMPLES[DType.float64] = [0.1, -2.5e-10, 1e15, 7.0]
FIXED_SAMPLES[DType.int64] = [-(2 ** 62), 2 ** 62, 3, -3]
FIXED_SAMPLES[DType.uint64] = [0, 2 ** 63, 7, 8]


def vec(dtype: DType, values: list, shape=(2, 2)) -> Vector:
    return vector_from_json({"dtype": int(dtype), "shape": list(shape), "values": values}, "v")


# -- independent reimplementation, written from the documented formulas -------------------------

def ref_ieee(dtype: DType, v) -> int | bool:
    f = {DType.float16: ("e", "h"), DType.float32: ("f", "i"), DType.float64: ("d", "q"),
         DType.float128: ("d", "q"), DType.float256: ("d", "q")}
    if dtype in f:
        a, b = f[dtype]
        return struct.unpack(">" + b, struct.pack(">" + a, v))[0]
    if dtype == DType.complex64:
        return struct.unpack(">Q", struct.pack(">ff", v.real, v.imag))[0]
    if dtype == DType.complex128:
        hi, lo = struct.unpack(">QQ", struct.pack(">dd", v.real, v.imag))
        return (hi << 64) | lo
    if dtype == DType.bool:
        return bool(v)
    return int(v)


def ref_encode(dtype: DType, shape, values, arithmetic: int, scale: int) -> bytes:
    scale = scale or 18
    if arithmetic == 0:
        return encode(["uint8", "uint8", "uint8", "uint16[]", f"{SOLIDITY_TYPE[dtype]}[]"],
                      [0, scale, int(dtype), list(shape), [ref_ieee(dtype, v) for v in values]])
    return encode(["uint8", "uint8", "uint8", "uint16[]", "int128[]"],
                  [1, scale, 3, list(shape), [int(v * 10 ** scale) for v in values]])


def python_values(dtype: DType, values: list) -> list:
    """The values as the model would hand them over (numpy -> Python)."""
    v = vec(dtype, values, (len(values),))
    return v.array.tolist()


@pytest.mark.parametrize("dtype", list(DType), ids=lambda d: d.name)
def test_ieee_round_trip_and_reference_formula(dtype):
    v = vec(dtype, SAMPLES[dtype])
    data = encode_vector(v, Arithmetic.ieee)
    assert data == ref_encode(dtype, (2, 2), python_values(dtype, SAMPLES[dtype]), 0, 18)
    back = decode_vector(data)
    assert back.dtype == dtype and back.shape == (2, 2)
    assert back.array.dtype == v.array.dtype
    np.testing.assert_array_equal(back.array, v.array)


@pytest.mark.parametrize("dtype", list(FIXED_SAMPLES), ids=lambda d: d.name)
@pytest.mark.parametrize("scale", [18, 6, 0])
def test_fixed_point_encoding_and_reference_formula(dtype, scale):
    v = vec(dtype, FIXED_SAMPLES[dtype])
    data = encode_vector(v, Arithmetic.fixed_point, scale)
    assert data == ref_encode(dtype, (2, 2), python_values(dtype, FIXED_SAMPLES[dtype]), 1, scale)
    arithmetic, out_scale, out_dtype, shape, values = decode(
        ["uint8", "uint8", "uint8", "uint16[]", "int128[]"], data)
    assert (arithmetic, out_scale, out_dtype, shape) == (1, scale or 18, 3, (2, 2))
    back = decode_vector(data)
    assert back.dtype == DType.float128
    expected = [float(x) for x in python_values(dtype, FIXED_SAMPLES[dtype])]
    for got, want in zip(back.array.reshape(-1).tolist(), expected):
        assert got == pytest.approx(want, rel=1e-12, abs=10.0 ** -(scale or 18))


def test_fixed_point_decoding_of_integer_and_complex_dtypes():
    # integers stay unscaled (the reference decodes them as they are)
    data = encode(["uint8", "uint8", "uint8", "uint16[]", "int32[]"], [1, 6, 7, [2], [5, -9]])
    assert decode_vector(data).array.tolist() == [5, -9]
    # complex64 fixed point: (int32 real << 32) | int32 imag, both x 10^scale
    re, im = 1_500_000, -2_000_000
    packed = ((re & 0xFFFFFFFF) << 32) | (im & 0xFFFFFFFF)
    data = encode(["uint8", "uint8", "uint8", "uint16[]", "uint64[]"], [1, 6, 13, [1], [packed]])
    assert decode_vector(data).array.tolist() == [complex(1.5, -2.0)]


def test_fixed_point_refuses_what_it_cannot_encode():
    with pytest.raises(ServiceError) as error:
        encode_vector(vec(DType.float64, [1e30, 0, 0, 0]), Arithmetic.fixed_point, 18)
    assert error.value.status == 400 and "int128" in error.value.description
    with pytest.raises(ServiceError):
        encode_vector(vec(DType.float32, ["NaN", 0, 0, 0]), Arithmetic.fixed_point, 18)
    with pytest.raises(ServiceError):
        encode_vector(vec(DType.complex64, SAMPLES[DType.complex64]), Arithmetic.fixed_point, 18)


def test_json_vectors_every_dtype_and_errors():
    for dtype, values in SAMPLES.items():
        v = vec(dtype, values)
        out = v.to_json()
        assert out["dtype"] == int(dtype) and out["shape"] == [2, 2]
        if dtype in (DType.complex64, DType.complex128):
            assert vec(dtype, out["values"]).array.tolist() == v.array.tolist()
    nan = vec(DType.float32, ["NaN", "Infinity", "-Infinity", 1.0]).to_json()["values"]
    assert nan == ["NaN", "Infinity", "-Infinity", 1.0]
    bad = [
        ({"dtype": 99, "shape": [1], "values": [1]}, "unknown dtype"),
        ({"dtype": 1, "shape": [3], "values": [1, 2]}, "do not fill shape"),
        ({"dtype": 1, "shape": [1], "values": ["x"]}, "must be numbers"),
        ({"dtype": 5, "shape": [1], "values": [300]}, "out of range"),
        ({"dtype": 7, "shape": [1], "values": [1.5]}, "must be integers"),
        ({"dtype": 12, "shape": [1], "values": [2 ** 64]}, "out of range"),
        ({"dtype": 15, "shape": [1], "values": [2]}, "bool values"),
        ({"dtype": 1, "shape": [-1], "values": []}, "shape"),
        ({"dtype": 1, "values": [1]}, "missing required field 'v.shape'"),
        ({"dtype": 1, "shape": [2], "values": [[1], [2, 3]]}, "rectangular"),
    ]
    for obj, message in bad:
        with pytest.raises(ServiceError) as error:
            vector_from_json(obj, "v")
        assert error.value.status == 400 and message in error.value.description, obj


def test_decode_vector_errors():
    for data in (b"", b"\x00" * 31, bytes(range(200))):
        with pytest.raises(ServiceError) as error:
            decode_vector(data)
        assert error.value.status == 400
    wrong_dtype = encode(["uint8", "uint8", "uint8", "uint16[]", "int32[]"], [0, 18, 42, [1], [1]])
    with pytest.raises(ServiceError, match="unknown dtype"):
        decode_vector(wrong_dtype)
    short = encode(["uint8", "uint8", "uint8", "uint16[]", "int32[]"], [0, 18, 1, [3], [1]])
    with pytest.raises(ServiceError, match="do not fill shape"):
        decode_vector(short)


def test_model_id_forms():
    m = ModelId.parse("huggingface/Ritual-Net/iris-classification:iris.onnx")
    assert (m.storage, m.owner, m.name, m.version, m.files) == \
        (Storage.huggingface, "Ritual-Net", "iris-classification", None, ("iris.onnx",))
    m2 = ModelId.parse("local/me/model/v2:a.onnx,a.onnx.data")
    assert m2.version == "v2" and m2.files == ("a.onnx", "a.onnx.data")
    assert str(m2) == "local/me/model/v2:a.onnx,a.onnx.data"
    for m in (m, m2, ModelId.parse("arweave/0xabc/repo")):
        assert ModelId.from_web3(m.to_web3()) == m
    repo = encode(["uint8", "string", "string", "string"], [0, "me", "model", "v2"])
    assert m2.to_web3() == encode(["bytes", "string"], [repo, "a.onnx,a.onnx.data"])
    for text in ("s3/a/b:c", "local/a:c", "local/a/b/c/d:e", "local/../b:c", "local/a/b:../x",
                 "local/a/.hidden:c", ""):
        with pytest.raises(ServiceError) as error:
            ModelId.parse(text)
        assert error.value.status == 400
    bad_storage = encode(["bytes", "string"],
                         [encode(["uint8", "string", "string", "string"], [7, "a", "b", ""]), "c"])
    with pytest.raises(ServiceError, match="unknown storage"):
        ModelId.from_web3(bad_storage)


# -- the reference codecs (infernet-ml 2.0) ------------------------------------------------------

oracle = pytest.mark.skipif(not HAS_ORACLE, reason="infernet-ml 2.0 (and torch) not installed")


@oracle
@pytest.mark.parametrize("dtype", list(DType), ids=lambda d: d.name)
@pytest.mark.parametrize("arithmetic,scale", [("ieee", 18), ("fixed_point", 18), ("fixed_point", 6)])
def test_matches_infernet_ml_vector_codec(dtype, arithmetic, scale):
    from infernet_ml.utils.codec.vector import ArithmeticType, DataType, RitualVector
    samples = FIXED_SAMPLES if arithmetic == "fixed_point" else SAMPLES
    if dtype not in samples:
        pytest.skip("the reference cannot encode complex values in fixed point")
    ours = vec(dtype, samples[dtype])
    values = ours.array.reshape(-1).tolist()
    ref = RitualVector(dtype=DataType(int(dtype)), shape=(2, 2), values=values)
    ref_bytes = ref.to_web3(ArithmeticType(arithmetic), scale)
    assert encode_vector(ours, Arithmetic[arithmetic], scale) == ref_bytes
    # and both decode the reference's bytes to the same values
    ref_back = RitualVector.from_web3(ref_bytes)
    our_back = decode_vector(ref_bytes)
    assert int(ref_back.dtype) == int(our_back.dtype)
    assert tuple(ref_back.shape) == our_back.shape
    for a, b in zip(ref_back.values, our_back.array.reshape(-1).tolist()):
        if isinstance(a, float) and math.isnan(a):
            assert math.isnan(b)
        else:
            assert a == b


@oracle
def test_matches_infernet_ml_model_id():
    from infernet_ml.utils.specs.ml_model_id import MlModelId
    for text in ("huggingface/Ritual-Net/iris-classification:iris.onnx",
                 "arweave/0xabc/repo/1.0:model.torch", "local/me/iris:iris.onnx,extra.bin"):
        ref = MlModelId.from_unique_id(text)
        ours = ModelId.parse(text)
        assert ours.to_web3() == ref.to_web3
        assert ModelId.from_web3(ref.to_web3).unique_id == ref.unique_id


@oracle
def test_decodes_requests_encoded_as_infernet_ml_does():
    """On-chain input built as infernet-ml's ONNXInferenceRequest.to_web3 builds it (its module
    itself needs the workflow's dependencies), from the reference's MlModelId and RitualVector."""
    from infernet_ml.utils.codec.vector import ArithmeticType, RitualVector
    from infernet_ml.utils.specs.ml_model_id import MlModelId
    from services.common.inference import decode_onchain_input
    vector = RitualVector.from_numpy(np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32))
    model = MlModelId.from_unique_id("local/me/iris:iris.onnx").to_web3
    for extra_types, extra, expected in (
            ([], [], (Arithmetic.ieee, 18)),
            (["uint8"], [ArithmeticType.fixed_point.to_int_enum()], (Arithmetic.fixed_point, 18)),
            (["uint8", "uint8"], [1, 6], (Arithmetic.fixed_point, 6))):
        data = encode(["bytes", "bytes"] + extra_types, [model, vector.to_web3()] + extra)
        model_bytes, vector_bytes, arithmetic, scale = decode_onchain_input(data)
        assert ModelId.from_web3(model_bytes) == ModelId.parse("local/me/iris:iris.onnx")
        assert decode_vector(vector_bytes).array.tolist() == vector.numpy.tolist()
        assert (arithmetic, scale) == expected
