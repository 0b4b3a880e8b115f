"""Small JSON-RPC helpers on top of nodehelpers.Devnet (unlocked devnet accounts).

Calls wait up to 300 s: the devnet executes one call at a time in py-evm, and a delivery that
verifies a Halo2 proof (pairings in pure Python) keeps it busy for tens of seconds while the node
estimates and sends it."""
from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

ZERO = "0x" + "00" * 20


_ids = itertools.count(1)


def rpc(devnet, method: str, params: list, timeout: float = 300):
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}).encode()
    request = urllib.request.Request(devnet.rpc, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:  # an error status still carries the JSON-RPC error
        answer = json.loads(error.read() or b"{}") or {"error": str(error)}
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def eth_call(devnet, to: str, data: bytes) -> bytes:
    return bytes.fromhex(rpc(devnet, "eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])[2:])


def sel(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def accounts(devnet) -> list[str]:
    return rpc(devnet, "eth_accounts", [])


def send(devnet, sender: str, to: str | None, data: bytes, value: int = 0, gas: int = 8_000_000,
         expect_ok: bool = True) -> dict:
    tx = {"from": sender, "data": "0x" + data.hex(), "gas": hex(gas), "value": hex(value)}
    if to:
        tx["to"] = to
    tx_hash = rpc(devnet, "eth_sendTransaction", [tx])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        receipt = rpc(devnet, "eth_getTransactionReceipt", [tx_hash])
        if receipt:
            if expect_ok:
                assert int(receipt["status"], 16) == 1, receipt
            return receipt
        time.sleep(0.05)
    raise TimeoutError(f"no receipt for {tx_hash}")


def deploy(devnet, sender: str, initcode: bytes, ctor_types: list[str] | None = None,
           args: list | None = None) -> str:
    data = initcode + (encode(ctor_types, args) if ctor_types else b"")
    return to_checksum_address(send(devnet, sender, None, data)["contractAddress"])


def deploy_artifact(devnet, sender: str, name: str, ctor_types: list[str], args: list) -> str:
    from contracts import artifact
    return deploy(devnet, sender, bytes.fromhex(artifact(name)["bytecode"][2:]), ctor_types, args)


def call(devnet, to: str, signature: str, types: list[str], args: list, returns: list[str]):
    data = sel(signature) + encode(types, args)
    return decode(returns, eth_call(devnet, to, data))


def transact(devnet, sender: str, to: str, signature: str, types: list[str], args: list, **kw) -> dict:
    return send(devnet, sender, to, sel(signature) + encode(types, args), **kw)


def balance(devnet, holder: str) -> int:
    return int(rpc(devnet, "eth_getBalance", [holder, "latest"]), 16)


def create_wallet(devnet, owner: str) -> str:
    accts = accounts(devnet)
    receipt = transact(devnet, accts[1], devnet.addresses["walletFactory"], "createWallet(address)",
                       ["address"], [owner])
    topic = "0x" + keccak(text="WalletCreated(address,address,address)").hex()
    for log in receipt["logs"]:
        if log["topics"][0] == topic:
            return to_checksum_address("0x" + log["data"][-40:])
    raise AssertionError(f"no WalletCreated: {receipt}")


def fund(devnet, wallet: str, amount: int) -> None:
    send(devnet, accounts(devnet)[1], wallet, b"", value=amount)


def approve(devnet, owner: str, wallet: str, spender: str, amount: int) -> None:
    transact(devnet, owner, wallet, "approve(address,address,uint256)", ["address", "address", "uint256"],
             [spender, ZERO, amount])


def logs(devnet, address: str, signature: str, from_block: int = 0) -> list[dict]:
    topic = "0x" + keccak(text=signature).hex()
    return rpc(devnet, "eth_getLogs", [{"address": address, "topics": [topic],
                                            "fromBlock": hex(from_block), "toBlock": "latest"}])
