# pragma version ~=0.4.3
# @title EzklVerifier: the SDK verifier interface over an EZKL Halo2 verifier contract (compiled
#        from ezkl's Halo2Verifier.sol by contracts/yul). Atomic: requestProofVerification calls
#        the Halo2 verifier with the delivered proof (its verifyProof calldata) and finalizes at once:
#        valid pays the node, invalid slashes its collateral.
from interfaces import ICoordinator

interface IRegistry:
    def COORDINATOR() -> address: view

event TokenConfigured:
    token: indexed(address)
    supported: bool
    fee: uint256

COORDINATOR: immutable(address)
HALO2: public(immutable(address))
owner: public(address)
wallet: address
supported: HashMap[address, bool]
fees: HashMap[address, uint256]


@deploy
def __init__(registry: address, wallet: address, halo2: address):
    COORDINATOR = staticcall IRegistry(registry).COORDINATOR()
    HALO2 = halo2
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
@view
def _isValid(proof: Bytes[4096]) -> bool:
    # the Halo2 verifier returns 1 for a valid proof and reverts otherwise
    if len(proof) < 4:
        return False
    ok: bool = False
    result: Bytes[32] = b""
    ok, result = raw_call(HALO2, proof, max_outsize=32, is_static_call=True, revert_on_failure=False)
    if not ok or len(result) != 32:
        return False
    return convert(result, uint256) == 1


@external
@view
def isValidProof(proof: Bytes[4096]) -> bool:
    return self._isValid(proof)


@external
@payable
def __default__():
    pass


@external
def requestProofVerification(subscriptionId: uint32, interval: uint32, node: address, proof: Bytes[4096]):
    if msg.sender != COORDINATOR:
        raw_revert(method_id("NotCoordinator()"))
    extcall ICoordinator(COORDINATOR).finalizeProofVerification(subscriptionId, interval, node, self._isValid(proof))
