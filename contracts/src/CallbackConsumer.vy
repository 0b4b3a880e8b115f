# pragma version ~=0.4.3
# @title CallbackConsumer: a test/example consumer of one-shot requests (SDK CallbackConsumer).
#        requestCompute() creates the subscription; the node reads the stored inputs through
#        getContainerInputs and delivers to rawReceiveCompute, which records the result.
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.INBOX, base.owner, base.receivedCount, base.lastOutput, base.lastNode)

subscriptionInputs: HashMap[uint32, Bytes[8192]]
inputs: public(Bytes[8192])


@deploy
def __init__(registry: address):
    base.__init__(registry)


@external
def requestCompute(containerId: String[1024], inputs: Bytes[8192], redundancy: uint16, paymentToken: address, paymentAmount: uint256, wallet: address, verifier: address) -> uint32:
    """The SDK CallbackConsumer._requestCompute: a one-shot subscription (frequency 1, period 0)."""
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(containerId, 1, 0, redundancy, False, paymentToken, paymentAmount, wallet, verifier)
    self.subscriptionInputs[sid] = inputs
    return sid


@external
def setInputs(inputs: Bytes[8192]):
    """Inputs served to the node by getContainerInputs for recurring subscriptions."""
    self.inputs = inputs


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    if len(self.subscriptionInputs[subscriptionId]) > 0:
        return self.subscriptionInputs[subscriptionId]
    if len(self.inputs) > 0:
        return self.inputs
    return abi_encode(subscriptionId, interval, timestamp, caller)


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
