# pragma version ~=0.4.3
# @title IrisProofConsumer: an example consumer that asks for an iris classification with a proof
#        and accepts the delivered answer only if it is the one the proof proves.
#        The verifier contract checks the proof but never sees the output, so this check is the
#        consumer's: the proof calldata is verifyProof(bytes proof, uint256[] instances) and its
#        public values are the inputs then the outputs, field elements (> p/2 means negative) at
#        2^scale. The EZKL service delivers output = abi.encode(bytes raw, bytes processed) with
#        processed = abi.encode(int256[] outputs) and input's processed = abi.encode(int256[] inputs).
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.INBOX, base.owner, base.receivedCount, base.lastOutput, base.lastNode)

FIELD: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617
HALF: constant(uint256) = FIELD // 2
MAX_VALUES: constant(uint256) = 22  # public values (inputs + outputs) this example handles

event Accepted:
    subscriptionId: indexed(uint32)
    label: uint256

event Rejected:
    subscriptionId: indexed(uint32)
    reason: String[64]

containerId: public(String[1024])
subscriptionInputs: HashMap[uint32, Bytes[8192]]
# 0 nothing yet, 1 accepted, 2 rejected
status: public(HashMap[uint32, uint8])
label: public(HashMap[uint32, uint256])
provedOutputs: public(HashMap[uint32, DynArray[int256, MAX_VALUES]])


@deploy
def __init__(registry: address, containerId: String[1024]):
    base.__init__(registry)
    self.containerId = containerId


@external
def requestClassification(inputs: Bytes[8192], paymentToken: address, paymentAmount: uint256, wallet: address, verifier: address) -> uint32:
    """inputs: abi.encode(bytes modelId, bytes vector) of the four features (the services' codec)."""
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(self.containerId, 1, 0, 1, False, paymentToken, paymentAmount, wallet, verifier)
    self.subscriptionInputs[sid] = inputs
    return sid


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    return self.subscriptionInputs[subscriptionId]


@internal
@pure
def _signed(felt: uint256) -> int256:
    if felt > HALF:
        return -convert(FIELD - felt, int256)
    return convert(felt, int256)


@internal
def _reject(subscriptionId: uint32, reason: String[64]):
    self.status[subscriptionId] = 2
    log Rejected(subscriptionId=subscriptionId, reason=reason)


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
    if len(proof) < 4 + 128 or len(output) < 128 or len(input) < 128:
        self._reject(subscriptionId, "missing proof, input or output")
        return
    instances: DynArray[uint256, MAX_VALUES] = (abi_decode(slice(proof, 4, len(proof) - 4), (Bytes[3200], DynArray[uint256, MAX_VALUES])))[1]
    processedOutput: Bytes[4000] = (abi_decode(output, (Bytes[4000], Bytes[4000])))[1]
    processedInput: Bytes[4000] = (abi_decode(input, (Bytes[4000], Bytes[4000])))[1]
    outputs: DynArray[int256, MAX_VALUES] = abi_decode(processedOutput, DynArray[int256, MAX_VALUES])
    inputs: DynArray[int256, MAX_VALUES] = abi_decode(processedInput, DynArray[int256, MAX_VALUES])
    if len(inputs) + len(outputs) != len(instances) or len(outputs) == 0:
        self._reject(subscriptionId, "public values do not match the delivery")
        return
    for i: uint256 in range(MAX_VALUES):
        if i >= len(inputs):
            break
        if self._signed(instances[i]) != inputs[i]:
            self._reject(subscriptionId, "input differs from the proved input")
            return
    best: uint256 = 0
    for i: uint256 in range(MAX_VALUES):
        if i >= len(outputs):
            break
        if self._signed(instances[len(inputs) + i]) != outputs[i]:
            self._reject(subscriptionId, "output differs from the proved output")
            return
        if outputs[i] > outputs[best]:
            best = i
    self.provedOutputs[subscriptionId] = outputs
    self.label[subscriptionId] = best
    self.status[subscriptionId] = 1
    log Accepted(subscriptionId=subscriptionId, label=best)
