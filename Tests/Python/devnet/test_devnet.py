"""The devnet as a process: CLI, conformance probe, faults, bad input, reorgs, block time, shutdown."""
import json
import os
import subprocess
import sys
import time

import pytest
from eth_account import Account

from devnet.client import RPC, Devnet, RPCConnectionError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PROBE = os.path.abspath(os.path.join(ROOT, "..", "shared", "tools", "rpc-probe.py"))
KEY1 = "0x" + "00" * 31 + "01"


def start(*args):
    """`python -m devnet --port 0 ARGS` (devnet.client.Devnet); (the devnet, its ready-line JSON)."""
    d = Devnet(deploy=False, args=list(args), timeout=60).start()
    return d, d.info


def stop(d):
    """SIGTERM; (exit status, the rest of its stdout)."""
    return d.stop()


@pytest.fixture(scope="module")
def devnet():
    p, info = start("--deploy", "--chain-id", "31337")
    yield info
    rc, _ = stop(p)
    assert rc == 0


@pytest.fixture
def rpc(devnet):
    return RPC(devnet["port"])


def send_tx(rpc, to, data="0x", value=0, key=KEY1, chain_id=31337):
    a = Account.from_key(key)
    n = int(rpc("eth_getTransactionCount", a.address, "pending"), 16)
    base = int(rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    tx = {"type": 2, "chainId": chain_id, "nonce": n, "to": to, "value": value, "data": data, "gas": 1_000_000,
          "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
    return rpc("eth_sendRawTransaction", "0x" + a.sign_transaction(tx).raw_transaction.hex())


def test_deploy_keeps_block_timestamps_at_the_wall_clock(devnet, rpc):
    """--deploy mines ~20 blocks at once; they lie in the past, and the head is at the wall clock (was ~+17 s)"""
    head = rpc("eth_getBlockByNumber", "latest", False)
    assert abs(int(head["timestamp"], 16) - time.time()) <= 3, head["timestamp"]
    stamps = [int(rpc("eth_getBlockByNumber", hex(n), False)["timestamp"], 16) for n in range(int(head["number"], 16) + 1)]
    assert all(b > a for a, b in zip(stamps, stamps[1:])), stamps  # still strictly increasing
    assert stamps[-2] < time.time() - 10  # the deploy blocks are in the past


def test_increase_time_moves_past_a_burst(rpc):
    """blocks mined faster than 1/s run ahead of the clock; evm_increaseTime(n) still moves the next block n past the head"""
    to = Account.from_key("0x" + "00" * 31 + "04").address
    for _ in range(6):
        send_tx(rpc, to, value=1)
    head = int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    rpc("evm_increaseTime", 100)
    rpc("evm_mine")
    assert int(rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16) >= head + 100


def test_backend_is_reported_and_chosen_by_flag_or_env(devnet, rpc):
    from devnet import default_backend
    assert devnet["backend"] == default_backend()
    assert rpc("web3_clientVersion").endswith("/" + devnet["backend"])
    assert rpc("devnet_info")["backend"] == devnet["backend"]
    for b in ("pyevm", "pyrevm"):
        p, info = start("--backend", b)
        try:
            assert info["backend"] == b and RPC(info["port"])("web3_clientVersion").endswith("/" + b)
        finally:
            assert stop(p)[0] == 0
    env = dict(os.environ, DEVNET_BACKEND="bogus")
    r = subprocess.run([sys.executable, "-m", "devnet", "--port", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "DEVNET_BACKEND='bogus'" in r.stderr, r.stderr


def test_ready_line_and_addresses(devnet, rpc, tmp_path):
    a = devnet["addresses"]
    assert list(a)[:6] == ["registry", "coordinator", "inbox", "reader", "fee", "walletFactory"]
    assert rpc("eth_chainId") == hex(31337)
    assert len(rpc("eth_getCode", a["coordinator"], "latest")) > 100
    # registry getter COORDINATOR() through eth_call
    out = rpc("eth_call", {"to": a["registry"], "data": "0x3b2bcbf1"}, "latest")
    assert out[-40:].lower() == a["coordinator"][2:].lower()


def test_rpc_probe_51_of_51():
    """the probe counts every log from block 0, so it gets a fresh devnet without contracts"""
    p, info = start()
    try:
        _probe(info)
    finally:
        assert stop(p)[0] == 0


def _probe(devnet):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    out = subprocess.run([sys.executable, PROBE, str(devnet["port"])], capture_output=True, text=True, env=env, timeout=300)
    assert "51/51 passed" in out.stdout, out.stdout + out.stderr


def test_bad_input_never_crashes(rpc):
    st, body = rpc.post(b"{not json")
    assert json.loads(body)["error"]["code"] == -32700
    st, body = rpc.post(b"[]")
    assert json.loads(body)["error"]["code"] == -32600
    st, body = rpc.post(b'[1, "x", {"jsonrpc":"2.0","id":5,"method":"eth_chainId"}]')
    out = json.loads(body)
    assert out[0]["error"]["code"] == -32600 and out[2]["result"] == hex(31337)
    for method, params in [("eth_getBalance", ["0xzz", "latest"]), ("eth_getBalance", ["0x1234", "latest"]),
                           ("eth_getBlockByNumber", ["banana", False]), ("eth_call", ["x"]),
                           ("eth_sendRawTransaction", ["0xdeadbeef"]), ("eth_getLogs", [{"topics": ["0x12"]}]),
                           ("eth_getBlockByNumber", []), ("evm_revert", ["0xffff"]), ("eth_feeHistory", ["0x0", "latest", []]),
                           ("devnet_setFaults", [{"bogus": 1}]), ("eth_getTransactionReceipt", [12])]:
        r = rpc.request(method, *params)
        assert ("error" in r) or r.get("result") is False, (method, r)
    assert rpc("eth_blockNumber")  # still alive


def test_unknown_method_code(rpc):
    assert rpc.request("nope_nope")["error"]["code"] == -32601


def test_fault_delay_error_drop(devnet, rpc):
    try:
        rpc("devnet_setFaults", {"delayMs": 300})
        t = time.monotonic()
        rpc("eth_blockNumber")
        assert time.monotonic() - t >= 0.29
        rpc("devnet_setFaults", {"delayMs": 0, "errorRate": 1.0, "errorCode": -32005})
        r = rpc.request("eth_blockNumber")
        assert r["error"]["code"] == -32005
        # devnet_* always answers, so faults can be turned off
        assert rpc("devnet_getFaults")["errorRate"] == 1.0
        rpc("devnet_setFaults", {"errorRate": 1.0, "httpStatus": 503})
        st, _ = rpc.post(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode())
        assert st == 503
        rpc("devnet_setFaults", {"errorRate": 0, "httpStatus": None, "dropConnections": True})
        with pytest.raises(RPCConnectionError):
            rpc.request("eth_blockNumber")
        rpc2 = RPC(devnet["port"])
        rpc2("devnet_clearFaults")
        assert rpc2("eth_blockNumber")
        # only some methods, only N times
        rpc2("devnet_setFaults", {"errorRate": 1.0, "methods": ["eth_call"], "count": 2})
        assert "error" not in rpc2.request("eth_blockNumber")
        assert "error" in rpc2.request("eth_call", {"to": devnet["addresses"]["registry"], "data": "0x3b2bcbf1"}, "latest")
        assert "error" in rpc2.request("eth_call", {"to": devnet["addresses"]["registry"], "data": "0x3b2bcbf1"}, "latest")
        assert "error" not in rpc2.request("eth_call", {"to": devnet["addresses"]["registry"], "data": "0x3b2bcbf1"}, "latest")
        # partial error rate with a seed
        rpc2("devnet_setFaults", {"errorRate": 0.5, "seed": 42, "methods": None})
        errs = sum("error" in rpc2.request("eth_chainId") for _ in range(100))
        assert 25 < errs < 75
    finally:
        RPC(devnet["port"])("devnet_clearFaults")


def test_reorg_consistent_logs_and_receipts(devnet, rpc):
    """snapshot, mine a history with logs, revert, mine a different history at the same heights."""
    a = devnet["addresses"]
    # Inbox.write(bytes32,bytes,bytes,bytes) emits NewInboxItem
    from eth_abi import encode
    from eth_utils import keccak
    def write_data(tag):
        return "0x" + (keccak(text="write(bytes32,bytes,bytes,bytes)")[:4] + encode(["bytes32", "bytes", "bytes", "bytes"], [tag * 32, b"i", b"o", b"p"])).hex()
    snap = rpc("evm_snapshot")
    h0 = int(rpc("eth_blockNumber"), 16)
    old = [send_tx(rpc, a["inbox"], write_data(b"\x01")) for _ in range(3)]
    assert all(rpc("eth_getTransactionReceipt", h)["status"] == "0x1" for h in old)
    old_blocks = [rpc("eth_getTransactionReceipt", h)["blockHash"] for h in old]
    assert len(rpc("eth_getLogs", {"fromBlock": hex(h0 + 1), "address": a["inbox"]})) == 3
    assert rpc("evm_revert", snap) is True
    assert int(rpc("eth_blockNumber"), 16) == h0
    assert all(rpc("eth_getTransactionReceipt", h) is None for h in old)
    assert all(rpc("eth_getTransactionByHash", h) is None for h in old)
    assert all(rpc("eth_getBlockByHash", b, False) is None for b in old_blocks)
    rpc("evm_increaseTime", 5)  # a different timestamp too
    new = [send_tx(rpc, a["inbox"], write_data(b"\x02"), key="0x" + "00" * 31 + "02") for _ in range(2)]
    logs = rpc("eth_getLogs", {"fromBlock": hex(h0 + 1), "toBlock": "latest", "address": a["inbox"]})
    assert [l["transactionHash"] for l in logs] == new
    assert all(l["topics"][1] == "0x" + "02" * 32 for l in logs)
    for h, l in zip(new, logs):
        r = rpc("eth_getTransactionReceipt", h)
        assert r["blockHash"] == l["blockHash"] and r["logs"][0] == l
        assert rpc("eth_getBlockByNumber", r["blockNumber"], False)["hash"] == r["blockHash"]
    assert rpc("eth_getBlockByNumber", hex(h0 + 1), False)["hash"] not in old_blocks
    assert "error" in rpc.request("eth_getLogs", {"blockHash": old_blocks[0]})  # like geth: unknown block


def test_block_time_mode_and_clean_shutdown(tmp_path):
    addr_file = tmp_path / "a.json"
    p, info = start("--block-time", "0.5", "--chain-id", "4242", "--addresses-out", str(addr_file))
    try:
        rpc = RPC(info["port"])
        assert json.loads(addr_file.read_text()) == {}
        h = send_tx(rpc, Account.from_key("0x" + "00" * 31 + "03").address, value=1, chain_id=4242)
        assert rpc("eth_getTransactionReceipt", h) is None  # waits for the next block
        assert rpc("eth_getTransactionByHash", h)["blockHash"] is None
        deadline = time.time() + 5
        while rpc("eth_getTransactionReceipt", h) is None:
            assert time.time() < deadline
            time.sleep(0.1)
        b1 = int(rpc("eth_blockNumber"), 16)
        time.sleep(1.2)
        assert int(rpc("eth_blockNumber"), 16) >= b1 + 1
    finally:
        rc, out = stop(p)
    assert rc == 0 and "DEVNET STOPPED" in out


def test_eth_send_transaction_and_accounts(rpc):
    accts = rpc("eth_accounts")
    assert accts[0] == Account.from_key(KEY1).address and len(accts) == 10
    h = rpc("eth_sendTransaction", {"from": accts[1], "to": accts[2], "value": "0x1"})
    assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
