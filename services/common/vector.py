"""Vectors: the JSON form `{dtype, shape, values}` and the on-chain ABI form.

On-chain: `abi.encode(uint8 arithmetic, uint8 fixed_point_scale, uint8 dtype, uint16[] shape,
T[] values)`, byte-compatible with infernet-ml 2.0's `RitualVector.to_web3/from_web3`:

- arithmetic 0 (IEEE): floats travel as their bit patterns reinterpreted as the same-width
  signed integer (float16 -> int16, float32 -> int32, float64 -> int64; float128/float256 hold
  float64 bits in an int128/int256); integers as themselves; complex64 as uint64
  (real bits << 32 | imag bits), complex128 as uint128 (real bits << 64 | imag bits); bool as bool.
- arithmetic 1 (fixed point): every value becomes `int(value * 10**scale)` as int128 and the
  dtype byte says float128 (3), whatever the source dtype was. A scale of 0 means the default,
  18 (as the reference: `fixed_point_scale or 18`). Decoding divides floats by 10**scale and
  leaves integers and bools as they are.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from .errors import bad_request, internal


class DType(IntEnum):
    float16 = 0
    float32 = 1
    float64 = 2
    float128 = 3
    float256 = 4
    int8 = 5
    int16 = 6
    int32 = 7
    int64 = 8
    uint8 = 9
    uint16 = 10
    uint32 = 11
    uint64 = 12
    complex64 = 13
    complex128 = 14
    bool = 15


class Arithmetic(IntEnum):
    ieee = 0
    fixed_point = 1


DEFAULT_FIXED_POINT_SCALE = 18

NUMPY_TYPE: dict[DType, Any] = {
    DType.float16: np.float16,
    DType.float32: np.float32,
    DType.float64: np.float64,
    DType.float128: np.float64,  # as the reference: no wider float in numpy/torch
    DType.float256: np.float64,
    DType.int8: np.int8,
    DType.int16: np.int16,
    DType.int32: np.int32,
    DType.int64: np.int64,
    DType.uint8: np.uint8,
    DType.uint16: np.uint16,
    DType.uint32: np.uint32,
    DType.uint64: np.uint64,
    DType.complex64: np.complex64,
    DType.complex128: np.complex128,
    DType.bool: np.bool_,
}

SOLIDITY_TYPE: dict[DType, str] = {
    DType.float16: "int16",
    DType.float32: "int32",
    DType.float64: "int64",
    DType.float128: "int128",
    DType.float256: "int256",
    DType.int8: "int8",
    DType.int16: "int16",
    DType.int32: "int32",
    DType.int64: "int64",
    DType.uint8: "uint8",
    DType.uint16: "uint16",
    DType.uint32: "uint32",
    DType.uint64: "uint64",
    DType.complex64: "uint64",
    DType.complex128: "uint128",
    DType.bool: "bool",
}

FLOATS = {DType.float16, DType.float32, DType.float64, DType.float128, DType.float256}
INTEGERS = {DType.int8, DType.int16, DType.int32, DType.int64,
            DType.uint8, DType.uint16, DType.uint32, DType.uint64}
COMPLEX = {DType.complex64, DType.complex128}

_FROM_NUMPY = {np.dtype(v): k for k, v in NUMPY_TYPE.items()
               if k not in (DType.float128, DType.float256)}

NON_FINITE_JSON = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def dtype_label(dtype: DType) -> str:
    return f"{dtype.name} ({int(dtype)})"


@dataclass
class Vector:
    """A typed, shaped array. `array` has the numpy type of `dtype` and the shape `shape`."""

    dtype: DType
    shape: tuple[int, ...]
    array: np.ndarray

    @classmethod
    def from_numpy(cls, array: np.ndarray) -> "Vector":
        array = np.asarray(array)
        dtype = _FROM_NUMPY.get(array.dtype)
        if dtype is None:
            raise internal(f"the model produced a tensor of numpy type {array.dtype}, "
                           "which has no vector dtype code")
        return cls(dtype, tuple(int(d) for d in array.shape), array)

    def to_json(self) -> dict:
        flat = self.array.reshape(-1)
        if self.dtype in COMPLEX:
            values: list = [[_json_float(z.real), _json_float(z.imag)] for z in flat.tolist()]
        elif self.dtype in FLOATS:
            values = flat.tolist()
            if not np.isfinite(flat).all():
                values = [_json_float(v) for v in values]
        else:
            values = flat.tolist()
        return {"dtype": int(self.dtype), "shape": list(self.shape), "values": values}


def _json_float(v: float) -> float | str:
    if math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


# ---------------------------------------------------------------------------------------------
# JSON form


def parse_dtype(value: Any, field: str) -> DType:
    if isinstance(value, bool):
        raise bad_request(f"invalid field '{field}': dtype must be an integer code 0-15, got {value!r}")
    if isinstance(value, int):
        try:
            return DType(value)
        except ValueError:
            pass
    elif isinstance(value, str) and value in DType.__members__:
        return DType[value]
    raise bad_request(f"invalid field '{field}': unknown dtype {value!r} "
                      "(codes: " + ", ".join(f"{d.name}={int(d)}" for d in DType) + ")")


def parse_shape(value: Any, field: str) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value):
        raise bad_request(f"invalid field '{field}': shape must be a list of non-negative integers, "
                          f"got {value!r}")
    return tuple(value)


def vector_from_json(obj: Any, field: str) -> Vector:
    """Parses `{dtype, shape, values}`; values flat (or nested, row-major) in the dtype's domain."""
    if not isinstance(obj, dict):
        raise bad_request(f"invalid field '{field}': a vector must be an object "
                          "{\"dtype\", \"shape\", \"values\"}")
    for key in ("dtype", "shape", "values"):
        if key not in obj:
            raise bad_request(f"missing required field '{field}.{key}'")
    dtype = parse_dtype(obj["dtype"], f"{field}.dtype")
    shape = parse_shape(obj["shape"], f"{field}.shape")
    values = obj["values"]
    if not isinstance(values, list):
        raise bad_request(f"invalid field '{field}.values': must be a list")
    array = _values_to_array(values, dtype, f"{field}.values")
    expected = math.prod(shape)
    if array.size != expected:
        raise bad_request(f"invalid field '{field}': {array.size} values do not fill shape "
                          f"{list(shape)} ({expected} elements)")
    return Vector(dtype, shape, array.reshape(shape))


