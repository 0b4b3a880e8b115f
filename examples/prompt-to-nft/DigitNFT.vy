# pragma version ~=0.4.3
# @title DigitNFT: the prompt-to-nft tutorial's consumer, in Vyper - an ERC-721 collection whose
#        tokens are minted by Infernet deliveries.
#        mint(prompt, to) subscribes once to the image container with abi.encode(prompt, to); a
#        node draws the image off-chain, stores it content-addressed and delivers
#        abi.encode(string uri, bytes32 sha256); rawReceiveCompute mints the next token to `to`
#        with that URI (tokenURI) and hash (contentHash), so anyone can fetch and check the image.
from interfaces import ICoordinator
import lib.consumer as base

initializes: base
exports: (base.COORDINATOR, base.receivedCount, base.lastOutput, base.lastNode)

interface IERC721Receiver:
    def onERC721Received(operator: address, sender: address, tokenId: uint256, data: Bytes[1024]) -> bytes4: nonpayable

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    tokenId: indexed(uint256)

event Approval:
    owner: indexed(address)
    approved: indexed(address)
    tokenId: indexed(uint256)

event ApprovalForAll:
    owner: indexed(address)
    operator: indexed(address)
    approved: bool

event MintRequested:
    subscriptionId: indexed(uint32)
    to: indexed(address)
    prompt: String[256]

event Minted:
    subscriptionId: indexed(uint32)
    tokenId: indexed(uint256)
    to: indexed(address)
    uri: String[256]
    contentHash: bytes32

SUPPORTED_INTERFACES: constant(bytes4[3]) = [0x01ffc9a7, 0x80ac58cd, 0x5b5e139f]  # ERC-165, ERC-721, metadata

name: public(String[32])
symbol: public(String[8])
containerId: public(String[64])
totalSupply: public(uint256)

owners: HashMap[uint256, address]
balanceOf: public(HashMap[address, uint256])
getApproved: public(HashMap[uint256, address])
isApprovedForAll: public(HashMap[address, HashMap[address, bool]])
uris: HashMap[uint256, String[256]]
contentHash: public(HashMap[uint256, bytes32])
promptOf: public(HashMap[uint256, String[256]])

# per request (subscription): who gets the token, what was asked, which token it became
recipient: public(HashMap[uint32, address])
requestPrompt: HashMap[uint32, String[256]]
requestInput: HashMap[uint32, Bytes[512]]
tokenOfSubscription: public(HashMap[uint32, uint256])
lastSubscription: public(uint32)


@deploy
def __init__(registry: address, containerId: String[64]):
    base.__init__(registry)
    self.name = "Infernet Digits"
    self.symbol = "DIGIT"
    self.containerId = containerId


# -- Infernet ---------------------------------------------------------------------------------

@external
def mint(prompt: String[256], to: address) -> uint32:
    """Asks for an image of `prompt` ("draw a 7"); the token goes to `to` when it is delivered."""
    assert to != empty(address), "mint to the zero address"
    sid: uint32 = extcall ICoordinator(base.COORDINATOR).createSubscription(self.containerId, 1, 0, 1, False, empty(address), 0, empty(address), empty(address))
    self.requestInput[sid] = abi_encode(prompt, to)
    self.requestPrompt[sid] = prompt
    self.recipient[sid] = to
    self.lastSubscription = sid
    log MintRequested(subscriptionId=sid, to=to, prompt=prompt)
    return sid


@external
@view
def getContainerInputs(subscriptionId: uint32, interval: uint32, timestamp: uint32, caller: address) -> Bytes[8192]:
    return self.requestInput[subscriptionId]


@external
def rawReceiveCompute(subscriptionId: uint32, interval: uint32, redundancy: uint16, node: address, input: Bytes[8192], output: Bytes[8192], proof: Bytes[4096], containerId: bytes32, index: uint256):
    base.only_coordinator()
    base.record(subscriptionId, interval, redundancy, node, input, output, proof, containerId, index)
    if self.tokenOfSubscription[subscriptionId] != 0:
        return      # one token per request
    raw: Bytes[4032] = b""
    processed: Bytes[4032] = b""
    raw, processed = abi_decode(output, (Bytes[4032], Bytes[4032]))
    uri: String[256] = ""
    digest: bytes32 = empty(bytes32)
    uri, digest = abi_decode(raw, (String[256], bytes32))
    tokenId: uint256 = self.totalSupply + 1
    to: address = self.recipient[subscriptionId]
    self.totalSupply = tokenId
    self.owners[tokenId] = to
    self.balanceOf[to] += 1
    self.uris[tokenId] = uri
    self.contentHash[tokenId] = digest
    self.promptOf[tokenId] = self.requestPrompt[subscriptionId]
    self.tokenOfSubscription[subscriptionId] = tokenId
    log Transfer(sender=empty(address), receiver=to, tokenId=tokenId)
    log Minted(subscriptionId=subscriptionId, tokenId=tokenId, to=to, uri=uri, contentHash=digest)


# -- ERC-721 ----------------------------------------------------------------------------------

@external
@view
def supportsInterface(interfaceId: bytes4) -> bool:
    return interfaceId in SUPPORTED_INTERFACES


@external
@view
def ownerOf(tokenId: uint256) -> address:
    owner: address = self.owners[tokenId]
    assert owner != empty(address), "no such token"
    return owner


@external
@view
def tokenURI(tokenId: uint256) -> String[256]:
    assert self.owners[tokenId] != empty(address), "no such token"
    return self.uris[tokenId]


@internal
def _transfer(sender: address, receiver: address, tokenId: uint256):
    owner: address = self.owners[tokenId]
    assert owner != empty(address), "no such token"
    assert owner == sender, "sender is not the owner"
    assert receiver != empty(address), "transfer to the zero address"
    assert msg.sender == owner or msg.sender == self.getApproved[tokenId] or self.isApprovedForAll[owner][msg.sender], "not owner nor approved"
    self.getApproved[tokenId] = empty(address)
    self.balanceOf[sender] -= 1
    self.balanceOf[receiver] += 1
    self.owners[tokenId] = receiver
    log Transfer(sender=sender, receiver=receiver, tokenId=tokenId)


@external
def transferFrom(sender: address, receiver: address, tokenId: uint256):
    self._transfer(sender, receiver, tokenId)


@external
def safeTransferFrom(sender: address, receiver: address, tokenId: uint256, data: Bytes[1024] = b""):
    self._transfer(sender, receiver, tokenId)
    if receiver.is_contract:
        answer: bytes4 = extcall IERC721Receiver(receiver).onERC721Received(msg.sender, sender, tokenId, data)
        assert answer == method_id("onERC721Received(address,address,uint256,bytes)", output_type=bytes4), "receiver refused the token"


@external
def approve(approved: address, tokenId: uint256):
    owner: address = self.owners[tokenId]
    assert owner != empty(address), "no such token"
    assert msg.sender == owner or self.isApprovedForAll[owner][msg.sender], "not owner nor operator"
    self.getApproved[tokenId] = approved
    log Approval(owner=owner, approved=approved, tokenId=tokenId)


@external
def setApprovalForAll(operator: address, approved: bool):
    self.isApprovedForAll[msg.sender][operator] = approved
    log ApprovalForAll(owner=msg.sender, operator=operator, approved=approved)
