"""A Yul-subset compiler (no solc here): turns the inline-assembly body of ezkl's
Halo2Verifier.sol into EVM runtime bytecode. See compiler.py."""
from .compiler import YulError, compile_solidity_verifier, compile_yul  # noqa: F401
