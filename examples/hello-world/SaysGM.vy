# pragma version ~=0.4.3
# @title SaysGM: the hello-world tutorial's consumer, in Vyper.
#        sayGM() asks the Infernet coordinator for one run of the "hello-world" container with
#        the input "Good morning!"; a node runs the container off-chain and delivers its output
#        to rawReceiveCompute, which keeps it (greeting(id)) and logs it.
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.receivedCount, base.lastOutput, base.lastNode)

CONTAINER: constant(String[32]) = "hello-world"

# what each subscription asked for, served to the node by getContainerInputs
requestInput: public(HashMap[uint32, Bytes[1024]])
# the container's output, as delivered (the node abi-encodes the container's JSON as a string)
greeting: public(HashMap[uint32, Bytes[8192]])

event GoodMorningRequested:
    subscriptionId: indexed(uint32)
    requester: indexed(address)

event GoodMorningReceived:
    subscriptionId: indexed(uint32)
    node: indexed(address)
    output: Bytes[8192]


@deploy
def __init__(registry: address):
    base.__init__(registry)


@external
def sayGM(message: String[1024]) -> uint32:
    """One run of the hello-world container (frequency 1, period 0: a callback), redundancy 1,
    no payment, no proof."""
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(CONTAINER, 1, 0, 1, False, empty(address), 0, empty(address), empty(address))
    self.requestInput[sid] = convert(message, Bytes[1024])
    log GoodMorningRequested(subscriptionId=sid, requester=msg.sender)
    return sid


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    return self.requestInput[subscriptionId]


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
    self.greeting[subscriptionId] = output
    log GoodMorningReceived(subscriptionId=subscriptionId, node=node, output=output)
