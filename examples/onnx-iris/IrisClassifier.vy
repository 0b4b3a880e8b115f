# pragma version ~=0.4.3
# @title IrisClassifier: the ONNX/Torch iris tutorials' consumer, in Vyper.
#        classify(features) builds the inference request on chain - the model id and the four
#        iris measurements (in millimetres) as an int64 vector in the Ritual vector encoding,
#        asking for the output in fixed point (6 decimals) - and subscribes once to the model's
#        container. The node runs the model off-chain and delivers the class probabilities;
#        rawReceiveCompute decodes them and stores them with the predicted class (argmax).
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.receivedCount, base.lastOutput, base.lastNode)

# the output encoding asked of the service: fixed point (arithmetic 1) with 6 decimals
FIXED_POINT: constant(uint8) = 1
DECIMALS: constant(uint8) = 6
INT64: constant(uint8) = 8          # the Ritual vector dtype code of int64

containerId: public(String[64])
# abi.encode(bytes repo, string files) of the model (see services/README.md, "Models")
modelId: public(Bytes[1024])

requestInput: HashMap[uint32, Bytes[2048]]
features: public(HashMap[uint32, int64[4]])
classified: public(HashMap[uint32, bool])
predictedClass: public(HashMap[uint32, uint8])
probabilityOf: HashMap[uint32, int128[3]]
lastSubscription: public(uint32)

event IrisRequested:
    subscriptionId: indexed(uint32)
    features: int64[4]

event IrisClassified:
    subscriptionId: indexed(uint32)
    predictedClass: uint8
    probabilities: int128[3]


@deploy
def __init__(registry: address, containerId: String[64], modelId: Bytes[1024]):
    base.__init__(registry)
    self.containerId = containerId
    self.modelId = modelId


@external
def classify(featuresMm: int64[4]) -> uint32:
    """Sepal length, sepal width, petal length, petal width in millimetres."""
    shape: DynArray[uint16, 2] = [1, 4]
    values: DynArray[int64, 4] = [featuresMm[0], featuresMm[1], featuresMm[2], featuresMm[3]]
    # abi.encode(uint8 arithmetic, uint8 scale, uint8 dtype, uint16[] shape, int64[] values): IEEE (0), int64
    vector: Bytes[512] = abi_encode(convert(0, uint8), convert(0, uint8), INT64, shape, values)
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(self.containerId, 1, 0, 1, False, empty(address), 0, empty(address), empty(address))
    self.requestInput[sid] = abi_encode(self.modelId, vector, FIXED_POINT, DECIMALS)
    self.features[sid] = featuresMm
    self.lastSubscription = sid
    log IrisRequested(subscriptionId=sid, features=featuresMm)
    return sid


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    return self.requestInput[subscriptionId]


@external
@view
def probabilities(subscriptionId: uint32) -> int128[3]:
    """setosa, versicolor, virginica, times 10**6."""
    return self.probabilityOf[subscriptionId]


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
    # the node delivers abi.encode(bytes raw_output, bytes processed_output)
    raw: Bytes[4032] = b""
    processed: Bytes[4032] = b""
    raw, processed = abi_decode(output, (Bytes[4032], Bytes[4032]))
    # raw_output: the probabilities vector, abi.encode(uint8, uint8, uint8, uint16[], int128[])
    arithmetic: uint8 = 0
    scale: uint8 = 0
    dtype: uint8 = 0
    shape: DynArray[uint16, 4] = []
    values: DynArray[int128, 16] = []
    arithmetic, scale, dtype, shape, values = abi_decode(raw, (uint8, uint8, uint8, DynArray[uint16, 4], DynArray[int128, 16]))
    assert arithmetic == FIXED_POINT and scale == DECIMALS, "not the fixed-point output asked for"
    assert len(values) == 3, "expected three class probabilities"
    best: uint8 = 0
    for i: uint8 in range(1, 3):
        if values[i] > values[best]:
            best = i
    self.predictedClass[subscriptionId] = best
    self.probabilityOf[subscriptionId] = [values[0], values[1], values[2]]
    self.classified[subscriptionId] = True
    log IrisClassified(subscriptionId=subscriptionId, predictedClass=best, probabilities=[values[0], values[1], values[2]])
