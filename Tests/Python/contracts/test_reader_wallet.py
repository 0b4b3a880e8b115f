"""Reader batches; Wallet/WalletFactory/Fee access control and errors."""
from eth_abi import encode
from eth_utils import keccak

from chainctx import DEPLOYER, NODE, NODE2, ALICE, BOB, ZERO


def test_reader_subscription_batch(ctx):
    ids = [ctx.request(container=f"c{i}", redundancy=i + 1) for i in range(5)]
    rd = ctx.c["reader"].functions
    subs = rd.readSubscriptionBatch(ids[0], ids[-1] + 1).call()
    assert len(subs) == 5
    assert [s[4] for s in subs] == [1, 2, 3, 4, 5]
    assert subs[2][5] == keccak(encode(["string"], ["c2"]))
    assert rd.readSubscriptionBatch(ids[1], ids[3]).call() == subs[1:3]  # end exclusive
    assert rd.readSubscriptionBatch(3, 3).call() == []
    # past the last id: empty subscriptions (owner zero)
    tail = rd.readSubscriptionBatch(ids[-1], ids[-1] + 3).call()
    assert tail[1][0] == ZERO and tail[2][0] == ZERO


def test_reader_large_batch(ctx):
    subs = ctx.c["reader"].functions.readSubscriptionBatch(1, 2001).call()
    assert len(subs) == 2000


def test_reader_redundancy_batch(ctx):
    a = ctx.request(redundancy=3)
    b = ctx.request(redundancy=3)
    ctx.deliver(a, 1, key=NODE)
    ctx.deliver(a, 1, key=NODE2)
    ctx.deliver(b, 1, key=NODE)
    rd = ctx.c["reader"].functions
    assert rd.readRedundancyCountBatch([a, b, b, 999], [1, 1, 2, 1]).call() == [2, 1, 0, 0]
    assert rd.readRedundancyCountBatch([], []).call() == []


def test_wallet_factory(ctx):
    w = ctx.new_wallet(ALICE)
    wf = ctx.c["walletFactory"].functions
    assert wf.isValidWallet(w.address).call() is True
    assert wf.isValidWallet(ctx.address(ALICE)).call() is False
    assert w.functions.owner().call() == ctx.address(ALICE)
    r = ctx.send(wf.createWallet(ctx.address(BOB)), ALICE)
    ev = ctx.events(r, "walletFactory", "WalletCreated")[0]
    assert ev["caller"] == ctx.address(ALICE) and ev["owner"] == ctx.address(BOB)


def test_wallet_owner_only_and_errors(ctx):
    tok = ctx.addr["token"]
    w = ctx.new_wallet(ALICE)
    wf = w.functions
    ctx.expect_error(wf.approve(ctx.address(BOB), tok, 5), "Unauthorized", BOB)
    ctx.expect_error(wf.withdraw(tok, 0), "Unauthorized", BOB)
    ctx.expect_error(wf.transferOwnership(ctx.address(BOB)), "Unauthorized", BOB)
    ctx.expect_error(wf.withdraw(tok, 1), "InsufficientFunds", ALICE)
    ctx.expect_error(wf.withdraw(ZERO, 1), "InsufficientFunds", ALICE)
    # approve overwrites, emits Approval
    r = ctx.send(wf.approve(ctx.address(BOB), tok, 5), ALICE)
    ctx.send(wf.approve(ctx.address(BOB), tok, 3), ALICE)
    assert wf.allowance(ctx.address(BOB), tok).call() == 3
    ev = w.events.Approval().process_receipt(r)[0]["args"]
    assert (ev["spender"], ev["token"], ev["amount"]) == (ctx.address(BOB), tok, 5)
    # coordinator-only functions
    for fn in (wf.cTransfer(ctx.address(BOB), tok, ctx.address(BOB), 1), wf.cLock(ctx.address(BOB), tok, 1),
               wf.cUnlock(ctx.address(BOB), tok, 1)):
        ctx.expect_error(fn, "NotCoordinator", ALICE)
    # ETH in and out
    ctx.w3.provider.make_request("eth_sendTransaction", [{"from": ctx.address(ALICE), "to": w.address, "value": hex(10**18)}])
    r = ctx.send(wf.withdraw(ZERO, 4 * 10**17), ALICE)
    ev = w.events.Withdrawl().process_receipt(r)[0]["args"]
    assert ev["amount"] == 4 * 10**17
    assert ctx.w3.eth.get_balance(w.address) == 6 * 10**17
    ctx.send(wf.transferOwnership(ctx.address(BOB)), ALICE)
    assert wf.owner().call() == ctx.address(BOB)
    ctx.expect_error(wf.withdraw(ZERO, 1), "Unauthorized", ALICE)


def test_fee_contract(ctx):
    fee = ctx.c["fee"].functions
    assert fee.FEE().call() == 0
    assert fee.FEE_RECIPIENT().call() == ctx.address(DEPLOYER)
    ctx.expect_error(fee.updateFee(100), "Unauthorized", ALICE)
    ctx.send(fee.updateFee(511), DEPLOYER)
    assert fee.FEE().call() == 511
