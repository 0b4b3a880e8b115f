"""Fast decoding of raw transactions for the pyrevm backend (py-evm's decoder costs more than revm's run).

`decode(raw)` returns a `RawTx` with the attributes of py-evm's signed transactions that the devnet
uses (so both kinds go through the same code): plain RLP lists, one keccak for the signing hash and
coincurve for the sender. Legacy (EIP-155 or not), EIP-2930 (type 1) and EIP-1559 (type 2).
"""
from __future__ import annotations

from coincurve import PublicKey
from eth_utils import keccak

SECPK1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _head(b: bytes, i: int, end: int):
    """RLP item at b[i]: -> (payload start, payload end, is_list)."""
    if i >= end:
        raise ValueError("truncated RLP")
    p = b[i]
    if p < 0x80:
        s, e, lst = i, i + 1, False
    elif p < 0xB8:
        s, e, lst = i + 1, i + 1 + p - 0x80, False
    elif p < 0xC0:
        ll = p - 0xB7
        s = i + 1 + ll
        e, lst = s + int.from_bytes(b[i + 1:s], "big"), False
    elif p < 0xF8:
        s, e, lst = i + 1, i + 1 + p - 0xC0, True
    else:
        ll = p - 0xF7
        s = i + 1 + ll
        e, lst = s + int.from_bytes(b[i + 1:s], "big"), True
    if e > end:
        raise ValueError("truncated RLP")
    return s, e, lst


def _items(b: bytes, s: int, e: int) -> list:
    """The items of the RLP list payload b[s:e]: [(item start, payload start, payload end, is_list)]."""
    out = []
    i = s
    while i < e:
        ps, pe, lst = _head(b, i, e)
        out.append((i, ps, pe, lst))
        i = pe
    return out


def _value(b: bytes, it):
    """bytes for a string item, a nested list of values for a list item."""
    _, ps, pe, lst = it
    if not lst:
        return b[ps:pe]
    return [_value(b, x) for x in _items(b, ps, pe)]


def _list_prefix(n: int) -> bytes:
    return _prefix(n, 0xC0)


