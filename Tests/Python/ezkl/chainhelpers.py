"""ABI-level helpers on top of nodehelpers.Devnet's JSON-RPC client (devnet.client.RPC; unlocked
devnet accounts).

conftest gives the devnet's calls 300 s: the devnet executes one call at a time in py-evm, and a
delivery that verifies a Halo2 proof (pairings in pure Python) keeps it busy for tens of seconds
while the node estimates and sends it."""
from __future__ import annotations

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

ZERO = "0x" + "00" * 20


def rpc(devnet, method: str, params: list):
    return devnet.rpc(method, *params)


def eth_call(devnet, to: str, data: bytes) -> bytes:
    return devnet.rpc.eth_call(to, data)


def sel(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def accounts(devnet) -> list[str]:
    return devnet.rpc.accounts()


def send(devnet, sender: str, to: str | None, data: bytes, value: int = 0, gas: int = 8_000_000,
         expect_ok: bool = True) -> dict:
    return devnet.rpc.transact(sender, to, data, value=value, gas=gas, expect_ok=expect_ok)


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
    return devnet.rpc.balance(holder)


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
    return devnet.rpc.get_logs(address, ["0x" + keccak(text=signature).hex()], from_block)
