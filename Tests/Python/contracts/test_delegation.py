"""EIP-712 delegated subscriptions: valid, expired, wrong signer, reused nonce, unordered nonces."""
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from chainctx import DEPLOYER, NODE, NODE2, ALICE, ZERO

SUB_FIELDS = [("owner", "address"), ("activeAt", "uint32"), ("period", "uint32"), ("frequency", "uint32"),
              ("redundancy", "uint16"), ("containerId", "bytes32"), ("lazy", "bool"), ("verifier", "address"),
              ("paymentAmount", "uint256"), ("paymentToken", "address"), ("wallet", "address")]


def make_sub(ctx, active_at=0, period=0, frequency=1, redundancy=1, container="delegated"):
    return (ctx.addr["delegatorConsumer"], active_at, period, frequency, redundancy,
            keccak(encode(["string"], [container])), False, ZERO, 0, ZERO, ZERO)


def sign(ctx, sub, nonce, expiry, key=DEPLOYER, chain_id=1337, verifying=None):
    typed = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "DelegateSubscription": [{"name": "nonce", "type": "uint32"}, {"name": "expiry", "type": "uint32"},
                                     {"name": "sub", "type": "Subscription"}],
            "Subscription": [{"name": n, "type": t} for n, t in SUB_FIELDS],
        },
        "primaryType": "DelegateSubscription",
        "domain": {"name": "InfernetCoordinator", "version": "1", "chainId": chain_id,
                   "verifyingContract": verifying or ctx.addr["coordinator"]},
        "message": {"nonce": nonce, "expiry": expiry, "sub": dict(zip([n for n, _ in SUB_FIELDS], sub))},
    }
    s = Account.sign_message(encode_typed_data(full_message=typed), key)
    # the struct hash by hand, as sdk-abi.md describes it, must give the same digest
    sub_th = keccak(text="Subscription(" + ",".join(f"{t} {n}" for n, t in SUB_FIELDS) + ")")
    del_th = keccak(text="DelegateSubscription(uint32 nonce,uint32 expiry,Subscription sub)Subscription(" + ",".join(f"{t} {n}" for n, t in SUB_FIELDS) + ")")
    sub_hash = keccak(encode(["bytes32"] + [t for _, t in SUB_FIELDS], [sub_th] + list(sub)))
    struct = keccak(encode(["bytes32", "uint32", "uint32", "bytes32"], [del_th, nonce, expiry, sub_hash]))
    dom = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], [
        keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
        keccak(text="InfernetCoordinator"), keccak(text="1"), chain_id, verifying or ctx.addr["coordinator"]]))
    assert keccak(b"\x19\x01" + dom + struct) == s.message_hash
    return s.v, s.r.to_bytes(32, "big"), s.s.to_bytes(32, "big")


def test_signer(ctx):
    assert ctx.c["delegatorConsumer"].functions.getSigner().call() == ctx.address(DEPLOYER)


def test_valid_delegated_creation(ctx):
    co = ctx.c["coordinator"].functions
    sub = make_sub(ctx)
    exp = ctx.now + 3600
    v, r, s = sign(ctx, sub, 7, exp)
    rc = ctx.send(co.createSubscriptionDelegatee(7, exp, sub, v, r, s), NODE)
    sid = ctx.sub_id_from(rc)
    assert co.getSubscription(sid).call() == sub  # stored as given
    key = keccak(encode(["address", "uint32"], [ctx.addr["delegatorConsumer"], 7]))
    assert co.delegateCreatedIds(key).call() == sid
    assert co.maxSubscriberNonce(ctx.addr["delegatorConsumer"]).call() == 7
    # same nonce again: the existing id, no signature check, no new subscription
    assert co.createSubscriptionDelegatee(7, 0, sub, 0, b"\0" * 32, b"\0" * 32).call({"from": ctx.address(NODE)}) == sid
    ctx.send(co.createSubscriptionDelegatee(7, 0, sub, 0, b"\0" * 32, b"\0" * 32), NODE2)
    assert co.id().call() == sid + 1


