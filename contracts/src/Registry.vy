# pragma version ~=0.4.3
# @title Registry (Infernet SDK v1.1 interface)
# @notice Holds the addresses of the other Infernet contracts. No setters, no events.

COORDINATOR: public(immutable(address))
INBOX: public(immutable(address))
READER: public(immutable(address))
FEE: public(immutable(address))
WALLET_FACTORY: public(immutable(address))


@deploy
def __init__(coordinator: address, inbox: address, reader: address, fee: address, walletFactory: address):
    COORDINATOR = coordinator
    INBOX = inbox
    READER = reader
    FEE = fee
    WALLET_FACTORY = walletFactory
