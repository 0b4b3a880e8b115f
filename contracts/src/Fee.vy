# pragma version ~=0.4.3
# @title Fee (Infernet SDK v1.1 interface): protocol fee in basis points and its recipient.

event OwnershipTransferred:
    oldOwner: indexed(address)
    newOwner: indexed(address)

FEE: public(uint16)
FEE_RECIPIENT: public(immutable(address))
owner: public(address)


@deploy
def __init__(feeRecipient: address, fee: uint16):
    assert fee <= 10000
    FEE_RECIPIENT = feeRecipient
    self.FEE = fee
    self.owner = msg.sender
    log OwnershipTransferred(oldOwner=empty(address), newOwner=msg.sender)


@external
def updateFee(newFee: uint16):
    if msg.sender != self.owner:
        raw_revert(method_id("Unauthorized()"))
    assert newFee <= 10000
    self.FEE = newFee


@external
def transferOwnership(newOwner: address):
    if msg.sender != self.owner:
        raw_revert(method_id("Unauthorized()"))
    log OwnershipTransferred(oldOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner
