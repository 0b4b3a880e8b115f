# pragma version ~=0.4.3
# @title Inbox (Infernet SDK v1.1 interface): stores lazy-subscription outputs and free-form writes.

interface IRegistry:
    def COORDINATOR() -> address: view

struct InboxItem:
    timestamp: uint32
    subscriptionId: uint32
    interval: uint32
    input: Bytes[8192]
    output: Bytes[8192]
    proof: Bytes[4096]

event NewInboxItem:
    containerId: indexed(bytes32)
    node: indexed(address)
    index: uint256

COORDINATOR: immutable(address)
_items: HashMap[bytes32, HashMap[address, DynArray[InboxItem, max_value(uint32)]]]


@deploy
def __init__(registry: address):
    COORDINATOR = staticcall IRegistry(registry).COORDINATOR()


@internal
def _write(containerId: bytes32, node: address, subscriptionId: uint32, interval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096]) -> uint256:
    index: uint256 = len(self._items[containerId][node])
    self._items[containerId][node].append(InboxItem(timestamp=convert(block.timestamp, uint32), subscriptionId=subscriptionId, interval=interval, input=input, output=output, proof=proof))
    log NewInboxItem(containerId=containerId, node=node, index=index)
    return index


@external
def write(containerId: bytes32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096]) -> uint256:
    return self._write(containerId, msg.sender, 0, 0, input, output, proof)


@external
def writeViaCoordinator(containerId: bytes32, node: address, subscriptionId: uint32, interval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096]) -> uint256:
    if msg.sender != COORDINATOR:
        raw_revert(method_id("NotCoordinator()"))
    return self._write(containerId, node, subscriptionId, interval, input, output, proof)


@external
@view
def read(containerId: bytes32, node: address, index: uint256) -> InboxItem:
    return self._items[containerId][node][index]


@external
@view
def items(containerId: bytes32, node: address, index: uint256) -> (uint32, uint32, uint32, Bytes[8192], Bytes[8192], Bytes[4096]):
    it: InboxItem = self._items[containerId][node][index]
    return it.timestamp, it.subscriptionId, it.interval, it.input, it.output, it.proof
