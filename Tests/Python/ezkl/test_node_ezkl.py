"""EZKL proofs through the real Swift node on the devnet: the service (services/bin/infernet-ezkl)
as `command` containers; the Halo2 verifier compiled by contracts/yul behind the EzklVerifier
adapter (atomic: verified during delivery, node paid or slashed); the example IrisProofConsumer
accepting only the output the proof proves; the optimistic route finalized by the agent."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from chainhelpers import (ZERO, rpc, accounts, approve, balance, call, create_wallet, deploy, deploy_artifact,
                          fund, logs, transact)
from nodehelpers import DEVNET_KEYS, NodeProcess, http_json
from services.common.vector import Vector, decode_vector, encode_vector
from services.ezkl.artifacts import install
from services.ezkl.iris import iris_data
from services.ezkl.service import Circuit
from svchelpers import ROOT, free_port

MODEL = "local/ritual/iris-ezkl"
NODE_KEY = 7
AMOUNT = 2_000_000
CONTAINERS = {"ezkl-iris": "", "ezkl-iris-bad-proof": "proof", "ezkl-iris-bad-output": "output"}


def container(cid: str, cache, tamper: str) -> dict:
    return {"id": cid, "command": str(ROOT / "services" / "bin" / "infernet-ezkl"), "port": free_port(),
            "external": True, "timeout": 300, "generates_proofs": True, "accepted_payments": {ZERO: 1},
            "env": {"INFERNET_EZKL_VENV": sys.prefix, "EZKL_CACHE_DIR": str(cache),
                    "EZKL_DEFAULT_MODEL_ID": MODEL, "EZKL_TEST_TAMPER": tamper, "LOG_LEVEL": "WARNING",
                    "SERVICE_THREADS": "2"}}


@pytest.fixture(scope="module")
def world(devnet, iris_artifacts, compiled_verifier, tmp_path_factory):
    base = tmp_path_factory.mktemp("ezkl-node")
    cache = base / "models"
    install(iris_artifacts, cache, "ritual", "iris-ezkl")
    deployer = accounts(devnet)[0]
    registry = devnet.addresses["registry"]
    halo2 = deploy(devnet, deployer, compiled_verifier["initcode"])
    verifier = deploy_artifact(devnet, deployer, "EzklVerifier", ["address", "address", "address"],
                               [registry, deployer, halo2])
    transact(devnet, deployer, verifier, "setToken(address,bool,uint256)", ["address", "bool", "uint256"],
             [ZERO, True, 0])
    consumers = {cid: deploy_artifact(devnet, deployer, "IrisProofConsumer", ["address", "string"],
                                      [registry, cid]) for cid in CONTAINERS}
    node_address = accounts(devnet)[NODE_KEY - 1]
    node_wallet = create_wallet(devnet, node_address)
    fund(devnet, node_wallet, AMOUNT * 4)  # collateral for the proofs
    chain = devnet.node_chain_config(NODE_KEY)
    chain["wallet"]["payment_address"] = node_wallet
    node = NodeProcess(base / "node", [container(cid, cache, t) for cid, t in CONTAINERS.items()],
                       extra={"chain": chain})
    try:
        node.wait_healthy()
        for cid in CONTAINERS:  # each service is up: a malformed input is refused by it, quickly
            deadline = time.monotonic() + 120
            while True:
                job = node.run_job([cid], {"input": [1.0]}, timeout=60)
                if job["status"] == "failed" and "expected 4 finite numbers" in str(job["result"]):
                    break
                assert time.monotonic() < deadline, f"{cid} never answered: {job}\n{node.log_text()}"
                time.sleep(0.5)
        yield {"node": node, "verifier": verifier, "halo2": halo2, "consumers": consumers,
               "node_wallet": node_wallet, "cache": cache, "artifacts": iris_artifacts}
    finally:
        node.stop()


def iris_input(row: int) -> tuple[bytes, np.ndarray]:
    features, labels = iris_data()
    x = features[row].reshape(1, 4)
    return encode(["bytes", "bytes"], [b"", encode_vector(Vector.from_numpy(x))]), x


def request(devnet, consumer: str, inputs: bytes, verifier: str) -> tuple[int, str, int]:
    owner = accounts(devnet)[2]
    wallet = create_wallet(devnet, owner)
    fund(devnet, wallet, AMOUNT)
    approve(devnet, owner, wallet, consumer, AMOUNT)
    receipt = transact(devnet, owner, consumer, "requestClassification(bytes,address,uint256,address,address)",
                       ["bytes", "address", "uint256", "address", "address"], [inputs, ZERO, AMOUNT, wallet, verifier])
    topic = "0x" + keccak(text="SubscriptionCreated(uint32)").hex()
    sid = next(int(log["topics"][1], 16) for log in receipt["logs"] if log["topics"][0] == topic)
    return sid, wallet, int(receipt["blockNumber"], 16)


def wait_delivery(devnet, node, consumer: str, sid: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        (count,) = call(devnet, consumer, "receivedCount(uint32)", ["uint32"], [sid], ["uint256"])
        if count >= 1:
            return
        time.sleep(0.5)
    raise TimeoutError(f"no delivery of {sid}:\n{node.log_text()}")


def proof_verified(devnet, sid: int, from_block: int) -> tuple[bool, int]:
    """(valid, gas of the transaction that emitted it) of the coordinator's ProofVerified."""
    for log in logs(devnet, devnet.addresses["coordinator"], "ProofVerified(uint32,uint32,address,bool,address,bool)",
                    from_block):
        if int(log["topics"][1], 16) == sid:
            _, _, valid = decode(["bool", "address", "bool"], bytes.fromhex(log["data"][2:]))
            receipt = rpc(devnet, "eth_getTransactionReceipt", [log["transactionHash"]])
            return valid, int(receipt["gasUsed"], 16)
    raise AssertionError(f"no ProofVerified for {sid}")


