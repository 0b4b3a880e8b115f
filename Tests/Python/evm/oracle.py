"""Reference oracle for the Swift EVM library's differential tests.

Usage: python oracle.py MODE IN.json OUT.json

Reads a list of cases written by the Swift tests, checks/produces values with the reference
libraries (eth-abi, eth-account, eth-utils) and writes one result object per case. Every result
has "ok" (bool) and, when false, "error" (text); some modes add the Python-side values so the
Swift side can compare in the reverse direction.

Value encoding in JSON (ABI mode): uint/int as decimal strings, bytes/bytesN as 0x hex,
address as 0x hex, bool as true/false, string as a string, arrays and tuples as lists.
"""
import json
import sys
import traceback

import eth_abi
from eth_abi.grammar import parse as parse_type
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak, to_checksum_address


def from_json(t, v):
    """Converts a JSON value to the Python value eth-abi expects for type node t."""
    if t.is_array:
        inner = t.item_type
        return [from_json(inner, x) for x in v]
    if hasattr(t, "components"):
        return tuple(from_json(c, x) for c, x in zip(t.components, v))
    base = t.base
    if base in ("uint", "int"):
        return int(v)
    if base == "bytes":
        return bytes.fromhex(v[2:])
    if base == "address":
        return to_checksum_address(v)
    return v  # bool, string


def to_json(t, v):
    if t.is_array:
        return [to_json(t.item_type, x) for x in v]
    if hasattr(t, "components"):
        return [to_json(c, x) for c, x in zip(t.components, v)]
    base = t.base
    if base in ("uint", "int"):
        return str(v)
    if base == "bytes":
        return "0x" + v.hex()
    if base == "address":
        return v.lower()
    return v


def abi_case(case):
    types = case["types"]
    nodes = [parse_type(x) for x in types]
    values = [from_json(n, v) for n, v in zip(nodes, case["values"])]
    encoded = eth_abi.encode(types, values)
    result = {"ok": True, "python": "0x" + encoded.hex()}
    if "swift" in case:
        swift = bytes.fromhex(case["swift"][2:])
        if swift != encoded:
            result["ok"] = False
            result["error"] = "encodings differ"
        decoded = eth_abi.decode(types, swift)
        back = [to_json(n, v) for n, v in zip(nodes, decoded)]
        if back != case["values"]:
            result["ok"] = False
            result["error"] = f"python decoded swift encoding to {back!r}"
    return result


def tx_case(case):
    tx = dict(case["tx"])
    for k in ("value", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas"):
        if k in tx:
            tx[k] = int(tx[k])
    if "to" in tx and tx["to"]:
        tx["to"] = to_checksum_address(tx["to"])
    if "accessList" in tx:
        tx["accessList"] = [{"address": to_checksum_address(e["address"]), "storageKeys": e["storageKeys"]} for e in tx["accessList"]]
    signed = Account.sign_transaction(tx, case["key"])
    raw = "0x" + bytes(signed.raw_transaction).hex()
    result = {"ok": raw == case["swift"], "python": raw, "hash": "0x" + bytes(signed.hash).hex()}
    if not result["ok"]:
        result["error"] = f"raw differs: python {raw}"
    sender = Account.recover_transaction(case["swift"])
    if sender.lower() != case["sender"].lower():
        result["ok"] = False
        result["error"] = f"python recovers sender {sender}"
    return result


def typed_case(case):
    message = encode_typed_data(full_message=case["typedData"])
    signed = Account.sign_message(message, case["key"])
    digest = "0x" + bytes(signed.message_hash).hex()
    sig = "0x" + bytes(signed.signature).hex()
    ok = digest == case["hash"] and sig == case["signature"]
    result = {"ok": ok, "hash": digest, "signature": sig}
    if not ok:
        result["error"] = f"python hash {digest} signature {sig}"
    return result


def personal_case(case):
    message = encode_defunct(primitive=bytes.fromhex(case["message"][2:]))
    signed = Account.sign_message(message, case["key"])
    sig = "0x" + bytes(signed.signature).hex()
    recovered = Account.recover_message(message, signature=bytes.fromhex(case["signature"][2:]))
    ok = sig == case["signature"] and recovered.lower() == case["address"].lower()
    return {"ok": ok, "error": "" if ok else f"python signature {sig} recovered {recovered}"}


def keccak_case(case):
    data = bytes.fromhex(case["data"][2:])
    digest = "0x" + keccak(data).hex()
    ok = digest == case["hash"] and to_checksum_address(case["address"]) == case["checksummed"]
    return {"ok": ok, "error": "" if ok else f"python {digest} {to_checksum_address(case['address'])}"}


def key_case(case):
    account = Account.from_key(case["key"])
    ok = account.address == case["address"]
    return {"ok": ok, "error": "" if ok else f"python address {account.address}"}


def repr_case(case):
    value = json.loads(case["json"])
    text = str(value)
    encoded = "0x" + eth_abi.encode(["string"], [text]).hex()
    ok = text == case["repr"] and encoded == case["output"]
    return {"ok": ok, "error": "" if ok else f"python str() = {text!r}"}


MODES = {"abi": abi_case, "tx": tx_case, "typed": typed_case, "personal": personal_case,
         "keccak": keccak_case, "key": key_case, "repr": repr_case}


def main():
    mode, in_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(in_path) as f:
        cases = json.load(f)
    results = []
    for case in cases:
        try:
            results.append(MODES[mode](case))
        except Exception as e:  # reported per case so the Swift side can print the seed
            results.append({"ok": False, "error": f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"})
    with open(out_path, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
