// BigUInt / BigInt appear throughout the public API (amounts, uint256 values), so clients of EVM
// get them without importing BigInt themselves.
@_exported import BigInt
