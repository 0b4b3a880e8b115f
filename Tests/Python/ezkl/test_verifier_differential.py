"""Differential checks of the compiled Halo2 verifier (contracts/yul on ezkl's
Halo2Verifier.sol) against ezkl itself, on the devnet: every proof ezkl accepts is accepted
on chain; 40 random single-bit flips of the proof bytes and of the public values are rejected
by both; ezkl's own verify_evm, run against the devnet's RPC, agrees with the contract."""
from __future__ import annotations

import asyncio
import json
import random

import numpy as np
import pytest
from eth_abi import decode, encode

from chainhelpers import accounts, deploy, eth_call
from services.ezkl.agent import proof_json
from services.ezkl.iris import iris_data
from services.ezkl.service import FIELD, Circuit

PROOF_AT = 4 + 32 * 3  # selector, two heads, the proof's length


@pytest.fixture(scope="module")
def proofs(iris_artifacts, tmp_path_factory):
    """Two proofs: one of an input (the service runs the circuit's witness generation), one of a
    witness made by ezkl directly (the service's "prove a given witness" mode)."""
    import ezkl
    circuit = Circuit(iris_artifacts)
    features, _ = iris_data()
    first = circuit.prove_input(features[0].reshape(1, 4))
    work = tmp_path_factory.mktemp("witness")
    (work / "input.json").write_text(json.dumps({"input_data": [features[100].tolist()]}))
    ezkl.gen_witness(str(work / "input.json"), str(iris_artifacts / "network.ezkl"), str(work / "witness.json"))
    second = circuit.prove_witness(json.loads((work / "witness.json").read_text()))
    return circuit, [first, second]


@pytest.fixture(scope="module")
def verifier(devnet, compiled_verifier):
    return deploy(devnet, accounts(devnet)[0], compiled_verifier["initcode"])


def onchain(devnet, verifier: str, calldata: bytes) -> bool:
    try:
        result = eth_call(devnet, verifier, calldata)
    except RuntimeError:  # reverted
        return False
    return int.from_bytes(result, "big") == 1


def verify_evm(devnet, verifier: str, proof: dict, tmp_path) -> bool:
    import ezkl
    path = tmp_path / f"p{random.random()}.json"
    path.write_text(json.dumps(proof))

    async def run():  # must be awaited in a running loop; (address, rpc, proof) in this order
        return await ezkl.verify_evm(verifier, devnet.url, str(path))
    try:
        return bool(asyncio.run(run()))
    except Exception:  # noqa: BLE001 - ezkl raises when the contract reverts
        return False


def test_every_proof_ezkl_accepts_is_accepted_on_chain(devnet, verifier, proofs, compiled_verifier, tmp_path):
    circuit, proved = proofs
    assert len(compiled_verifier["runtime"]) < 24576
    for item in proved:
        assert circuit.verify(item.proof)
        assert len(item.calldata) <= 4096, "the calldata must fit the SDK's 4 KB proof cap"
        assert item.calldata[:4] == compiled_verifier["selector"]
        assert onchain(devnet, verifier, item.calldata)
        assert verify_evm(devnet, verifier, item.proof, tmp_path)
        # the JSON the agent rebuilds from calldata verifies too (the optimistic route)
        assert circuit.verify(proof_json(item.calldata))
    # proofs are bound to their public values: the two proofs' instances swapped fail
    a, b = proved
    proof_a, _ = decode(["bytes", "uint256[]"], a.calldata[4:])
    _, instances_b = decode(["bytes", "uint256[]"], b.calldata[4:])
    mixed = a.calldata[:4] + encode(["bytes", "uint256[]"], [proof_a, instances_b])
    assert not onchain(devnet, verifier, mixed)
    assert not circuit.verify(proof_json(mixed))
    # the public values are what the service reports (inputs then outputs, fixed point)
    onnx = circuit.infer(iris_data()[0][100].reshape(1, 4)).reshape(-1)
    got = np.array(b.outputs) / 2 ** circuit.output_scale
    assert np.max(np.abs(got - onnx)) < 0.05, (got, onnx)


def test_single_bit_flips_are_rejected_by_both(devnet, verifier, proofs, tmp_path):
    circuit, proved = proofs
    calldata = proved[0].calldata
    proof, instances = decode(["bytes", "uint256[]"], calldata[4:])
    rng = random.Random(12)
    flips = 0
    evm_checked = 0
    for trial in range(40):
        if trial % 4 == 3:  # a public value
            index, bit = rng.randrange(len(instances)), rng.randrange(254)
            changed = list(instances)
            changed[index] ^= 1 << bit
            bad = calldata[:4] + encode(["bytes", "uint256[]"], [proof, changed])
        else:
            position, bit = rng.randrange(len(proof)), rng.randrange(8)
            flipped = bytearray(proof)
            flipped[position] ^= 1 << bit
            bad = calldata[:4] + encode(["bytes", "uint256[]"], [bytes(flipped), instances])
        assert not onchain(devnet, verifier, bad), f"trial {trial}: the contract accepted a flipped proof"
        try:
            rebuilt = proof_json(bad)
        except ValueError:  # a public value pushed past the field: not even a proof
            rebuilt = None
        assert rebuilt is None or not circuit.verify(rebuilt), f"trial {trial}: ezkl accepted it"
        if rebuilt is not None and trial % 8 == 0:
            assert not verify_evm(devnet, verifier, rebuilt, tmp_path)
            evm_checked += 1
        flips += 1
    assert flips == 40 and evm_checked >= 4
    assert all(v < FIELD for v in instances)