def test_expired_signature(ctx):
    sub = make_sub(ctx)
    exp = ctx.now - 1
    v, r, s = sign(ctx, sub, 1, exp)
    ctx.expect_error(ctx.c["coordinator"].functions.createSubscriptionDelegatee(1, exp, sub, v, r, s), "SignatureExpired", NODE)


def test_wrong_signer(ctx):
    sub = make_sub(ctx)
    exp = ctx.now + 3600
    v, r, s = sign(ctx, sub, 1, exp, key=ALICE)
    ctx.expect_error(ctx.c["coordinator"].functions.createSubscriptionDelegatee(1, exp, sub, v, r, s), "SignerMismatch", NODE)
    # signed for another chain id: recovers someone else
    v, r, s = sign(ctx, sub, 1, exp, chain_id=1)
    ctx.expect_error(ctx.c["coordinator"].functions.createSubscriptionDelegatee(1, exp, sub, v, r, s), "SignerMismatch", NODE)
    # tampered subscription
    v, r, s = sign(ctx, sub, 1, exp)
    bad = list(sub)
    bad[3] = 99
    ctx.expect_error(ctx.c["coordinator"].functions.createSubscriptionDelegatee(1, exp, tuple(bad), v, r, s), "SignerMismatch", NODE)


def test_invalid_signature(ctx):
    sub = make_sub(ctx)
    exp = ctx.now + 3600
    ctx.expect_error(ctx.c["coordinator"].functions.createSubscriptionDelegatee(1, exp, sub, 27, b"\0" * 32, b"\0" * 32), "InvalidSignature", NODE)


def test_unordered_nonces(ctx):
    co = ctx.c["coordinator"].functions
    exp = ctx.now + 3600
    ids = []
    for nonce in (5, 2, 9, 3):
        sub = make_sub(ctx, container=f"c{nonce}")
        v, r, s = sign(ctx, sub, nonce, exp)
        ids.append(ctx.sub_id_from(ctx.send(co.createSubscriptionDelegatee(nonce, exp, sub, v, r, s), NODE)))
    assert len(set(ids)) == 4
    assert co.maxSubscriberNonce(ctx.addr["delegatorConsumer"]).call() == 9


def test_deliver_compute_delegatee(ctx):
    co = ctx.c["coordinator"].functions
    sub = make_sub(ctx, redundancy=2)
    exp = ctx.now + 3600
    v, r, s = sign(ctx, sub, 1, exp)
    rc = ctx.send(co.deliverComputeDelegatee(1, exp, sub, v, r, s, 1, b"in", b"out", b"", ZERO), NODE)
    sid = ctx.sub_id_from(rc)
    got = ctx.events(rc, "delegatorConsumer", "ComputeReceived")[0]
    assert got["subscriptionId"] == sid and got["output"] == b"out"
    # reused nonce: a second node delivers to the same subscription, no new id
    rc2 = ctx.send(co.deliverComputeDelegatee(1, exp, sub, v, r, s, 1, b"in", b"out2", b"", ZERO), NODE2)
    assert ctx.events(rc2, "coordinator", "SubscriptionCreated") == []
    assert ctx.events(rc2, "delegatorConsumer", "ComputeReceived")[0]["subscriptionId"] == sid
    # delivery rules still apply
    ctx.expect_error(co.deliverComputeDelegatee(1, exp, sub, v, r, s, 1, b"", b"", b"", ZERO), "IntervalCompleted", ALICE)
    # an expired signature with an unused nonce
    v2, r2, s2 = sign(ctx, sub, 2, ctx.now - 5)
    ctx.expect_error(co.deliverComputeDelegatee(2, ctx.now - 5, sub, v2, r2, s2, 1, b"", b"", b"", ZERO), "SignatureExpired", ALICE)
