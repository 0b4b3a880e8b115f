# pragma version ~=0.4.3
# @title AtomicVerifier: verifies a proof inside requestProofVerification and finalizes at once.
#        Test rule: valid iff the proof is non-empty and does not start with 0x00.
from interfaces import ICoordinator

interface IRegistry:
    def COORDINATOR() -> address: view

event TokenConfigured:
    token: indexed(address)
    supported: bool
    fee: uint256

COORDINATOR: immutable(address)
owner: public(address)
wallet: address
supported: HashMap[address, bool]
fees: HashMap[address, uint256]


@deploy
def __init__(registry: address, wallet: address):
    COORDINATOR = staticcall IRegistry(registry).COORDINATOR()
    self.owner = msg.sender
    self.wallet = wallet


@external
@view
def getWallet() -> address:
    return self.wallet


@external
@view
def isSupportedToken(token: address) -> bool:
    return self.supported[token]


@external
@view
def fee(token: address) -> uint256:
    return self.fees[token]


@external
def setToken(token: address, supported: bool, fee: uint256):
    if msg.sender != self.owner:
        raw_revert(method_id("Unauthorized()"))
    self.supported[token] = supported
    self.fees[token] = fee
    log TokenConfigured(token=token, supported=supported, fee=fee)


@internal
@pure
def _isValid(proof: Bytes[4096]) -> bool:
    # the test rule: a proof is valid iff it is non-empty and its first byte is not 0x00
    if len(proof) == 0:
        return False
    return convert(slice(proof, 0, 1), bytes1) != 0x00


@external
@payable
def __default__():
    pass


@external
def requestProofVerification(subscriptionId: uint32, interval: uint32, node: address, proof: Bytes[4096]):
    if msg.sender != COORDINATOR:
        raw_revert(method_id("NotCoordinator()"))
    extcall ICoordinator(COORDINATOR).finalizeProofVerification(subscriptionId, interval, node, self._isValid(proof))
