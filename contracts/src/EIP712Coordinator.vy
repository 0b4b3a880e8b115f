# pragma version ~=0.4.3
# @title EIP712Coordinator (Infernet SDK v1.1 interface)
# @notice Subscriptions, deliveries, payments, proof verification and EIP-712 delegated
#         subscriptions. Errors are raised as Solidity custom errors (4-byte selector revert data).
# Size limits of this implementation: containerId <= 1024 bytes, input/output <= 8192 bytes,
# proof <= 4096 bytes.

interface IRegistry:
    def INBOX() -> address: view
    def FEE() -> address: view
    def WALLET_FACTORY() -> address: view

interface IFee:
    def FEE() -> uint16: view
    def FEE_RECIPIENT() -> address: view

interface IWalletFactory:
    def isValidWallet(wallet: address) -> bool: view

interface IWallet:
    def cTransfer(spender: address, token: address, to: address, amount: uint256): nonpayable
    def cLock(spender: address, token: address, amount: uint256): nonpayable
    def cUnlock(spender: address, token: address, amount: uint256): nonpayable

interface IVerifier:
    def getWallet() -> address: view
    def isSupportedToken(token: address) -> bool: view
    def fee(token: address) -> uint256: view
    def requestProofVerification(subscriptionId: uint32, interval: uint32, node: address, proof: Bytes[4096]): nonpayable

interface IInbox:
    def writeViaCoordinator(containerId: bytes32, node: address, subscriptionId: uint32, interval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096]) -> uint256: nonpayable

interface IDelegator:
    def getSigner() -> address: view

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

struct ProofRequest:
    expiry: uint32
    nodeWallet: address
    consumerEscrowed: uint256

event SubscriptionCreated:
    id: indexed(uint32)

event SubscriptionCancelled:
    id: indexed(uint32)

event SubscriptionFulfilled:
    id: indexed(uint32)
    node: indexed(address)

event ProofVerified:
    id: indexed(uint32)
    interval: indexed(uint32)
    node: indexed(address)
    active: bool
    verifier: address
    valid: bool

EIP712_NAME: public(constant(String[19])) = "InfernetCoordinator"
EIP712_VERSION: public(constant(String[1])) = "1"
DOMAIN_TYPEHASH: constant(bytes32) = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
SUBSCRIPTION_TYPEHASH: constant(bytes32) = keccak256("Subscription(address owner,uint32 activeAt,uint32 period,uint32 frequency,uint16 redundancy,bytes32 containerId,bool lazy,address verifier,uint256 paymentAmount,address paymentToken,address wallet)")
DELEGATE_SUBSCRIPTION_TYPEHASH: constant(bytes32) = keccak256("DelegateSubscription(uint32 nonce,uint32 expiry,Subscription sub)Subscription(address owner,uint32 activeAt,uint32 period,uint32 frequency,uint16 redundancy,bytes32 containerId,bool lazy,address verifier,uint256 paymentAmount,address paymentToken,address wallet)")
PROOF_WINDOW: constant(uint256) = 604800  # 1 week
MAX_UINT32: constant(uint32) = max_value(uint32)

INBOX: immutable(address)
FEE: immutable(address)
WALLET_FACTORY: immutable(address)

id: public(uint32)
subscriptions: HashMap[uint32, Subscription]
nodeResponded: public(HashMap[bytes32, bool])
redundancyCount: public(HashMap[bytes32, uint16])
_proofRequests: HashMap[bytes32, ProofRequest]
maxSubscriberNonce: public(HashMap[address, uint32])
delegateCreatedIds: public(HashMap[bytes32, uint32])
_locked: transient(bool)


@deploy
def __init__(registry: address):
    INBOX = staticcall IRegistry(registry).INBOX()
    FEE = staticcall IRegistry(registry).FEE()
    WALLET_FACTORY = staticcall IRegistry(registry).WALLET_FACTORY()
    self.id = 1


# ------------------------------------------------------------------ views
@external
@view
def getSubscription(subscriptionId: uint32) -> Subscription:
    return self.subscriptions[subscriptionId]


@external
@view
def proofRequests(key: bytes32) -> (uint32, address, uint256):
    r: ProofRequest = self._proofRequests[key]
    return r.expiry, r.nodeWallet, r.consumerEscrowed