def _values_to_array(values: list, dtype: DType, field: str) -> np.ndarray:
    target = NUMPY_TYPE[dtype]
    if not values:
        return np.zeros(0, dtype=target)
    if dtype in FLOATS and any(isinstance(v, str) for v in values):
        try:
            values = [NON_FINITE_JSON[v] if isinstance(v, str) else v for v in values]
        except KeyError:
            raise bad_request(f"invalid field '{field}': {dtype.name} values must be numbers "
                              "(or \"NaN\", \"Infinity\", \"-Infinity\")") from None
    if dtype in COMPLEX:
        return _complex_values(values, target, field)
    try:
        raw = np.asarray(values)
    except (ValueError, TypeError) as error:
        raise bad_request(f"invalid field '{field}': values are not a rectangular list of "
                          f"numbers ({error})") from None
    kind = raw.dtype.kind
    if dtype in FLOATS:
        if kind not in "biuf":
            raise bad_request(f"invalid field '{field}': {dtype.name} values must be numbers")
        with np.errstate(over="ignore"):
            return raw.astype(target)
    if dtype == DType.bool:
        if kind == "b":
            return raw
        if kind in "iu" and np.isin(raw, (0, 1)).all():
            return raw.astype(np.bool_)
        raise bad_request(f"invalid field '{field}': bool values must be true/false (or 0/1)")
    # integers
    info = np.iinfo(target)
    if kind in "iub":
        if raw.size and (raw.min() < info.min or raw.max() > info.max):
            raise bad_request(f"invalid field '{field}': value out of range for {dtype.name} "
                              f"[{info.min}, {info.max}]")
        return raw.astype(target)
    # floats or mixed/huge integers: check each Python value, never going through float64
    flat: list = []
    _flatten_scalars(values, flat)
    ints = []
    for v in flat:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                (isinstance(v, float) and not v.is_integer()):
            raise bad_request(f"invalid field '{field}': {dtype.name} values must be integers")
        v = int(v)
        if not info.min <= v <= info.max:
            raise bad_request(f"invalid field '{field}': value out of range for {dtype.name} "
                              f"[{info.min}, {info.max}]")
        ints.append(v)
    return np.array(ints, dtype=target).reshape(raw.shape)


