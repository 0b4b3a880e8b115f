"""The pyrevm backend's raw-transaction decoder agrees with py-evm's, and refuses malformed input."""
import pytest
from eth_account import Account

from devnet.chainbase import TX_BUILDER
from devnet.fasttx import decode, encode

KEY = "0x" + "00" * 31 + "07"
TO = "0x" + "22" * 20
TXS = [
    {"type": 2, "chainId": 1337, "nonce": 5, "to": TO, "value": 1, "data": "0x00ab00ff", "gas": 100000,
     "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9},
    {"type": 2, "chainId": 1337, "nonce": 0, "value": 0, "data": "0x" + "60" * 100 + "00" * 40, "gas": 900000,
     "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9},  # contract creation
    {"type": 2, "chainId": 1337, "nonce": 1, "to": TO, "value": 0, "data": "0x" + "ab" * 3000, "gas": 900000,
     "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9},  # long RLP lengths
    {"type": 1, "chainId": 1337, "nonce": 7, "to": TO, "value": 0, "data": "0x", "gas": 60000, "gasPrice": 3 * 10**9,
     "accessList": [{"address": "0x" + "33" * 20, "storageKeys": ["0x" + "00" * 31 + "01"]}]},
    {"chainId": 1337, "nonce": 7, "to": TO, "value": 9, "data": "0x1234", "gas": 60000, "gasPrice": 3 * 10**9},
    {"nonce": 7, "to": TO, "value": 9, "data": "0x1234", "gas": 60000, "gasPrice": 3 * 10**9},  # pre-EIP-155
]
FIELDS = ["hash", "nonce", "to", "value", "gas", "data", "sender", "intrinsic_gas", "chain_id", "r", "s"]


@pytest.mark.parametrize("tx", TXS, ids=["1559", "1559-create", "1559-long", "2930", "legacy-155", "legacy"])
def test_decode_matches_py_evm(tx):
    raw = Account.sign_transaction(tx, KEY).raw_transaction
    ours, theirs = decode(raw), TX_BUILDER.decode(raw)
    for f in FIELDS:
        assert getattr(ours, f) == getattr(theirs, f), f
    if tx.get("type"):
        assert ours.y_parity == theirs.y_parity and ours.type_id == tx["type"]
    if tx.get("type") == 2:
        assert (ours.max_fee_per_gas, ours.max_priority_fee_per_gas) == (theirs.max_fee_per_gas, theirs.max_priority_fee_per_gas)
    else:
        assert ours.gas_price == theirs.gas_price
    assert "0x" + ours.sender.hex() == Account.from_key(KEY).address.lower()


@pytest.mark.parametrize("raw", [b"", b"\x05\xc0", b"\x02\xc3\x01\x02\x03", b"\xc0", b"\x02\xf8\xff", b"\xf8"])
def test_malformed_is_refused(raw):
    with pytest.raises(ValueError):
        decode(raw)


def test_bad_signature_is_refused():
    raw = bytearray(Account.sign_transaction(TXS[0], KEY).raw_transaction)
    raw[-1] ^= 0xFF  # s changes (may leave the valid range or recover another key)
    try:
        tx = decode(bytes(raw))
    except ValueError:
        return
    assert tx.sender != decode(Account.sign_transaction(TXS[0], KEY).raw_transaction).sender


def test_encode_matches_pyrlp():
    import rlp
    for x in [b"", b"\x01", b"\x80", 0, 1, 127, 128, 2**70, [b"a" * 60, [1, 2, []]], [b"x" * 100] * 3, b"y" * 70000]:
        assert encode(x) == rlp.encode(x)