@internal
@view
def _interval(activeAt: uint32, period: uint32) -> uint32:
    if period == 0:
        return 1
    return convert((block.timestamp - convert(activeAt, uint256)) // convert(period, uint256) + 1, uint32)


@external
@view
def getSubscriptionInterval(activeAt: uint32, period: uint32) -> uint32:
    return self._interval(activeAt, period)


# ------------------------------------------------------------------ subscriptions
@internal
def _store(sub: Subscription) -> uint32:
    sid: uint32 = self.id
    self.subscriptions[sid] = sub
    self.id = sid + 1
    log SubscriptionCreated(id=sid)
    return sid


@external
def createSubscription(containerId: String[1024], frequency: uint32, period: uint32, redundancy: uint16, lazy: bool, paymentToken: address, paymentAmount: uint256, wallet: address, verifier: address) -> uint32:
    sub: Subscription = Subscription(
        owner=msg.sender,
        activeAt=convert(block.timestamp + convert(period, uint256), uint32),
        period=period,
        frequency=frequency,
        redundancy=redundancy,
        containerId=keccak256(abi_encode(containerId)),
        lazy=lazy,
        verifier=verifier,
        paymentAmount=paymentAmount,
        paymentToken=paymentToken,
        wallet=wallet,
    )
    return self._store(sub)


@external
def cancelSubscription(subscriptionId: uint32):
    if self.subscriptions[subscriptionId].owner != msg.sender:
        raw_revert(method_id("NotSubscriptionOwner()"))
    self.subscriptions[subscriptionId].activeAt = MAX_UINT32
    log SubscriptionCancelled(id=subscriptionId)


# ------------------------------------------------------------------ EIP-712 delegation
@internal
@view
def _domainSeparator() -> bytes32:
    return keccak256(abi_encode(DOMAIN_TYPEHASH, keccak256(EIP712_NAME), keccak256(EIP712_VERSION), chain.id, self))


@internal
@view
def _digest(nonce: uint32, expiry: uint32, sub: Subscription) -> bytes32:
    subHash: bytes32 = keccak256(abi_encode(SUBSCRIPTION_TYPEHASH, sub.owner, sub.activeAt, sub.period, sub.frequency,
        sub.redundancy, sub.containerId, sub.lazy, sub.verifier, sub.paymentAmount, sub.paymentToken, sub.wallet))
    structHash: bytes32 = keccak256(abi_encode(DELEGATE_SUBSCRIPTION_TYPEHASH, nonce, expiry, subHash))
    return keccak256(concat(b"\x19\x01", self._domainSeparator(), structHash))


@internal
def _createDelegatee(nonce: uint32, expiry: uint32, sub: Subscription, v: uint8, r: bytes32, s: bytes32) -> uint32:
    key: bytes32 = keccak256(abi_encode(sub.owner, nonce))
    existing: uint32 = self.delegateCreatedIds[key]
    if existing != 0:
        return existing
    if block.timestamp >= convert(expiry, uint256):
        raw_revert(method_id("SignatureExpired()"))
    recovered: address = ecrecover(self._digest(nonce, expiry, sub), v, r, s)
    if recovered == empty(address):
        raw_revert(method_id("InvalidSignature()"))
    if recovered != staticcall IDelegator(sub.owner).getSigner():
        raw_revert(method_id("SignerMismatch()"))
    sid: uint32 = self._store(sub)
    self.delegateCreatedIds[key] = sid
    if nonce > self.maxSubscriberNonce[sub.owner]:
        self.maxSubscriberNonce[sub.owner] = nonce
    return sid


@external
def createSubscriptionDelegatee(nonce: uint32, expiry: uint32, sub: Subscription, v: uint8, r: bytes32, s: bytes32) -> uint32:
    return self._createDelegatee(nonce, expiry, sub, v, r, s)


# ------------------------------------------------------------------ delivery
@internal
def _pay(sid: uint32, interval: uint32, sub: Subscription, nodeWallet: address, proof: Bytes[4096]):
    if not staticcall IWalletFactory(WALLET_FACTORY).isValidWallet(nodeWallet) or not staticcall IWalletFactory(WALLET_FACTORY).isValidWallet(sub.wallet):
        raw_revert(method_id("InvalidWallet()"))
    f: uint256 = convert(staticcall IFee(FEE).FEE(), uint256)
    recipient: address = staticcall IFee(FEE).FEE_RECIPIENT()
    P: uint256 = sub.paymentAmount
    token: address = sub.paymentToken
    protocolFee: uint256 = P * 2 * f // 10000
    if sub.verifier == empty(address):
        if protocolFee > 0:
            extcall IWallet(sub.wallet).cTransfer(sub.owner, token, recipient, protocolFee)
        extcall IWallet(sub.wallet).cTransfer(sub.owner, token, nodeWallet, P - protocolFee)
        return
    if not staticcall IVerifier(sub.verifier).isSupportedToken(token):
        raw_revert(method_id("UnsupportedVerifierToken()"))
    V: uint256 = staticcall IVerifier(sub.verifier).fee(token)
    verifierProtocolFee: uint256 = V * f // 10000
    if protocolFee + verifierProtocolFee > 0:
        extcall IWallet(sub.wallet).cTransfer(sub.owner, token, recipient, protocolFee + verifierProtocolFee)
    if V - verifierProtocolFee > 0:
        extcall IWallet(sub.wallet).cTransfer(sub.owner, token, staticcall IVerifier(sub.verifier).getWallet(), V - verifierProtocolFee)
    # node collateral, spent from the allowance the node gave its own EOA
    extcall IWallet(nodeWallet).cLock(msg.sender, token, P)
    escrow: uint256 = P - protocolFee - V
    extcall IWallet(sub.wallet).cLock(sub.owner, token, escrow)
    key: bytes32 = keccak256(abi_encode(sid, interval, msg.sender))
    self._proofRequests[key] = ProofRequest(expiry=convert(block.timestamp + PROOF_WINDOW, uint32), nodeWallet=nodeWallet, consumerEscrowed=escrow)
    extcall IVerifier(sub.verifier).requestProofVerification(sid, interval, msg.sender, proof)


@internal
def _deliver(sid: uint32, deliveryInterval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], nodeWallet: address):
    sub: Subscription = self.subscriptions[sid]
    if sub.owner == empty(address):
        raw_revert(method_id("SubscriptionNotFound()"))
    if block.timestamp < convert(sub.activeAt, uint256):
        raw_revert(method_id("SubscriptionNotActive()"))
    interval: uint32 = self._interval(sub.activeAt, sub.period)
    if interval != deliveryInterval:
        raw_revert(method_id("IntervalMismatch()"))
    if interval > sub.frequency:
        raw_revert(method_id("SubscriptionCompleted()"))
    rkey: bytes32 = keccak256(abi_encode(sid, interval))
    count: uint16 = self.redundancyCount[rkey]
    if count == sub.redundancy:
        raw_revert(method_id("IntervalCompleted()"))
    count += 1
    self.redundancyCount[rkey] = count
    nkey: bytes32 = keccak256(abi_encode(sid, interval, msg.sender))
    if self.nodeResponded[nkey]:
        raw_revert(method_id("NodeRespondedAlready()"))
    self.nodeResponded[nkey] = True
    if sub.paymentAmount > 0:
        self._pay(sid, interval, sub, nodeWallet, proof)
    data: Bytes[20868] = b""
    if sub.lazy:
        index: uint256 = extcall IInbox(INBOX).writeViaCoordinator(sub.containerId, msg.sender, sid, interval, input, output, proof)
        data = abi_encode(sid, interval, count, msg.sender, b"", b"", b"", sub.containerId, index,
            method_id=method_id("rawReceiveCompute(uint32,uint32,uint16,address,bytes,bytes,bytes,bytes32,uint256)"))
    else:
        data = abi_encode(sid, interval, count, msg.sender, input, output, proof, empty(bytes32), empty(uint256),
            method_id=method_id("rawReceiveCompute(uint32,uint32,uint16,address,bytes,bytes,bytes,bytes32,uint256)"))
    ok: bool = False
    response: Bytes[1024] = b""
    ok, response = raw_call(sub.owner, data, max_outsize=1024, revert_on_failure=False)
    if not ok:
        raw_revert(response)  # bubble the consumer's revert data
    log SubscriptionFulfilled(id=sid, node=msg.sender)


