# pragma version ~=0.4.3
# @title Reader (Infernet SDK v1.1 interface): batch reads for the node's subscription sync.
# Batches are limited to 2,500 entries per call here (the array bound sets the memory, so the gas,
# of every call); measured: 100 subscriptions ~4.2M gas, 2,500 ~68M gas in eth_call (the devnet
# allows 300M per eth_call; geth's default cap is 50M).

interface IRegistry:
    def COORDINATOR() -> address: view

struct Subscription:
    owner: address
    activeAt: uint32
    period: uint32
    frequency: uint32
    redundancy: uint16
    containerId: bytes32
    lazy: bool
    verifier: address
    paymentAmount: uint256
    paymentToken: address
    wallet: address

interface ICoordinator:
    def getSubscription(subscriptionId: uint32) -> Subscription: view
    def redundancyCount(key: bytes32) -> uint16: view

MAX_BATCH: constant(uint256) = 2500
COORDINATOR: immutable(address)


@deploy
def __init__(registry: address):
    COORDINATOR = staticcall IRegistry(registry).COORDINATOR()


@external
@view
def readSubscriptionBatch(startId: uint32, endId: uint32) -> DynArray[Subscription, MAX_BATCH]:
    out: DynArray[Subscription, MAX_BATCH] = []
    if endId <= startId:
        return out
    n: uint256 = convert(endId - startId, uint256)
    assert n <= MAX_BATCH, "batch too large"
    for i: uint256 in range(n, bound=MAX_BATCH):
        out.append(staticcall ICoordinator(COORDINATOR).getSubscription(startId + convert(i, uint32)))
    return out


@external
@view
def readRedundancyCountBatch(ids: DynArray[uint32, MAX_BATCH], intervals: DynArray[uint32, MAX_BATCH]) -> DynArray[uint16, MAX_BATCH]:
    assert len(ids) == len(intervals), "length mismatch"
    out: DynArray[uint16, MAX_BATCH] = []
    for i: uint256 in range(len(ids), bound=MAX_BATCH):
        out.append(staticcall ICoordinator(COORDINATOR).redundancyCount(keccak256(abi_encode(ids[i], intervals[i]))))
    return out
