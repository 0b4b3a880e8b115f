# pragma version ~=0.4.3
# @title BulkSubscriber (test/benchmark only): creates many subscriptions in one transaction, so a
#        benchmark can fill the Coordinator with 10,000 subscriptions in ~60 transactions instead
#        of 10,000. Each is an ordinary Coordinator.createSubscription call (owner: this contract).
from interfaces import ICoordinator

COORDINATOR: public(immutable(address))


@deploy
def __init__(coordinator: address):
    COORDINATOR = coordinator


@external
def createMany(containerId: String[1024], count: uint256, frequency: uint32, period: uint32) -> uint32:
    """Creates `count` (≤ 1,000) subscriptions for `containerId`, no payment; returns the first id."""
    first: uint32 = 0
    for i: uint256 in range(count, bound=1000):
        sid: uint32 = extcall ICoordinator(COORDINATOR).createSubscription(containerId, frequency, period, 1, False, empty(address), 0, empty(address), empty(address))
        if i == 0:
            first = sid
    return first