@internal
def _enter():
    if self._locked:
        raw_revert(method_id("Reentrancy()"))
    self._locked = True


@external
def deliverCompute(subscriptionId: uint32, deliveryInterval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], nodeWallet: address):
    self._enter()
    self._deliver(subscriptionId, deliveryInterval, input, output, proof, nodeWallet)
    self._locked = False


@external
def deliverComputeDelegatee(nonce: uint32, expiry: uint32, sub: Subscription, v: uint8, r: bytes32, s: bytes32, deliveryInterval: uint32, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], nodeWallet: address):
    self._enter()
    sid: uint32 = self._createDelegatee(nonce, expiry, sub, v, r, s)
    self._deliver(sid, deliveryInterval, input, output, proof, nodeWallet)
    self._locked = False


# ------------------------------------------------------------------ proofs
@external
def finalizeProofVerification(subscriptionId: uint32, interval: uint32, node: address, valid: bool):
    key: bytes32 = keccak256(abi_encode(subscriptionId, interval, node))
    req: ProofRequest = self._proofRequests[key]
    if req.expiry == 0:
        raw_revert(method_id("ProofRequestNotFound()"))
    sub: Subscription = self.subscriptions[subscriptionId]
    active: bool = block.timestamp < convert(req.expiry, uint256)
    if active and msg.sender != sub.verifier:
        raw_revert(method_id("UnauthorizedVerifier()"))
    self._proofRequests[key] = empty(ProofRequest)
    extcall IWallet(sub.wallet).cUnlock(sub.owner, sub.paymentToken, req.consumerEscrowed)
    extcall IWallet(req.nodeWallet).cUnlock(node, sub.paymentToken, sub.paymentAmount)
    if valid or not active:
        extcall IWallet(sub.wallet).cTransfer(sub.owner, sub.paymentToken, req.nodeWallet, req.consumerEscrowed)
    else:
        extcall IWallet(req.nodeWallet).cTransfer(node, sub.paymentToken, sub.wallet, sub.paymentAmount)
    log ProofVerified(id=subscriptionId, interval=interval, node=node, active=active, verifier=msg.sender, valid=valid)
