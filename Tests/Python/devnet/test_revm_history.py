"""The pyrevm backend's reads at blocks behind the pending state. State after a block is rebuilt by
replaying transactions into a cached state that only moves forward; reads at the head while a
block is pending and reads pinned to an older block (a node's snapshot sync) keep one cached state
each, so taking turns does not replay every transaction since genesis again (it did, several times
a second, in the node's on-chain benchmark)."""
import pytest
from eth_account import Account

from devnet.chainbase import DEFAULT_CHAIN_ID, DEFAULT_KEYS, INITIAL_BASE_FEE
from devnet.revm_chain import RevmChain

SINK = bytes.fromhex("11" * 20)


def transfer(key, nonce, value):
    tx = {"type": 2, "chainId": DEFAULT_CHAIN_ID, "nonce": nonce, "to": "0x" + SINK.hex(), "value": value,
          "data": "0x", "gas": 21_000, "maxFeePerGas": 4 * INITIAL_BASE_FEE, "maxPriorityFeePerGas": 1}
    return bytes(Account.from_key(key).sign_transaction(tx).raw_transaction)


@pytest.fixture
def chain():
    c = RevmChain()
    c.automine = False
    replayed = []
    replay = c._replay_into

    def counting(evm, first, last):
        replayed.append(sum(len(c.ops[n][1]) for n in range(first, last + 1)))
        return replay(evm, first, last)
    c._replay_into = counting
    c.replayed = replayed
    return c


def test_head_and_pinned_reads_take_turns_without_replaying_from_genesis(chain):
    nonce = 0
    balance_after = {}  # block number -> the sink's balance once it was mined
    for block in range(1, 21):
        for _ in range(3):
            chain.send_raw(transfer(DEFAULT_KEYS[0], nonce, block))
            nonce += 1
        chain.mine()
        balance_after[block] = chain.get_balance(SINK, "latest")  # no block pending: the live state
    sent = nonce
    assert balance_after[20] == 3 * sum(range(1, 21))

    pinned = 12
    for round_ in range(10):
        # a transaction pending: "latest" must now be rebuilt without it
        chain.send_raw(transfer(DEFAULT_KEYS[0], nonce, 1000))
        nonce += 1
        head = chain.head_number
        assert chain.get_balance(SINK, "latest") == balance_after[head]
        assert chain.get_balance(SINK, pinned) == balance_after[pinned]
        assert chain.get_balance(SINK, "pending") == balance_after[head] + 1000
        chain.mine()
        balance_after[chain.head_number] = balance_after[head] + 1000
        if round_ == 5:
            pinned = 17  # the sync's next pass reads at a later block

    # Once per cached state from genesis, then each new block once: about 2 x what was sent.
    assert sum(chain.replayed) <= 2 * nonce, (sum(chain.replayed), sent, nonce)
    # One cache for both read kinds replayed ~10 x `sent` here.


def test_a_read_behind_every_cached_state_replays_from_genesis_and_is_right(chain):
    for n in range(5):
        chain.send_raw(transfer(DEFAULT_KEYS[1], n, 7))
        chain.mine()
    chain.send_raw(transfer(DEFAULT_KEYS[1], 5, 7))
    assert chain.get_balance(SINK, 4) == 28
    assert chain.get_balance(SINK, 2) == 14, "behind the cached state: a fresh replay"
    assert chain.get_balance(SINK, "latest") == 35
    assert chain.get_balance(SINK, 3) == 21


def test_a_read_behind_only_empty_blocks_uses_the_live_state(chain):
    for n in range(4):
        chain.send_raw(transfer(DEFAULT_KEYS[2], n, 5))
        chain.mine()
    pinned = chain.head_number
    for _ in range(3):
        chain.mine()  # the block timer's empty blocks
    assert chain.get_balance(SINK, pinned) == 20
    assert chain.replayed == [], "nothing replayed for a read behind empty blocks only"
    assert chain.get_balance(SINK, pinned - 1) == 15, "a transaction since: rebuilt by a replay"
    assert len(chain.replayed) == 1
    chain.send_raw(transfer(DEFAULT_KEYS[2], 4, 5))  # pending: the live state is no longer block `pinned`'s
    assert chain.get_balance(SINK, pinned) == 20
    assert chain.get_balance(SINK, "pending") == 25