def _flatten_scalars(values: Any, out: list) -> None:
    if isinstance(values, list):
        for v in values:
            _flatten_scalars(v, out)
    else:
        out.append(values)


def _complex_values(values: list, target: Any, field: str) -> np.ndarray:
    out = []
    for v in _flatten(values, field):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(complex(v, 0))
        elif isinstance(v, dict) and set(v) == {"real", "imag"}:
            out.append(complex(_number(v["real"], field), _number(v["imag"], field)))
        elif isinstance(v, (list, tuple)) and len(v) == 2:
            out.append(complex(_number(v[0], field), _number(v[1], field)))
        else:
            raise bad_request(f"invalid field '{field}': complex values must be [real, imag] pairs, "
                              "{\"real\", \"imag\"} objects or numbers")
    return np.array(out, dtype=target)


def _flatten(values: list, field: str) -> list:
    # Complex values are [re, im] pairs, so nesting is flattened down to pairs or scalars.
    out: list = []
    for v in values:
        if isinstance(v, list) and v and isinstance(v[0], list):
            out.extend(_flatten(v, field))
        else:
            out.append(v)
    return out


def _number(v: Any, field: str) -> float:
    if isinstance(v, str) and v in NON_FINITE_JSON:
        return NON_FINITE_JSON[v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise bad_request(f"invalid field '{field}': {v!r} is not a number")


# ---------------------------------------------------------------------------------------------
# On-chain form

_HEADER = ["uint8", "uint8", "uint8", "uint16[]"]


def parse_arithmetic(value: Any, field: str) -> Arithmetic:
    if value is None:
        return Arithmetic.ieee
    if isinstance(value, str) and value in Arithmetic.__members__:
        return Arithmetic[value]
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return Arithmetic(value)
    raise bad_request(f"invalid field '{field}': must be \"ieee\" or \"fixed_point\", got {value!r}")


def parse_scale(value: Any, field: str) -> int:
    if value is None:
        return DEFAULT_FIXED_POINT_SCALE
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        raise bad_request(f"invalid field '{field}': must be an integer 0-255, got {value!r}")
    return value or DEFAULT_FIXED_POINT_SCALE


def encode_vector(vector: Vector, arithmetic: Arithmetic = Arithmetic.ieee,
                  scale: int = DEFAULT_FIXED_POINT_SCALE) -> bytes:
    scale = scale or DEFAULT_FIXED_POINT_SCALE
    dtype = vector.dtype
    flat = vector.array.reshape(-1)
    if arithmetic == Arithmetic.ieee:
        values = _ieee_encode(flat, dtype)
        out_dtype = dtype
    else:
        if dtype in COMPLEX:
            raise bad_request(f"fixed-point encoding of {dtype.name} values is not supported "
                              "(use output_arithmetic \"ieee\")")
        out_dtype = DType.float128
        factor = 10 ** scale
        values = []
        for v in flat.tolist():
            if isinstance(v, float) and not math.isfinite(v):
                raise bad_request(f"cannot encode the non-finite value {v} in fixed point")
            try:
                r = int(v * factor)  # float * int for floats, exact for ints: as the reference
            except OverflowError:
                r = 2 ** 127
            if not -(2 ** 127) <= r < 2 ** 127:
                raise bad_request(f"value {v} x 10^{scale} does not fit a fixed-point int128")
            values.append(r)
    try:
        return abi_encode(_HEADER + [f"{SOLIDITY_TYPE[out_dtype]}[]"],
                          [int(arithmetic), scale, int(out_dtype), list(vector.shape), values])
    except Exception as error:  # eth-abi refuses e.g. a shape dimension over 65535
        raise bad_request(f"cannot ABI-encode the vector: {error}") from None


def _ieee_encode(flat: np.ndarray, dtype: DType) -> list:
    if dtype == DType.float16:
        return flat.astype(np.float16).view(np.int16).tolist()
    if dtype == DType.float32:
        return flat.astype(np.float32).view(np.int32).tolist()
    if dtype in FLOATS:  # float64, and float128/float256 holding float64 bits
        return flat.astype(np.float64).view(np.int64).tolist()
    if dtype == DType.complex64:
        parts = flat.astype(np.complex64).view(np.float32).view(np.uint32).reshape(-1, 2).tolist()
        return [(re << 32) | im for re, im in parts]
    if dtype == DType.complex128:
        parts = flat.astype(np.complex128).view(np.float64).view(np.uint64).reshape(-1, 2).tolist()
        return [(re << 64) | im for re, im in parts]
    if dtype == DType.bool:
        return [bool(v) for v in flat.tolist()]
    return [int(v) for v in flat.tolist()]


def decode_vector(data: bytes, field: str = "vector") -> Vector:
    try:
        arithmetic_byte, scale, dtype_byte, shape = abi_decode(_HEADER, data)
    except Exception as error:
        raise bad_request(f"malformed on-chain {field}: {error}") from None
    try:
        arithmetic = Arithmetic(arithmetic_byte)
    except ValueError:
        raise bad_request(f"malformed on-chain {field}: unknown arithmetic {arithmetic_byte} "
                          "(0 = IEEE, 1 = fixed point)") from None
    try:
        dtype = DType(dtype_byte)
    except ValueError:
        raise bad_request(f"malformed on-chain {field}: unknown dtype {dtype_byte}") from None
    try:
        *_, raw = abi_decode(_HEADER + [f"{SOLIDITY_TYPE[dtype]}[]"], data)
    except Exception as error:
        raise bad_request(f"malformed on-chain {field}: values are not a {SOLIDITY_TYPE[dtype]}[] "
                          f"({error})") from None
    try:
        values = _ieee_decode(raw, dtype) if arithmetic == Arithmetic.ieee else \
            _fixed_decode(raw, dtype, scale)
    except (struct.error, OverflowError) as error:
        raise bad_request(f"malformed on-chain {field}: a value does not fit {dtype.name} ({error})") \
            from None
    shape = tuple(shape)
    if len(values) != math.prod(shape):
        raise bad_request(f"malformed on-chain {field}: {len(values)} values do not fill shape "
                          f"{list(shape)}")
    try:
        array = np.array(values, dtype=NUMPY_TYPE[dtype]).reshape(shape)
    except OverflowError as error:
        raise bad_request(f"malformed on-chain {field}: a value does not fit {dtype.name} ({error})") \
            from None
    return Vector(dtype, shape, array)


def _ieee_decode(raw: tuple, dtype: DType) -> list:
    if dtype == DType.float16:
        return [struct.unpack(">e", struct.pack(">h", v))[0] for v in raw]
    if dtype == DType.float32:
        return [struct.unpack(">f", struct.pack(">i", v))[0] for v in raw]
    if dtype in FLOATS:
        return [struct.unpack(">d", struct.pack(">q", v))[0] for v in raw]
    if dtype == DType.complex64:
        return [complex(*struct.unpack(">ff", struct.pack(">Q", v))) for v in raw]
    if dtype == DType.complex128:
        return [complex(*struct.unpack(">dd", struct.pack(">QQ", v >> 64, v & (2 ** 64 - 1))))
                for v in raw]
    return list(raw)


def _fixed_decode(raw: tuple, dtype: DType, scale: int) -> list:
    factor = 10 ** scale
    if dtype in FLOATS:
        return [float(v / factor) for v in raw]
    if dtype == DType.complex64:
        return [complex(_i32(v >> 32) / factor, _i32(v & 0xFFFFFFFF) / factor) for v in raw]
    if dtype == DType.complex128:
        return [complex(_i64(v >> 64) / factor, _i64(v & (2 ** 64 - 1)) / factor) for v in raw]
    return list(raw)


def _i32(u: int) -> int:
    return u - (1 << 32) if u >= (1 << 31) else u


def _i64(u: int) -> int:
    return u - (1 << 64) if u >= (1 << 63) else u

