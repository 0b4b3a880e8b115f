# pragma version ~=0.4.3
# @title DelegatorConsumer: a subscription consumer whose subscriptions can be created off-chain
#        by an EIP-712 signature of getSigner() (SDK Delegator).
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.INBOX, base.owner, base.receivedCount, base.lastOutput, base.lastNode)

subscriptionInputs: HashMap[uint32, Bytes[8192]]
inputs: public(Bytes[8192])

signer: address


@deploy
def __init__(registry: address, signer: address):
    base.__init__(registry)
    self.signer = signer


@external
@view
def getSigner() -> address:
    return self.signer


@external
def setSigner(newSigner: address):
    base.only_owner()
    self.signer = newSigner


@external
def createComputeSubscription(containerId: String[1024], frequency: uint32, period: uint32, redundancy: uint16, lazy: bool, paymentToken: address, paymentAmount: uint256, wallet: address, verifier: address) -> uint32:
    """The SDK SubscriptionConsumer._createComputeSubscription."""
    return extcall ICoordinator(base.COORDINATOR).createSubscription(containerId, frequency, period, redundancy, lazy, paymentToken, paymentAmount, wallet, verifier)


@external
def cancelComputeSubscription(subscriptionId: uint32):
    """The SDK SubscriptionConsumer._cancelComputeSubscription."""
    extcall ICoordinator(base.COORDINATOR).cancelSubscription(subscriptionId)


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
