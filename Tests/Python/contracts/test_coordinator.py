"""Subscriptions and the delivery rules in their order (mirrors the SDK's Coordinator/Consumer suites)."""
from eth_abi import encode
from eth_utils import keccak

from chainctx import DEPLOYER, NODE, NODE2, ALICE, ZERO, sel

MAX32 = 2**32 - 1


def key2(sid, interval):
    return keccak(encode(["uint32", "uint32"], [sid, interval]))


def key3(sid, interval, node):
    return keccak(encode(["uint32", "uint32", "address"], [sid, interval, node]))


def test_create_subscription_fields_and_ids(ctx):
    co = ctx.c["coordinator"].functions
    assert co.id().call() == 1
    r = ctx.send(ctx.c["subscriptionConsumer"].functions.createComputeSubscription("my-container", 5, 60, 2, True, ZERO, 0, ZERO, ZERO))
    sid = ctx.sub_id_from(r)
    assert sid == 1 and co.id().call() == 2
    ts = ctx.w3.eth.get_block(r["blockNumber"])["timestamp"]
    s = co.getSubscription(sid).call()
    assert s[0] == ctx.addr["subscriptionConsumer"]
    assert s[1] == ts + 60  # activeAt = now + period
    assert s[2:5] == (60, 5, 2)
    assert s[5] == keccak(encode(["string"], ["my-container"]))  # abi.encode, not packed
    assert s[6] is True and s[7] == ZERO and s[8] == 0
    assert ctx.request() == 2
    # direct creation by an EOA: owner = caller
    r = ctx.send(co.createSubscription("x", 1, 0, 1, False, ZERO, 0, ZERO, ZERO), ALICE)
    assert co.getSubscription(ctx.sub_id_from(r)).call()[0] == ctx.address(ALICE)


def test_get_subscription_interval(ctx):
    co = ctx.c["coordinator"].functions
    assert co.getSubscriptionInterval(0, 0).call() == 1
    now = ctx.now
    assert co.getSubscriptionInterval(now - 120, 60).call() == 3
    assert co.getSubscriptionInterval(now, 60).call() == 1


def test_callback_delivery(ctx):
    sid = ctx.request(inputs=b"hello")
    cons = ctx.c["callbackConsumer"].functions
    assert cons.getContainerInputs(sid, 1, 0, ctx.address(NODE)).call() == b"hello"
    r = ctx.deliver(sid, 1, inp=b"in", out=b"out", proof=b"pr")
    ev = ctx.events(r, "coordinator", "SubscriptionFulfilled")
    assert ev[0]["id"] == sid and ev[0]["node"] == ctx.address(NODE)
    got = ctx.events(r, "callbackConsumer", "ComputeReceived")[0]
    assert (got["subscriptionId"], got["interval"], got["redundancy"], got["node"]) == (sid, 1, 1, ctx.address(NODE))
    assert (got["input"], got["output"], got["proof"], got["containerId"], got["index"]) == (b"in", b"out", b"pr", b"\0" * 32, 0)
    co = ctx.c["coordinator"].functions
    assert co.redundancyCount(key2(sid, 1)).call() == 1
    assert co.nodeResponded(key3(sid, 1, ctx.address(NODE))).call() is True
    assert co.nodeResponded(key3(sid, 1, ctx.address(NODE2))).call() is False
    assert cons.lastOutput(sid).call() == b"out"


def test_rule1_subscription_not_found(ctx):
    ctx.expect_error(ctx.deliver_fn(999, 1), "SubscriptionNotFound", NODE)


def test_rule2_not_active_before_active_at(ctx):
    sid = ctx.subscribe(frequency=2, period=3600)
    ctx.expect_error(ctx.deliver_fn(sid, 1), "SubscriptionNotActive", NODE)


def test_rule2_cancelled(ctx):
    sid = ctx.subscribe(frequency=5, period=10)
    ctx.set_next_time(ctx.now + 15)
    ctx.w3.provider.make_request("evm_mine", [])
    ctx.deliver(sid, 1)
    r = ctx.send(ctx.c["subscriptionConsumer"].functions.cancelComputeSubscription(sid))
    assert ctx.events(r, "coordinator", "SubscriptionCancelled")[0]["id"] == sid
    s = ctx.c["coordinator"].functions.getSubscription(sid).call()
    assert s[1] == MAX32 and s[0] == ctx.addr["subscriptionConsumer"]  # kept, activeAt = 2^32-1
    # cancelled + wrong interval: rule 2 comes first
    ctx.expect_error(ctx.deliver_fn(sid, 7), "SubscriptionNotActive", NODE2)


