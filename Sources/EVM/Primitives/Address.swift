import Foundation

/// Errors from parsing an address.
public enum AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not 20 bytes of hex.
    case invalidHex(String)
    /// Mixed-case text whose capitalisation does not match its EIP-55 checksum.
    case badChecksum(String)

    public var description: String {
        switch self {
        case .invalidHex(let text): "'\(text)' is not a 20-byte hex address (expected 0x followed by 40 hex digits)"
        case .badChecksum(let text): "'\(text)' has mixed case that does not match its EIP-55 checksum; check for a typo"
        }
    }
}

/// A 20-byte Ethereum account address.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The 20 raw bytes.
    public let rawValue: Data

    /// The zero address `0x0000…0000`.
    public static let zero = Address(unchecked: Data(count: 20))

    /// Wraps exactly 20 bytes; nil for any other length.
    public init?(_ bytes: Data) {
        guard bytes.count == 20 else { return nil }
        self.rawValue = Data(bytes)
    }

    init(unchecked bytes: Data) {
        self.rawValue = Data(bytes)
    }

    /// Parses `0x`-prefixed (or bare) hex. All-lower or all-upper case is accepted as is; mixed
    /// case must carry a valid EIP-55 checksum unless `checksum` is false.
    public init(hex text: String, checksum: Bool = true) throws(AddressError) {
        guard let bytes = try? Hex.decode(text, count: 20) else { throw .invalidHex(text) }
        self.rawValue = bytes
        guard checksum else { return }
        // Hex digits are ASCII: compare bytes (Character case properties are Unicode lookups).
        let body = Hex.stripPrefix(text)
        let hasLower = body.utf8.contains { (0x61...0x66).contains($0) }
        let hasUpper = body.utf8.contains { (0x41...0x46).contains($0) }
        if hasLower, hasUpper, String(self.checksummed.dropFirst(2)) != body {
            throw .badChecksum(text)
        }
    }

    /// The address of the account whose uncompressed public key (64 bytes, no 0x04 prefix) is given.
    public init(publicKey64 bytes: Data) {
        self.rawValue = Data(Keccak256.hash(bytes).suffix(20))
    }

    /// The EIP-55 mixed-case checksummed form.
    public var checksummed: String {
        "0x" + EIP55.checksummed(lowerHex: Hex.encode(rawValue, prefix: false))
    }

    /// Lower-case `0x` hex.
    public var hex: String { Hex.encode(rawValue) }

    public var description: String { checksummed }

    public static func < (lhs: Address, rhs: Address) -> Bool {
        lhs.rawValue.lexicographicallyPrecedes(rhs.rawValue)
    }

    /// The address of a contract created by `sender` with `nonce` (CREATE).
    public static func contractAddress(sender: Address, nonce: UInt64) -> Address {
        let encoded = RLP.encode(.list([.bytes(sender.rawValue), .uint(nonce)]))
        return Address(unchecked: Keccak256.hash(encoded).suffix(20))
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(hex: text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(checksummed)
    }
}