def consumer_status(devnet, consumer: str, sid: int) -> tuple[int, int]:
    (status,) = call(devnet, consumer, "status(uint32)", ["uint32"], [sid], ["uint8"])
    (label,) = call(devnet, consumer, "label(uint32)", ["uint32"], [sid], ["uint256"])
    return status, label


def test_valid_proof_pays_the_node_and_the_consumer_accepts_the_proved_class(devnet, world):
    consumer = world["consumers"]["ezkl-iris"]
    inputs, x = iris_input(120)
    before = balance(devnet, world["node_wallet"])
    sid, _, block = request(devnet, consumer, inputs, world["verifier"])
    wait_delivery(devnet, world["node"], consumer, sid)
    valid, gas = proof_verified(devnet, sid, block)
    assert valid
    assert balance(devnet, world["node_wallet"]) == before + AMOUNT, "the node is paid"
    status, label = consumer_status(devnet, consumer, sid)
    expected = int(np.argmax(Circuit(world["artifacts"]).infer(x)))
    assert (status, label) == (1, expected) and expected == iris_data()[1][120]
    (output,) = call(devnet, consumer, "lastOutput(uint32)", ["uint32"], [sid], ["bytes"])
    raw, processed = decode(["bytes", "bytes"], output)
    (proved,) = decode(["int256[]"], processed)
    np.testing.assert_allclose(decode_vector(raw).array.reshape(-1), np.array(proved) / 2 ** 13, rtol=1e-6)
    print(f"\natomic delivery with a valid proof: {gas} gas")


def test_tampered_proof_slashes_the_node(devnet, world):
    consumer = world["consumers"]["ezkl-iris-bad-proof"]
    inputs, _ = iris_input(10)
    before = balance(devnet, world["node_wallet"])
    sid, consumer_wallet, block = request(devnet, consumer, inputs, world["verifier"])
    wait_delivery(devnet, world["node"], consumer, sid)
    valid, _ = proof_verified(devnet, sid, block)
    assert not valid
    assert balance(devnet, world["node_wallet"]) == before - AMOUNT, "the node's collateral is slashed"
    assert balance(devnet, consumer_wallet) == AMOUNT * 2, "the consumer keeps its payment and gets the collateral"


