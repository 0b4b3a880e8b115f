# pragma version ~=0.4.3
# @title WalletFactory (Infernet SDK v1.1 interface): deploys Wallets and remembers which are genuine.

interface IRegistry:
    def COORDINATOR() -> address: view

event WalletCreated:
    caller: indexed(address)
    owner: indexed(address)
    wallet: address

COORDINATOR: immutable(address)
WALLET_BLUEPRINT: public(immutable(address))
isValidWallet: public(HashMap[address, bool])


@deploy
def __init__(registry: address, walletBlueprint: address):
    COORDINATOR = staticcall IRegistry(registry).COORDINATOR()
    WALLET_BLUEPRINT = walletBlueprint


@external
def createWallet(initialOwner: address) -> address:
    wallet: address = create_from_blueprint(WALLET_BLUEPRINT, COORDINATOR, initialOwner)
    self.isValidWallet[wallet] = True
    log WalletCreated(caller=msg.sender, owner=initialOwner, wallet=wallet)
    return wallet
