"""The devnet's transaction pool (devnet_setMinTip / --min-tip): underpriced transactions wait,
fee-bumped replacements, inclusion when they qualify, and the pool being off by default."""
import time

import pytest
from eth_account import Account

from devnet.client import RPC
from test_devnet import start, stop

GWEI = 10**9
CHAIN_ID = 1337
MIN_TIP = 3 * GWEI


@pytest.fixture(scope="module")
def devnet():
    p, info = start("--min-tip", str(MIN_TIP))
    yield info
    rc, _ = stop(p)
    assert rc == 0


@pytest.fixture
def rpc(devnet):
    c = RPC(devnet["port"])
    c("devnet_setMinTip", hex(MIN_TIP))  # each test starts from the CLI's setting
    yield c
    assert c("devnet_setMinTip", "0x0") is True


def key(i):
    return "0x" + f"{i:064x}"


def pending_base_fee(rpc):
    """the base fee of the block that would take a transaction now"""
    return int(rpc("eth_getBlockByNumber", "pending", False)["baseFeePerGas"], 16)


def nonce(rpc, k, tag="pending"):
    return int(rpc("eth_getTransactionCount", Account.from_key(k).address, tag), 16)


def raw_tx(k, n, max_fee, tip, to="0x" + "11" * 20):
    tx = {"type": 2, "chainId": CHAIN_ID, "nonce": n, "to": to, "value": 1, "data": "0x", "gas": 21_000,
          "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip}
    return "0x" + Account.from_key(k).sign_transaction(tx).raw_transaction.hex()


def send(rpc, raw):
    return rpc.request("eth_sendRawTransaction", raw)


def pool_size(rpc):
    info = rpc("devnet_info")
    assert info["txpoolSize"] == rpc("devnet_txpool")["size"]
    return info["txpoolSize"]


def test_cli_flag_sets_min_tip(devnet):
    assert RPC(devnet["port"])("devnet_info")["minTip"] == hex(MIN_TIP)


def test_underpriced_waits_until_min_tip_lowered(rpc):
    k = key(2)
    n = nonce(rpc, k)
    h = rpc("eth_sendRawTransaction", raw_tx(k, n, 100 * GWEI, 1 * GWEI))  # accepted: the hash comes back
    assert pool_size(rpc) == 1
    assert rpc("devnet_txpool")["transactions"][0]["hash"] == h
    tx = rpc("eth_getTransactionByHash", h)
    assert tx["hash"] == h and tx["blockHash"] is None and tx["blockNumber"] is None
    head = int(rpc("eth_blockNumber"), 16)
    for _ in range(3):
        rpc("evm_mine")
    assert int(rpc("eth_blockNumber"), 16) == head + 3
    assert rpc("eth_getTransactionReceipt", h) is None
    assert nonce(rpc, k) == n  # pooled transactions do not count
    assert "nonce too high" in send(rpc, raw_tx(k, n + 1, 100 * GWEI, 5 * GWEI))["error"]["message"]
    # lowering the min tip includes it (automine: mined at once)
    rpc("devnet_setMinTip", hex(GWEI))
    r = rpc("eth_getTransactionReceipt", h)
    assert r is not None and r["status"] == "0x1"
    assert pool_size(rpc) == 0 and nonce(rpc, k) == n + 1


def test_replacement_needs_a_10_percent_bump(rpc):
    k = key(3)
    n = nonce(rpc, k)
    fee, tip = 100 * GWEI, 2 * GWEI
    orig = raw_tx(k, n, fee, tip)
    h0 = rpc("eth_sendRawTransaction", orig)
    assert send(rpc, orig)["error"]["message"] == "already known"
    # below +10 % on both, or +12.5 % on only one of them: refused, the original stays
    for f, t in [(fee * 110 // 100 - 1, tip * 110 // 100 - 1), (fee * 1125 // 1000, tip * 105 // 100),
                 (fee * 105 // 100, tip * 1125 // 1000), (fee, tip * 2)]:
        r = send(rpc, raw_tx(k, n, f, t))
        assert r["error"]["message"] == "replacement transaction underpriced", (f, t, r)
    assert rpc("eth_getTransactionByHash", h0)["hash"] == h0
    # +12.5 % on both: replaces it, still below the min tip so it waits too
    h1 = rpc("eth_sendRawTransaction", raw_tx(k, n, fee * 1125 // 1000, tip * 1125 // 1000))
    assert rpc("eth_getTransactionByHash", h0) is None
    assert rpc("eth_getTransactionByHash", h1)["blockHash"] is None
    assert pool_size(rpc) == 1
    # a bump above the min tip is mined at once (automine), the replaced ones are forgotten
    h2 = rpc("eth_sendRawTransaction", raw_tx(k, n, fee * 2, MIN_TIP))
    r = rpc("eth_getTransactionReceipt", h2)
    assert r is not None and r["status"] == "0x1"
    assert rpc("eth_getTransactionByHash", h2)["blockHash"] == r["blockHash"]
    for h in (h0, h1):
        assert rpc("eth_getTransactionReceipt", h) is None
        assert rpc("eth_getTransactionByHash", h) is None
    assert pool_size(rpc) == 0 and nonce(rpc, k) == n + 1


def test_fee_cap_below_base_fee_waits_for_a_lower_base_fee(rpc):
    k = key(4)
    n = nonce(rpc, k)
    rpc("devnet_setMinTip", "0x1")
    base = pending_base_fee(rpc)
    h = rpc("eth_sendRawTransaction", raw_tx(k, n, base * 95 // 100, GWEI))  # pooled, not refused
    assert rpc("eth_getTransactionReceipt", h) is None
    # empty blocks lower the base fee by 12.5 % each; the first block below 95 % takes it
    for _ in range(3):
        rpc("evm_mine")
        if rpc("eth_getTransactionReceipt", h) is not None:
            break
    r = rpc("eth_getTransactionReceipt", h)
    assert r is not None and r["status"] == "0x1"
    assert int(r["effectiveGasPrice"], 16) == base * 95 // 100


def test_automine_off_included_into_pending_block(rpc):
    k = key(5)
    n = nonce(rpc, k)
    h = rpc("eth_sendRawTransaction", raw_tx(k, n, 100 * GWEI, GWEI))
    rpc("evm_setAutomine", False)
    try:
        rpc("devnet_setMinTip", "0x0")
        assert pool_size(rpc) == 0
        assert nonce(rpc, k) == n + 1  # now applied to the pending block: it counts
        assert rpc("eth_getTransactionReceipt", h) is None
        rpc("evm_mine")
        assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
    finally:
        rpc("evm_setAutomine", True)


def test_pool_off_by_default():
    p, info = start()
    try:
        rpc = RPC(info["port"])
        assert rpc("devnet_info")["minTip"] == "0x0" and pool_size(rpc) == 0
        k = key(2)
        base = pending_base_fee(rpc)
        r = send(rpc, raw_tx(k, 0, base - 1, 0))
        assert r["error"]["message"].startswith("max fee per gas less than block base fee"), r
        h = rpc("eth_sendRawTransaction", raw_tx(k, 0, base, 0))  # no tip at all: mined at once
        assert rpc("eth_getTransactionReceipt", h)["status"] == "0x1"
        assert pool_size(rpc) == 0
    finally:
        assert stop(p)[0] == 0


def test_block_time_mode_replacement():
    p, info = start("--block-time", "0.3", "--min-tip", str(5 * GWEI))
    try:
        rpc = RPC(info["port"])
        k = key(6)
        h = rpc("eth_sendRawTransaction", raw_tx(k, 0, 100 * GWEI, GWEI))
        time.sleep(0.8)  # a couple of blocks pass it by
        assert rpc("eth_getTransactionReceipt", h) is None and pool_size(rpc) == 1
        h2 = rpc("eth_sendRawTransaction", raw_tx(k, 0, 200 * GWEI, 6 * GWEI))  # the bump: mined by the next block
        deadline = time.time() + 5
        while rpc("eth_getTransactionReceipt", h2) is None:
            assert time.time() < deadline
            time.sleep(0.1)
        assert rpc("eth_getTransactionByHash", h) is None and pool_size(rpc) == 0
    finally:
        assert stop(p)[0] == 0


def test_revert_empties_the_pool(rpc):
    k = key(7)
    snap = rpc("evm_snapshot")
    h = rpc("eth_sendRawTransaction", raw_tx(k, nonce(rpc, k), 100 * GWEI, GWEI))
    assert pool_size(rpc) == 1
    assert rpc("evm_revert", snap) is True
    assert pool_size(rpc) == 0 and rpc("eth_getTransactionByHash", h) is None