def test_cancel_not_owner(ctx):
    sid = ctx.request()
    ctx.expect_error(ctx.c["coordinator"].functions.cancelSubscription(sid), "NotSubscriptionOwner", ALICE)
    ctx.expect_error(ctx.c["coordinator"].functions.cancelSubscription(12345), "NotSubscriptionOwner", ALICE)


def test_rule3_interval_mismatch(ctx):
    sid = ctx.request()
    ctx.expect_error(ctx.deliver_fn(sid, 2), "IntervalMismatch", NODE)
    ctx.expect_error(ctx.deliver_fn(sid, 0), "IntervalMismatch", NODE)


def test_rule4_subscription_completed(ctx):
    sid = ctx.subscribe(frequency=2, period=10)
    t0 = ctx.c["coordinator"].functions.getSubscription(sid).call()[1]
    ctx.set_next_time(t0 + 25)  # interval 3 > frequency 2
    ctx.w3.provider.make_request("evm_mine", [])
    ctx.expect_error(ctx.deliver_fn(sid, 3), "SubscriptionCompleted", NODE)
    # rule 3 before rule 4
    ctx.expect_error(ctx.deliver_fn(sid, 2), "IntervalMismatch", NODE)


def test_rule5_interval_completed(ctx):
    sid = ctx.request(redundancy=1)
    ctx.deliver(sid, 1, key=NODE)
    ctx.expect_error(ctx.deliver_fn(sid, 1), "IntervalCompleted", NODE2)
    # rule 5 before rule 6: the same node again also gets IntervalCompleted
    ctx.expect_error(ctx.deliver_fn(sid, 1), "IntervalCompleted", NODE)


def test_rule6_node_responded_already(ctx):
    sid = ctx.request(redundancy=3)
    ctx.deliver(sid, 1, key=NODE)
    ctx.expect_error(ctx.deliver_fn(sid, 1), "NodeRespondedAlready", NODE)


def test_redundant_subscription(ctx):
    sid = ctx.request(redundancy=2)
    r1 = ctx.deliver(sid, 1, key=NODE, out=b"a")
    r2 = ctx.deliver(sid, 1, key=NODE2, out=b"b")
    assert ctx.events(r1, "callbackConsumer", "ComputeReceived")[0]["redundancy"] == 1
    assert ctx.events(r2, "callbackConsumer", "ComputeReceived")[0]["redundancy"] == 2
    assert ctx.c["coordinator"].functions.redundancyCount(key2(sid, 1)).call() == 2
    ctx.expect_error(ctx.deliver_fn(sid, 1), "IntervalCompleted", ALICE)
    assert ctx.c["callbackConsumer"].functions.receivedCount(sid).call() == 2


def test_recurring_subscription(ctx):
    cons = ctx.c["subscriptionConsumer"].functions
    sid = ctx.subscribe(frequency=3, period=60)
    active_at = ctx.c["coordinator"].functions.getSubscription(sid).call()[1]
    for interval in (1, 2, 3):
        ctx.set_next_time(active_at + (interval - 1) * 60 + 5)
        ctx.w3.provider.make_request("evm_mine", [])
        ctx.expect_error(ctx.deliver_fn(sid, interval + 1), "IntervalMismatch", NODE)
        ctx.deliver(sid, interval, out=b"o%d" % interval)
        assert cons.lastOutput(sid).call() == b"o%d" % interval
        # default inputs: abi-encoded (subscriptionId, interval, timestamp, caller)
        assert cons.getContainerInputs(sid, interval, 7, ctx.address(NODE)).call() == encode(
            ["uint32", "uint32", "uint32", "address"], [sid, interval, 7, ctx.address(NODE)])
    ctx.set_next_time(active_at + 3 * 60 + 5)
    ctx.w3.provider.make_request("evm_mine", [])
    ctx.expect_error(ctx.deliver_fn(sid, 4), "SubscriptionCompleted", NODE)
    assert cons.receivedCount(sid).call() == 3


