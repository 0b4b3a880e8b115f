"""devnet.client: the one devnet launcher and JSON-RPC client of the benchmarks, examples and tests."""
import threading

import pytest
from eth_utils import keccak

from devnet.client import (DEVNET_KEYS, RPC, Devnet, DevnetError, RPCConnectionError, RPCError, RPCTimeout, Signer,
                           TransactionFailed, free_port)


@pytest.fixture(scope="module")
def devnet(tmp_path_factory):
    with Devnet(log_path=tmp_path_factory.mktemp("client") / "devnet.log", rpc_timeout=10) as d:
        yield d
    assert d.proc.returncode == 0  # SIGTERM: a clean stop


def test_ready_line_fields(devnet):
    assert devnet.url == f"http://127.0.0.1:{devnet.port}" and devnet.alive()
    assert devnet.chain_id == devnet.rpc.chain_id() == 1337
    assert devnet.rpc("devnet_info")["backend"] == devnet.backend
    assert len(devnet.rpc("eth_getCode", devnet.addresses["coordinator"], "latest")) > 100


def test_error_names_method_and_code(devnet):
    with pytest.raises(RPCError) as e:
        devnet.rpc("nope_nope")
    assert e.value.method == "nope_nope" and e.value.code == -32601 and "nope_nope" in str(e.value)
    # the whole answer, without raising
    assert devnet.rpc.request("nope_nope")["error"]["code"] == -32601


def test_transact_receipt_and_revert(devnet):
    rpc = devnet.rpc
    a = rpc.accounts()
    before = rpc.balance(a[3])
    receipt = rpc.transact(a[1], a[3], value=5)
    assert receipt["status"] == "0x1" and rpc.balance(a[3]) == before + 5
    with pytest.raises(TransactionFailed) as e:  # RevertingConsumer reverts on every delivery
        rpc.transact(a[1], devnet.addresses["revertingConsumer"], keccak(text="nope()")[:4], gas=200_000)
    assert e.value.data["status"] == "0x0"
    assert rpc.transact(a[1], devnet.addresses["revertingConsumer"], keccak(text="nope()")[:4], gas=200_000,
                        expect_ok=False)["status"] == "0x0"


def test_signer_tracks_nonces_and_batches(devnet):
    rpc = devnet.rpc
    signer = Signer(rpc, DEVNET_KEYS[8])
    n0 = signer.nonce
    raws = [signer.sign(signer.address, b"", 21_000) for _ in range(3)]
    answers = rpc.batch([("eth_sendRawTransaction", [r]) for r in raws])
    assert [("result" in a) for a in answers] == [True] * 3
    assert rpc.wait_receipt(answers[-1]["result"])["status"] == "0x1"
    assert rpc.nonce(signer.address) == n0 + 3 == signer.nonce


def test_snapshot_revert_mine(devnet):
    rpc = devnet.rpc
    head = rpc.block_number()
    snap = rpc.snapshot()
    rpc.mine(3)
    assert rpc.block_number() == head + 3
    assert rpc.revert(snap) is True
    assert rpc.block_number() == head


def test_receipt_timeout_and_call_timeout(devnet):
    with pytest.raises(RPCTimeout, match="not mined within 0.2 s"):
        devnet.rpc.wait_receipt("0x" + "ab" * 32, timeout=0.2)
    slow = RPC(devnet.url, timeout=0.3)
    devnet.rpc("devnet_setFaults", {"delayMs": 1500, "methods": ["eth_chainId"], "count": 1})
    try:
        with pytest.raises(RPCTimeout, match="within 0.3 s"):
            slow.chain_id()
    finally:
        devnet.rpc("devnet_clearFaults")
    assert slow.chain_id() == 1337  # a new connection after the timeout


def test_one_connection_per_thread(devnet):
    rpc, out, errors = devnet.rpc, [], []

    def work():
        try:
            out.extend(rpc.block_number() for _ in range(20))
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(out) == 80


def test_clear_errors_for_a_dead_endpoint_and_a_bad_url():
    with pytest.raises(RPCConnectionError, match="127.0.0.1"):
        RPC(free_port(), timeout=2).block_number()
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        RPC("127.0.0.1:8545")


def test_a_devnet_that_cannot_start_is_an_error_with_its_log(tmp_path):
    d = Devnet(deploy=False, args=["--min-tip", "-1"], log_path=tmp_path / "bad.log", timeout=60)
    with pytest.raises(DevnetError, match="--min-tip must be >= 0"):
        d.start()
    assert not d.alive()
