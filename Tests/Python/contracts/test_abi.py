"""ABI identity with sdk-abi.md: selectors, topics, error selectors, getters, typehashes."""
import pytest
from eth_utils import keccak

from contracts import artifact

from chainctx import ZERO, sel

EVENTS = {
    "SubscriptionCreated(uint32)": "04344ed7a67fec80c444d56ee1cee242f3f75b91fecc8dbce8890069c82eb48e",
    "SubscriptionCancelled(uint32)": "f4126e31c182db4c4109605c6d50470fc7e8ca90d62d44fd25cbe049fb9cac3e",
    "SubscriptionFulfilled(uint32,address)": "c68fb0ae5cea2793405d29014d881bcda18f67122e0bcd7d0a577e118b64e4c8",
    "ProofVerified(uint32,uint32,address,bool,address,bool)": "af1556610075709bf885e17681512d329b1a40f799ee5196f79461e89b656454",
}
ERRORS = {
    "InvalidWallet": "23455ba1", "IntervalMismatch": "4db310c3", "IntervalCompleted": "2f4ca85b",
    "UnauthorizedVerifier": "b9857aa1", "NodeRespondedAlready": "88a21e4f", "SubscriptionNotFound": "1a00354f",
    "ProofRequestNotFound": "1d68b37c", "NotSubscriptionOwner": "a7fba711", "SubscriptionCompleted": "ae6704a7",
    "SubscriptionNotActive": "efb74efe", "UnsupportedVerifierToken": "e2372799", "SignerMismatch": "10c74b03",
    "SignatureExpired": "0819bdcd", "InvalidSignature": "8baa579f", "Reentrancy": "ab143c06",
    "NotCoordinator": "9ec853e6", "InsufficientFunds": "356680b7", "InsufficientAllowance": "13be252b",
    "NodeNotAllowed": "42764946", "Unauthorized": "82b42900",
}
SUB = "(address,uint32,uint32,uint32,uint16,bytes32,bool,address,uint256,address,address)"
FUNCTIONS = {
    "EIP712Coordinator": [
        "id()", "getSubscription(uint32)", "nodeResponded(bytes32)", "redundancyCount(bytes32)", "proofRequests(bytes32)",
        "maxSubscriberNonce(address)", "delegateCreatedIds(bytes32)", "EIP712_NAME()", "EIP712_VERSION()",
        "createSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)",
        "cancelSubscription(uint32)", "getSubscriptionInterval(uint32,uint32)",
        "deliverCompute(uint32,uint32,bytes,bytes,bytes,address)",
        "finalizeProofVerification(uint32,uint32,address,bool)",
        f"createSubscriptionDelegatee(uint32,uint32,{SUB},uint8,bytes32,bytes32)",
        f"deliverComputeDelegatee(uint32,uint32,{SUB},uint8,bytes32,bytes32,uint32,bytes,bytes,bytes,address)",
    ],
    "Registry": ["COORDINATOR()", "INBOX()", "READER()", "FEE()", "WALLET_FACTORY()"],
    "Inbox": ["items(bytes32,address,uint256)", "write(bytes32,bytes,bytes,bytes)",
              "writeViaCoordinator(bytes32,address,uint32,uint32,bytes,bytes,bytes)", "read(bytes32,address,uint256)"],
    "Reader": ["readSubscriptionBatch(uint32,uint32)", "readRedundancyCountBatch(uint32[],uint32[])"],
    "WalletFactory": ["createWallet(address)", "isValidWallet(address)"],
    "Wallet": ["allowance(address,address)", "withdraw(address,uint256)", "approve(address,address,uint256)",
               "cTransfer(address,address,address,uint256)", "cLock(address,address,uint256)",
               "cUnlock(address,address,uint256)", "owner()", "transferOwnership(address)"],
    "Fee": ["FEE()", "FEE_RECIPIENT()", "updateFee(uint16)"],
    "AtomicVerifier": ["getWallet()", "isSupportedToken(address)", "fee(address)",
                       "requestProofVerification(uint32,uint32,address,bytes)"],
    "OptimisticVerifier": ["getWallet()", "isSupportedToken(address)", "fee(address)",
                           "requestProofVerification(uint32,uint32,address,bytes)"],
}
CONSUMER = ["rawReceiveCompute(uint32,uint32,uint16,address,bytes,bytes,bytes,bytes32,uint256)",
            "getContainerInputs(uint32,uint32,uint32,address)"]
for c in ("CallbackConsumer", "SubscriptionConsumer", "DelegatorConsumer", "RevertingConsumer", "AllowlistConsumer"):
    FUNCTIONS[c] = CONSUMER
