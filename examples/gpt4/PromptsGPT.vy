# pragma version ~=0.4.3
# @title PromptsGPT: the GPT-4 tutorial's consumer, in Vyper.
#        promptGPT(prompt) subscribes once to the closed-source-model container with the CSS
#        service's on-chain request, abi.encode(uint8 provider, uint8 endpoint, string model,
#        (string role, string content)[] messages); the node calls OpenAI's chat completions
#        API off-chain and delivers abi.encode(string completion), which is stored per request.
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.receivedCount, base.lastOutput, base.lastNode)

OPENAI: constant(uint8) = 0          # CSS provider codes: OPENAI 0, GOOSEAI 1, PERPLEXITYAI 2
COMPLETIONS: constant(uint8) = 0      # CSS endpoint codes: completions 0 (embeddings are off-chain only)
SYSTEM_PROMPT: constant(String[64]) = "You are a helpful assistant."

struct Message:
    role: String[16]
    content: String[1024]

containerId: public(String[64])
model: public(String[64])

requestInput: HashMap[uint32, Bytes[4096]]
prompt: public(HashMap[uint32, String[1024]])
completion: public(HashMap[uint32, String[3968]])
lastSubscription: public(uint32)

event PromptSent:
    subscriptionId: indexed(uint32)
    requester: indexed(address)
    prompt: String[1024]

event CompletionReceived:
    subscriptionId: indexed(uint32)
    node: indexed(address)
    completion: String[3968]


@deploy
def __init__(registry: address, containerId: String[64], model: String[64]):
    base.__init__(registry)
    self.containerId = containerId
    self.model = model


@external
def promptGPT(prompt: String[1024]) -> uint32:
    messages: DynArray[Message, 2] = [Message(role="system", content=SYSTEM_PROMPT), Message(role="user", content=prompt)]
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(self.containerId, 1, 0, 1, False, empty(address), 0, empty(address), empty(address))
    self.requestInput[sid] = abi_encode(OPENAI, COMPLETIONS, self.model, messages)
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
    self.completion[subscriptionId] = text
    log CompletionReceived(subscriptionId=subscriptionId, node=node, completion=text)