def test_consumer_rejects_an_output_that_differs_from_the_proved_one(devnet, world):
    consumer = world["consumers"]["ezkl-iris-bad-output"]
    inputs, _ = iris_input(60)
    before = balance(devnet, world["node_wallet"])
    sid, _, block = request(devnet, consumer, inputs, world["verifier"])
    wait_delivery(devnet, world["node"], consumer, sid)
    valid, _ = proof_verified(devnet, sid, block)
    assert valid, "the proof itself is valid: only the consumer can see the output differs"
    assert balance(devnet, world["node_wallet"]) == before + AMOUNT
    assert consumer_status(devnet, consumer, sid)[0] == 2
    rejected = logs(devnet, consumer, "Rejected(uint32,string)", block)
    (reason,) = decode(["string"], bytes.fromhex(rejected[-1]["data"][2:]))
    assert reason == "output differs from the proved output"


def test_optimistic_route_is_finalized_by_the_agent(devnet, world):
    owner_index = 9
    owner = accounts(devnet)[owner_index - 1]
    registry = devnet.addresses["registry"]
    optimistic = deploy_artifact(devnet, owner, "OptimisticVerifier", ["address", "address"], [registry, owner])
    transact(devnet, owner, optimistic, "setToken(address,bool,uint256)", ["address", "bool", "uint256"],
             [ZERO, True, 0])
    consumer = world["consumers"]["ezkl-iris"]
    inputs, _ = iris_input(75)
    before = balance(devnet, world["node_wallet"])
    sid, _, block = request(devnet, consumer, inputs, optimistic)
    wait_delivery(devnet, world["node"], consumer, sid)
    assert balance(devnet, world["node_wallet"]) == before, "nothing is paid before the verdict"
    agent = subprocess.run(
        [sys.executable, "-m", "services.ezkl", "agent", "--rpc", devnet.url, "--verifier", optimistic,
         "--artifacts", str(world["artifacts"]), "--from-block", str(block), "--count", "1", "--timeout", "120"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "EZKL_AGENT_KEY": DEVNET_KEYS[owner_index]},
        capture_output=True, text=True, timeout=180)
    assert agent.returncode == 0, agent.stderr[-3000:]
    assert DEVNET_KEYS[owner_index][2:] not in agent.stdout + agent.stderr, "the key is never printed"
    import json
    verdict = json.loads(agent.stdout.strip().splitlines()[-1])
    assert verdict["subscription"] == sid and verdict["valid"] is True
    valid, finalize_gas = proof_verified(devnet, sid, block)
    assert valid
    assert balance(devnet, world["node_wallet"]) == before + AMOUNT, "paid after the agent's verdict"
    print(f"\noptimistic: verify {verdict['verify_s']} s off chain, finalize {finalize_gas} gas")


def offchain_job(node, data: dict, timeout: float = 300) -> dict:
    """Submits an off-chain job and polls it every 0.5 s (a proof takes seconds; transient
    connection errors from a saturated machine are retried)."""
    job_id = node.submit(["ezkl-iris"], data)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, body = http_json("GET", f"{node.base}/api/jobs?id={job_id}")
        except OSError:
            time.sleep(1)
            continue
        assert status == 200, (status, body)
        if body and body[0]["status"] != "running":
            return body[0]
        time.sleep(0.5)
    raise TimeoutError(f"job {job_id} still running:\n{node.log_text()}")


def test_offchain_job_returns_a_proof_that_ezkl_verifies(world):
    node = world["node"]
    features, _ = iris_data()
    job = offchain_job(node, {"input": features[5].tolist()})
    assert job["status"] == "success", job
    result = job["result"]["output"]
    circuit = Circuit(world["artifacts"])
    assert circuit.verify(result["proof"])
    np.testing.assert_allclose(result["output"], result["onnx_output"], atol=0.05)
    assert bytes.fromhex(result["calldata"])[:4] == keccak(text="verifyProof(bytes,uint256[])")[:4]
    failed = offchain_job(node, {"nothing": 1}, timeout=60)
    assert failed["status"] == "failed" and "data.input" in str(failed["result"])