def test_missed_interval_cannot_be_delivered_late(ctx):
    sid = ctx.subscribe(frequency=5, period=30)
    active_at = ctx.c["coordinator"].functions.getSubscription(sid).call()[1]
    ctx.set_next_time(active_at + 65)  # interval 3 now
    ctx.w3.provider.make_request("evm_mine", [])
    ctx.expect_error(ctx.deliver_fn(sid, 1), "IntervalMismatch", NODE)
    ctx.deliver(sid, 3)


def test_lazy_subscription_via_inbox(ctx):
    sid = ctx.subscribe(container="lazy-c", frequency=1, period=0, lazy=True)
    r = ctx.deliver(sid, 1, inp=b"I", out=b"O", proof=b"P")
    cid = keccak(encode(["string"], ["lazy-c"]))
    ev = ctx.events(r, "inbox", "NewInboxItem")[0]
    assert ev["containerId"] == cid and ev["node"] == ctx.address(NODE) and ev["index"] == 0
    got = ctx.events(r, "subscriptionConsumer", "ComputeReceived")[0]
    assert (got["input"], got["output"], got["proof"]) == (b"", b"", b"")
    assert got["containerId"] == cid and got["index"] == 0
    inbox = ctx.c["inbox"].functions
    item = inbox.read(cid, ctx.address(NODE), 0).call()
    assert item[1:] == (sid, 1, b"I", b"O", b"P")
    assert inbox.items(cid, ctx.address(NODE), 0).call()[1:] == [sid, 1, b"I", b"O", b"P"]
    # second lazy delivery gets index 1
    sid2 = ctx.subscribe(container="lazy-c", frequency=1, period=0, lazy=True)
    r = ctx.deliver(sid2, 1, out=b"O2")
    assert ctx.events(r, "subscriptionConsumer", "ComputeReceived")[0]["index"] == 1


def test_inbox_write_and_coordinator_only(ctx):
    inbox = ctx.c["inbox"].functions
    cid = b"\x11" * 32
    r = ctx.send(inbox.write(cid, b"i", b"o", b"p"), ALICE)
    assert ctx.events(r, "inbox", "NewInboxItem")[0]["index"] == 0
    assert inbox.read(cid, ctx.address(ALICE), 0).call()[1:] == (0, 0, b"i", b"o", b"p")
    ctx.expect_error(inbox.writeViaCoordinator(cid, ctx.address(ALICE), 1, 1, b"", b"", b""), "NotCoordinator", ALICE)


def test_raw_receive_compute_coordinator_only(ctx):
    fn = ctx.c["callbackConsumer"].functions.rawReceiveCompute(1, 1, 1, ctx.address(NODE), b"", b"o", b"", b"\0" * 32, 0)
    ctx.expect_error(fn, "NotCoordinator", NODE)


def test_reverting_consumer_bubbles_revert(ctx):
    sid = ctx.request(consumer="revertingConsumer")
    data = ctx.revert_data(ctx.deliver_fn(sid, 1), NODE)
    assert data[:4] == sel("Error(string)")
    assert b"always reverts" in data
    # nothing was recorded: the whole delivery reverted
    assert ctx.c["coordinator"].functions.redundancyCount(key2(sid, 1)).call() == 0


def test_allowlist_consumer(ctx):
    sid = ctx.request(consumer="allowlistConsumer", redundancy=2)
    cons = ctx.c["allowlistConsumer"].functions
    assert cons.isAllowedNode(ctx.address(NODE)).call() is True
    assert cons.isAllowedNode(ctx.address(NODE2)).call() is False
    ctx.expect_error(ctx.deliver_fn(sid, 1), "NodeNotAllowed", NODE2)
    ctx.deliver(sid, 1, key=NODE)
    ctx.expect_error(cons.updateAllowlist([ctx.address(NODE2)], [True]), "Unauthorized", ALICE)
    ctx.send(cons.updateAllowlist([ctx.address(NODE2)], [True]), DEPLOYER)
    ctx.deliver(sid, 1, key=NODE2)


def test_delivery_tx_gas_reasonable(ctx):
    sid = ctx.request()
    r = ctx.deliver(sid, 1, out=b"x" * 100)
    assert r["gasUsed"] < 350_000
