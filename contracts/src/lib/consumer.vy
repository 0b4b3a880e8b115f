# pragma version ~=0.4.3
# @title Shared consumer state/helpers (a Vyper module used by the test and example consumers):
#        the SDK's BaseConsumer (coordinator-only rawReceiveCompute) plus a record of deliveries:
#        a count and the last output/node per subscription in storage, everything in ComputeReceived.

interface IRegistry:
    def COORDINATOR() -> address: view
    def INBOX() -> address: view

event ComputeReceived:
    subscriptionId: indexed(uint32)
    interval: indexed(uint32)
    redundancy: uint16
    node: indexed(address)
    input: Bytes[8192]
    output: Bytes[8192]
    proof: Bytes[4096]
    containerId: bytes32
    index: uint256

COORDINATOR: public(address)
INBOX: public(address)
owner: public(address)
receivedCount: public(HashMap[uint32, uint256])
lastOutput: public(HashMap[uint32, Bytes[8192]])
lastNode: public(HashMap[uint32, address])


@deploy
def __init__(registry: address):
    self.COORDINATOR = staticcall IRegistry(registry).COORDINATOR()
    self.INBOX = staticcall IRegistry(registry).INBOX()
    self.owner = msg.sender


@internal
def only_coordinator():
    if msg.sender != self.COORDINATOR:
        raw_revert(method_id("NotCoordinator()"))


@internal
def only_owner():
    if msg.sender != self.owner:
        raw_revert(method_id("Unauthorized()"))


@internal
def record(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    self.receivedCount[subscriptionId] += 1
    self.lastOutput[subscriptionId] = output
    self.lastNode[subscriptionId] = node
    log ComputeReceived(subscriptionId=subscriptionId, interval=interval, redundancy=redundancy, node=node, input=input, output=output, proof=proof, containerId=containerId, index=index)
