// BigUInt / BigInt appear throughout the public API (amounts, uint256 values), so clients of EVM
// get them without importing BigInt themselves.
@_exported import BigInt
// Keccak-256 lives in InfernetCore (the config checks EIP-55 address checksums at load);
// clients of EVM keep using it without importing InfernetCore.
@_exported import struct InfernetCore.Keccak256
