"""`python -m services.ezkl bench [--proofs N] [--cached]`: the EZKL pipeline's costs on the
iris MLP (4 -> 8 -> 3), all measured in one run:

- setup (settings + SRS + keys; fresh unless --cached), proving, ezkl's own off-chain verify
  (the baseline), proof and calldata sizes, the compiled verifier's code size;
- on an in-process devnet chain (py-evm, the same EVM as `python -m devnet`) with the SDK
  contracts: gas of verifyProof, of an atomic delivery through the Coordinator with the
  EzklVerifier adapter and the IrisProofConsumer, of an optimistic delivery and its finalize;
  the wall time of the on-chain verification (an eth_call) next to ezkl's verify time.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from eth_abi import encode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m services.ezkl bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proofs", type=int, default=3, help="proofs to make and time (default 3)")
    ap.add_argument("--cached", action="store_true", help="reuse the cached artifacts (no setup timing)")
    a = ap.parse_args(argv)

    from contracts.yul import compile_solidity_verifier
    from services.common.vector import Vector, encode_vector
    from .artifacts import cached_artifacts, prepare
    from .iris import iris_data, iris_mlp_onnx
    from .service import Circuit

    onnx_bytes = iris_mlp_onnx()
    work = tempfile.TemporaryDirectory(prefix="ezkl-bench-")
    if a.cached:
        directory, setup_s = cached_artifacts(onnx_bytes), None
    else:
        source = Path(work.name) / "iris.onnx"
        source.write_bytes(onnx_bytes)
        started = time.monotonic()
        prepare(source, Path(work.name) / "artifacts")
        setup_s = time.monotonic() - started
        directory = Path(work.name) / "artifacts"
    circuit = Circuit(directory)
    started = time.monotonic()
    compiled = compile_solidity_verifier((directory / "Halo2Verifier.sol").read_text())
    compile_s = time.monotonic() - started
    features, _ = iris_data()
    rows = [0, 60, 120, 30, 90, 140][:max(1, a.proofs)]
    prove_times, verify_times, proofs = [], [], []
    for row in rows:
        x = features[row].reshape(1, 4)
        started = time.monotonic()
        proved = circuit.prove_input(x)
        prove_times.append(time.monotonic() - started)
        for _ in range(3):
            started = time.monotonic()
            assert circuit.verify(proved.proof)
            verify_times.append(time.monotonic() - started)
        proofs.append((x, proved))
    chain = onchain_costs(compiled, proofs, encode_vector, Vector)
    proof_bytes = len(proofs[0][1].proof["proof"])
    offchain = statistics.median(verify_times)
    lines = [
        "EZKL on the iris MLP (4 -> 8 ReLU -> 3), logrows %d, scale 2^%d, SRS %s" % (
            circuit.meta["logrows"], circuit.input_scale, circuit.meta["srs_origin"]),
        f"  setup (settings, SRS, pk/vk)   {setup_s:8.2f} s" if setup_s is not None else
        "  setup                         (cached artifacts, not timed)",
        f"  proving key / verifying key   {(directory / 'pk.key').stat().st_size / 1e6:8.1f} MB / "
        f"{(directory / 'vk.key').stat().st_size / 1e3:.1f} KB",
        f"  prove (median of {len(prove_times)})           {statistics.median(prove_times):8.2f} s",
        f"  ezkl verify, off chain         {offchain * 1000:8.1f} ms   (baseline)",
        f"  on-chain verify (eth_call)     {chain['verify_wall_s'] * 1000:8.1f} ms   "
        f"({chain['verify_wall_s'] / offchain:.2f}x the off-chain verify)",
        f"  proof / calldata               {proof_bytes:8d} B / {len(proofs[0][1].calldata)} B (SDK cap 4096)",
        f"  verifier runtime (yul -> evm)  {len(compiled['runtime']):8d} B (limit 24576), compiled in "
        f"{compile_s:.2f} s",
        f"  gas: verifyProof transaction   {chain['verify_gas']:8d}",
        f"  gas: atomic delivery           {chain['atomic_delivery_gas']:8d}   "
        f"({chain['atomic_delivery_gas'] / chain['plain_delivery_gas']:.1f}x a delivery without proof: "
        f"{chain['plain_delivery_gas']})",
        f"  gas: optimistic delivery       {chain['optimistic_delivery_gas']:8d}",
        f"  gas: optimistic finalize       {chain['finalize_gas']:8d}",
        f"  consumer check of the output   {'accepted' if chain['accepted'] else 'REJECTED'}",
    ]
    print("\n".join(lines))
    work.cleanup()
    return 0


def onchain_costs(compiled: dict, proofs: list, encode_vector, Vector) -> dict:
    from eth_account import Account
    from web3 import Web3
    from web3.logs import DISCARD

    from contracts import artifact
    from contracts.deploy import deploy_all
    from devnet.chain import DEFAULT_KEYS, DevChain
    from devnet.provider import InProcessProvider

    deployer_key, node_key, alice_key = DEFAULT_KEYS[0], DEFAULT_KEYS[1], DEFAULT_KEYS[3]
    chain = DevChain(chain_id=1337)
    w3 = Web3(InProcessProvider(chain))
    addresses = deploy_all(w3, deployer_key, log=None)
    zero = "0x" + "00" * 20

    def send(key: str, to: str | None, data: bytes, value: int = 0) -> dict:
        account = Account.from_key(key)
        tx = {"chainId": 1337, "nonce": w3.eth.get_transaction_count(account.address), "gas": 12_000_000,
              "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "type": 2, "data": "0x" + data.hex(),
              "value": value}
        if to:
            tx["to"] = to
        receipt = w3.eth.get_transaction_receipt(w3.eth.send_raw_transaction(
            account.sign_transaction(tx).raw_transaction))
        assert receipt["status"] == 1, receipt
        return receipt

    def contract(name: str, address: str):
        return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact(name)["abi"])

    def deploy(name: str, *args) -> str:
        c = w3.eth.contract(abi=artifact(name)["abi"], bytecode=artifact(name)["bytecode"])
        return send(deployer_key, None, bytes.fromhex(c.constructor(*args).data_in_transaction[2:]))["contractAddress"]

    def call(key: str, fn) -> dict:
        return send(key, fn.address, bytes.fromhex(fn._encode_transaction_data()[2:]))

    def address(key: str) -> str:
        return Account.from_key(key).address

    registry = addresses["registry"]
    halo2 = send(deployer_key, None, compiled["initcode"])["contractAddress"]
    verifier = deploy("EzklVerifier", registry, address(deployer_key), halo2)
    call(deployer_key, contract("EzklVerifier", verifier).functions.setToken(zero, True, 0))
    consumer = contract("IrisProofConsumer", deploy("IrisProofConsumer", registry, "ezkl-iris"))
    coordinator = contract("EIP712Coordinator", addresses["coordinator"])
    factory = contract("WalletFactory", addresses["walletFactory"])
    amount = 10**15

    def wallet(owner_key: str, spender: str) -> str:
        receipt = call(owner_key, factory.functions.createWallet(address(owner_key)))
        created = factory.events.WalletCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["wallet"]
        send(owner_key, created, b"", value=amount * 4)
        call(owner_key, contract("Wallet", created).functions.approve(spender, zero, amount * 4))
        return created

    node_wallet = wallet(node_key, address(node_key))
    x, proved = proofs[0]
    inputs = encode(["bytes", "bytes"], [b"", encode_vector(Vector.from_numpy(x))])
    floats = np.asarray([v / 2 ** 13 for v in proved.outputs], dtype=np.float32)
    delivered_input = encode(["bytes", "bytes"], [inputs, encode(["int256[]"], [proved.inputs])])
    delivered_output = encode(["bytes", "bytes"], [encode_vector(Vector.from_numpy(floats)),
                                                   encode(["int256[]"], [proved.outputs])])
    results = {}
    started = time.monotonic()
    assert int.from_bytes(w3.eth.call({"to": halo2, "data": "0x" + proved.calldata.hex()}), "big") == 1
    results["verify_wall_s"] = time.monotonic() - started
    results["verify_gas"] = send(deployer_key, halo2, proved.calldata)["gasUsed"]

    def delivery(verifier_address: str, proof: bytes) -> tuple[int, int]:
        consumer_wallet = wallet(alice_key, consumer.address)
        receipt = call(alice_key, consumer.functions.requestClassification(inputs, zero, amount, consumer_wallet,
                                                                           verifier_address))
        sid = coordinator.events.SubscriptionCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["id"]
        done = call(node_key, coordinator.functions.deliverCompute(sid, 1, delivered_input, delivered_output,
                                                                   proof, node_wallet))
        return sid, done["gasUsed"]

    _, results["plain_delivery_gas"] = delivery(zero, b"")
    sid, results["atomic_delivery_gas"] = delivery(verifier, proved.calldata)
    results["accepted"] = consumer.functions.status(sid).call() == 1
    optimistic = contract("OptimisticVerifier", addresses["optimisticVerifier"])
    sid, results["optimistic_delivery_gas"] = delivery(optimistic.address, proved.calldata)
    results["finalize_gas"] = call(deployer_key, optimistic.functions.finalize(sid, 1, address(node_key), True))["gasUsed"]
    return results
