import BigInt
import Foundation

/// Unsigned 256-bit (and smaller) quantities are `BigUInt`; signed ones are `BigInt`
/// (attaswift/BigInt). These helpers convert them to and from the fixed-width big-endian words
/// the EVM uses.
public typealias UInt256 = BigUInt

/// Errors from fixed-width integer conversions.
public enum IntegerError: Error, Equatable, Sendable, CustomStringConvertible {
    case outOfRange(value: String, bits: Int, signed: Bool)
    case invalidQuantity(String)

    public var description: String {
        switch self {
        case .outOfRange(let value, let bits, let signed):
            "\(value) does not fit in \(signed ? "int" : "uint")\(bits)"
        case .invalidQuantity(let text):
            "'\(text)' is not a hex quantity (expected 0x followed by hex digits, no leading zeros)"
        }
    }
}

extension BigUInt {
    /// The value as a big-endian word of `byteCount` bytes (default 32), or nil if it does not fit.
    public func bigEndianBytes(count byteCount: Int = 32) -> Data? {
        let raw = serialize()
        guard raw.count <= byteCount else { return nil }
        return Data(count: byteCount - raw.count) + raw
    }

    /// Two-to-the-`bits` minus one.
    public static func maxValue(bits: Int) -> BigUInt { (BigUInt(1) << bits) - 1 }

    /// Parses an Ethereum JSON-RPC hex quantity (`0x0`, `0x1a`); leading zeros are tolerated.
    public init(quantity text: String) throws(IntegerError) {
        let body = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)
        guard !body.isEmpty, body.utf8.allSatisfy({ Hex.nibble($0) != nil }), let value = BigUInt(body, radix: 16)
        else { throw .invalidQuantity(text) }
        self = value
    }

    /// `0x`-prefixed hex quantity without leading zeros (`0x0` for zero).
    public var quantityHex: String { "0x" + String(self, radix: 16) }
}

extension BigInt {
    /// The value as a two's-complement big-endian word of `byteCount` bytes, or nil if it does not fit.
    public func twosComplementBytes(count byteCount: Int = 32) -> Data? {
        let bits = byteCount * 8
        let limit = BigInt(1) << (bits - 1)
        guard self >= -limit, self < limit else { return nil }
        let unsigned = self >= 0 ? BigUInt(self) : BigUInt(BigInt(1) << bits + self)
        return unsigned.bigEndianBytes(count: byteCount)
    }

    /// Reads a two's-complement big-endian word.
    public init(twosComplement bytes: Data) {
        let unsigned = BigUInt(bytes)
        let bits = bytes.count * 8
        if bits > 0, unsigned >= BigUInt(1) << (bits - 1) {
            self = BigInt(unsigned) - (BigInt(1) << bits)
        } else {
            self = BigInt(unsigned)
        }
    }
}

extension UInt64 {
    /// Parses a hex quantity that must fit in 64 bits.
    public init(quantity text: String) throws(IntegerError) {
        let value = try BigUInt(quantity: text)
        guard value <= BigUInt(UInt64.max) else { throw .outOfRange(value: text, bits: 64, signed: false) }
        self = UInt64(value)
    }

    /// `0x`-prefixed hex quantity.
    public var quantityHex: String { "0x" + String(self, radix: 16) }
}
