# pragma version ~=0.4.3
# @title Wallet (Infernet SDK v1.1 interface): an owned ETH/ERC-20 wallet the coordinator can
#        charge (cTransfer) and escrow (cLock/cUnlock) within allowances set by its owner.
#        Token address 0 = ETH. Deployed by WalletFactory from a blueprint.
from interfaces import IERC20

event Withdrawl:
    token: address
    amount: uint256

event Approval:
    spender: indexed(address)
    token: address
    amount: uint256

event Escrow:
    spender: indexed(address)
    token: address
    amount: uint256
    locked: bool

event Transfer:
    spender: indexed(address)
    token: address
    to: indexed(address)
    amount: uint256

event OwnershipTransferred:
    oldOwner: indexed(address)
    newOwner: indexed(address)

COORDINATOR: immutable(address)
owner: public(address)
allowance: public(HashMap[address, HashMap[address, uint256]])  # spender => token => amount
lockedBalance: HashMap[address, uint256]  # token => locked
lockedAllowance: HashMap[address, HashMap[address, uint256]]  # spender => token => locked


@deploy
def __init__(coordinator: address, initialOwner: address):
    COORDINATOR = coordinator
    self.owner = initialOwner
    log OwnershipTransferred(oldOwner=empty(address), newOwner=initialOwner)


@internal
def _onlyOwner():
    if msg.sender != self.owner:
        raw_revert(method_id("Unauthorized()"))


@internal
def _onlyCoordinator():
    if msg.sender != COORDINATOR:
        raw_revert(method_id("NotCoordinator()"))


@internal
@view
def _unlocked(token: address) -> uint256:
    bal: uint256 = 0
    if token == empty(address):
        bal = self.balance
    else:
        bal = staticcall IERC20(token).balanceOf(self)
    locked: uint256 = self.lockedBalance[token]
    if locked >= bal:
        return 0
    return bal - locked


@internal
def _send(token: address, to: address, amount: uint256):
    if token == empty(address):
        raw_call(to, b"", value=amount)
    else:
        assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "transfer failed"


@external
@view
def lockedBalanceOf(spender: address, token: address) -> uint256:
    return self.lockedAllowance[spender][token]


@external
def withdraw(token: address, amount: uint256):
    self._onlyOwner()
    if amount > self._unlocked(token):
        raw_revert(method_id("InsufficientFunds()"))
    self._send(token, msg.sender, amount)
    log Withdrawl(token=token, amount=amount)


@external
def approve(spender: address, token: address, amount: uint256):
    self._onlyOwner()
    self.allowance[spender][token] = amount
    log Approval(spender=spender, token=token, amount=amount)


@external
def cTransfer(spender: address, token: address, to: address, amount: uint256):
    self._onlyCoordinator()
    if amount > self.allowance[spender][token]:
        raw_revert(method_id("InsufficientAllowance()"))
    if amount > self._unlocked(token):
        raw_revert(method_id("InsufficientFunds()"))
    self.allowance[spender][token] -= amount
    self._send(token, to, amount)
    log Transfer(spender=spender, token=token, to=to, amount=amount)


@external
def cLock(spender: address, token: address, amount: uint256):
    self._onlyCoordinator()
    if amount > self.allowance[spender][token]:
        raw_revert(method_id("InsufficientAllowance()"))
    if amount > self._unlocked(token):
        raw_revert(method_id("InsufficientFunds()"))
    self.allowance[spender][token] -= amount
    self.lockedBalance[token] += amount
    self.lockedAllowance[spender][token] += amount
    log Escrow(spender=spender, token=token, amount=amount, locked=True)


@external
def cUnlock(spender: address, token: address, amount: uint256):
    self._onlyCoordinator()
    if amount > self.lockedAllowance[spender][token]:
        raw_revert(method_id("InsufficientAllowance()"))
    self.lockedBalance[token] -= amount
    self.lockedAllowance[spender][token] -= amount
    self.allowance[spender][token] += amount
    log Escrow(spender=spender, token=token, amount=amount, locked=False)


@external
def transferOwnership(newOwner: address):
    self._onlyOwner()
    log OwnershipTransferred(oldOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner


@external
@payable
def __default__():
    pass