def encode(x) -> bytes:
    """RLP of bytes / non-negative ints / lists of them (a few times faster than pyrlp's generic encoder)."""
    if isinstance(x, int):
        x = x.to_bytes((x.bit_length() + 7) // 8, "big")
    if isinstance(x, (bytes, bytearray)):
        if len(x) == 1 and x[0] < 0x80:
            return bytes(x)
        return _prefix(len(x), 0x80) + x
    body = b"".join([encode(i) for i in x])
    return _prefix(len(body), 0xC0) + body


def encode_list_body(body: bytes) -> bytes:
    """RLP list around already-encoded items."""
    return _prefix(len(body), 0xC0) + body


def _prefix(n: int, base: int) -> bytes:
    if n < 56:
        return bytes([base + n])
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([base + 55 + len(ln)]) + ln


def _decode_list(b: bytes):
    s, e, lst = _head(b, 0, len(b))
    if not lst or e != len(b):
        raise ValueError("expected one RLP list")
    return _items(b, s, e)


def _int(b: bytes, name: str) -> int:
    if not isinstance(b, bytes):
        raise ValueError(f"{name}: expected a byte string")
    if len(b) > 1 and b[0] == 0:
        raise ValueError(f"{name}: leading zero")
    if len(b) > 32:
        raise ValueError(f"{name}: more than 32 bytes")
    return int.from_bytes(b, "big")


def _bytes(b, name: str) -> bytes:
    if not isinstance(b, bytes):
        raise ValueError(f"{name}: expected a byte string")
    return b


def _to(b) -> bytes:
    b = _bytes(b, "to")
    if len(b) not in (0, 20):
        raise ValueError("to: expected 0 or 20 bytes")
    return b


def _access_list(items) -> tuple:
    if not isinstance(items, list):
        raise ValueError("accessList: expected a list")
    out = []
    for it in items:
        if not isinstance(it, list) or len(it) != 2 or not isinstance(it[1], list):
            raise ValueError("accessList: expected [address, [keys]] entries")
        addr = _bytes(it[0], "accessList address")
        if len(addr) != 20:
            raise ValueError("accessList address: expected 20 bytes")
        keys = tuple(_bytes(k, "accessList key") for k in it[1])
        if any(len(k) != 32 for k in keys):
            raise ValueError("accessList key: expected 32 bytes")
        out.append((addr, keys))
    return tuple(out)


class RawTx:
    __slots__ = ("type_id", "hash", "nonce", "to", "value", "gas", "data", "gas_price", "max_fee_per_gas",
                 "max_priority_fee_per_gas", "chain_id", "access_list", "y_parity", "v", "r", "s", "sender", "raw")

    @property
    def intrinsic_gas(self) -> int:
        """As py-evm computes it: base + calldata + create + access list (revm adds the EIP-7623 floor itself)."""
        zeros = self.data.count(0)
        nonzero = len(self.data) - zeros
        gas = 21000 + 4 * zeros + 16 * nonzero
        if not self.to:
            gas += 32000
        for _addr, keys in self.access_list or ():
            gas += 2400 + 1900 * len(keys)
        return gas


def _sender(msg_hash: bytes, y_parity: int, r: int, s: int) -> bytes:
    if y_parity not in (0, 1) or not 0 < r < SECPK1_N or not 0 < s <= SECPK1_N // 2:
        raise ValueError("invalid signature values")
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
    pub = PublicKey.from_signature_and_message(sig, msg_hash, hasher=None)
    return keccak(pub.format(compressed=False)[1:])[12:]


def decode(raw: bytes) -> RawTx:
    if not raw:
        raise ValueError("empty transaction")
    tx = RawTx()
    tx.raw = raw
    tx.hash = keccak(raw)
    if raw[0] >= 0xC0:  # legacy
        its = _decode_list(raw)
        if len(its) != 9:
            raise ValueError("legacy transaction: expected 9 fields")
        f = [_value(raw, it) for it in its]
        tx.type_id = 0
        tx.nonce, tx.gas_price, tx.gas = _int(f[0], "nonce"), _int(f[1], "gasPrice"), _int(f[2], "gas")
        tx.to, tx.value, tx.data = _to(f[3]), _int(f[4], "value"), _bytes(f[5], "data")
        tx.v, tx.r, tx.s = _int(f[6], "v"), _int(f[7], "r"), _int(f[8], "s")
        tx.access_list = ()
        if tx.v in (27, 28):
            tx.chain_id = None
            tx.y_parity = tx.v - 27
            body = raw[its[0][0]:its[6][0]]
            msg = keccak(_list_prefix(len(body)) + body)
        else:
            tx.chain_id = (tx.v - 35) // 2
            tx.y_parity = (tx.v - 35) % 2
            if tx.chain_id < 0:
                raise ValueError("invalid v")
            body = raw[its[0][0]:its[6][0]] + encode(tx.chain_id) + b"\x80\x80"
            msg = keccak(_list_prefix(len(body)) + body)
        tx.max_fee_per_gas = tx.max_priority_fee_per_gas = tx.gas_price
    elif raw[0] in (1, 2):
        payload = raw[1:]
        its = _decode_list(payload)
        n = 11 if raw[0] == 1 else 12
        if len(its) != n:
            raise ValueError(f"type {raw[0]} transaction: expected {n} fields")
        f = [_value(payload, it) for it in its]
        tx.type_id = raw[0]
        tx.chain_id, tx.nonce = _int(f[0], "chainId"), _int(f[1], "nonce")
        if raw[0] == 1:
            tx.gas_price = _int(f[2], "gasPrice")
            tx.max_fee_per_gas = tx.max_priority_fee_per_gas = tx.gas_price
            rest = f[3:]
        else:
            tx.max_priority_fee_per_gas = _int(f[2], "maxPriorityFeePerGas")
            tx.max_fee_per_gas = _int(f[3], "maxFeePerGas")
            tx.gas_price = tx.max_fee_per_gas
            rest = f[4:]
        tx.gas, tx.to, tx.value, tx.data = _int(rest[0], "gas"), _to(rest[1]), _int(rest[2], "value"), _bytes(rest[3], "data")
        tx.access_list = _access_list(rest[4])
        tx.y_parity, tx.r, tx.s = _int(rest[5], "yParity"), _int(rest[6], "r"), _int(rest[7], "s")
        tx.v = tx.y_parity
        body = payload[its[0][0]:its[-3][0]]
        msg = keccak(raw[:1] + _list_prefix(len(body)) + body)
    else:
        raise ValueError(f"unsupported transaction type {raw[0]}")
    tx.sender = _sender(msg, tx.y_parity, tx.r, tx.s)
    return tx
