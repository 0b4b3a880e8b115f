# pragma version ~=0.4.3
# @title Prompter: the TGI tutorial's consumer, in Vyper.
#        promptLLM(prompt) subscribes once to the text-generation-inference client container with
#        the prompt as abi.encode(string); the node calls the TGI server's /generate off-chain and
#        delivers abi.encode(string generated_text), which is stored per request.
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.receivedCount, base.lastOutput, base.lastNode)

containerId: public(String[64])

requestInput: HashMap[uint32, Bytes[2048]]
prompt: public(HashMap[uint32, String[1024]])
generatedText: public(HashMap[uint32, String[3968]])
lastSubscription: public(uint32)

event PromptSent:
    subscriptionId: indexed(uint32)
    requester: indexed(address)
    prompt: String[1024]

event TextReceived:
    subscriptionId: indexed(uint32)
    node: indexed(address)
    text: String[3968]


@deploy
def __init__(registry: address, containerId: String[64]):
    base.__init__(registry)
    self.containerId = containerId


@external
def promptLLM(prompt: String[1024]) -> uint32:
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(self.containerId, 1, 0, 1, False, empty(address), 0, empty(address), empty(address))
    self.requestInput[sid] = abi_encode(prompt)
    self.prompt[sid] = prompt
    self.lastSubscription = sid
    log PromptSent(subscriptionId=sid, requester=msg.sender, prompt=prompt)
    return sid


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    return self.requestInput[subscriptionId]


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
    # abi.encode(bytes raw_output, bytes processed_output); raw_output = abi.encode(string)
    raw: Bytes[4032] = b""
    processed: Bytes[4032] = b""
    raw, processed = abi_decode(output, (Bytes[4032], Bytes[4032]))
    text: String[3968] = abi_decode(raw, String[3968])
    self.generatedText[subscriptionId] = text
    log TextReceived(subscriptionId=subscriptionId, node=node, text=text)