FUNCTIONS["DelegatorConsumer"] = CONSUMER + ["getSigner()"]
FUNCTIONS["AllowlistConsumer"] = CONSUMER + ["isAllowedNode(address)"]


def canon(t):
    if t["type"].startswith("tuple"):
        return "(" + ",".join(canon(c) for c in t["components"]) + ")" + t["type"][5:]
    return t["type"]


def signatures(name, kind="function"):
    return {f"{e['name']}({','.join(canon(i) for i in e['inputs'])})": e for e in artifact(name)["abi"] if e["type"] == kind}


def test_event_topics_match_vectors():
    evs = signatures("EIP712Coordinator", "event")
    for sig, topic in EVENTS.items():
        assert sig in evs, sig
        assert keccak(text=sig).hex() == topic


def test_event_indexed_flags():
    evs = signatures("EIP712Coordinator", "event")
    assert [i["indexed"] for i in evs["ProofVerified(uint32,uint32,address,bool,address,bool)"]["inputs"]] == [True, True, True, False, False, False]
    assert [i["indexed"] for i in evs["SubscriptionFulfilled(uint32,address)"]["inputs"]] == [True, True]
    w = signatures("Wallet", "event")
    assert [i["indexed"] for i in w["Transfer(address,address,address,uint256)"]["inputs"]] == [True, False, True, False]
    assert "Withdrawl(address,uint256)" in w
    assert [i["indexed"] for i in w["Escrow(address,address,uint256,bool)"]["inputs"]] == [True, False, False, False]
    assert [i["indexed"] for i in signatures("Inbox", "event")["NewInboxItem(bytes32,address,uint256)"]["inputs"]] == [True, True, False]
    assert [i["indexed"] for i in signatures("WalletFactory", "event")["WalletCreated(address,address,address)"]["inputs"]] == [True, True, False]


@pytest.mark.parametrize("name,selector", sorted(ERRORS.items()))
def test_error_selectors(name, selector):
    assert sel(name + "()").hex() == selector


@pytest.mark.parametrize("contract", sorted(FUNCTIONS))
def test_function_signatures_present(contract):
    fns = signatures(contract)
    missing = [f for f in FUNCTIONS[contract] if f not in fns]
    assert not missing, missing


def test_output_shapes():
    fns = signatures("EIP712Coordinator")
    assert [canon(o) for o in fns["getSubscription(uint32)"]["outputs"]] == [SUB]
    assert [o["type"] for o in fns["proofRequests(bytes32)"]["outputs"]] == ["uint32", "address", "uint256"]
    assert [o["type"] for o in fns["redundancyCount(bytes32)"]["outputs"]] == ["uint16"]
    inbox = signatures("Inbox")
    assert [o["type"] for o in inbox["items(bytes32,address,uint256)"]["outputs"]] == ["uint32", "uint32", "uint32", "bytes", "bytes", "bytes"]
    assert [canon(o) for o in inbox["read(bytes32,address,uint256)"]["outputs"]] == ["(uint32,uint32,uint32,bytes,bytes,bytes)"]
    assert [canon(o) for o in signatures("Reader")["readSubscriptionBatch(uint32,uint32)"]["outputs"]] == [SUB + "[]"]
    assert [o["type"] for o in signatures("Fee")["FEE()"]["outputs"]] == ["uint16"]


def test_typehash_vectors():
    s = ("Subscription(address owner,uint32 activeAt,uint32 period,uint32 frequency,uint16 redundancy,bytes32 containerId,"
         "bool lazy,address verifier,uint256 paymentAmount,address paymentToken,address wallet)")
    assert keccak(text=s).hex() == "3da81ed66ee47395e568c52867826ec137777eef9c1bdfb6bf972dd4385bc5a9"
    assert keccak(text="DelegateSubscription(uint32 nonce,uint32 expiry,Subscription sub)" + s).hex() == \
        "ba9ff1aef2b048b42767aade2b901745a3acf14f698a9ec13952098cfd03d0b6"


def test_registry_and_names(ctx):
    reg = ctx.c["registry"].functions
    assert reg.COORDINATOR().call() == ctx.addr["coordinator"]
    assert reg.INBOX().call() == ctx.addr["inbox"]
    assert reg.READER().call() == ctx.addr["reader"]
    assert reg.FEE().call() == ctx.addr["fee"]
    assert reg.WALLET_FACTORY().call() == ctx.addr["walletFactory"]
    co = ctx.c["coordinator"].functions
    assert co.EIP712_NAME().call() == "InfernetCoordinator"
    assert co.EIP712_VERSION().call() == "1"
    assert co.id().call() == 1
    assert list(ctx.addr)[0] == "registry"
