import Foundation

/// Errors from reading hexadecimal text.
public enum HexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text has an odd number of hex digits; byte strings need two digits per byte.
    case oddLength(Int)
    /// A character that is not a hex digit, at the given offset (after any `0x` prefix).
    case invalidCharacter(Character, offset: Int)
    /// The decoded value has the wrong number of bytes.
    case wrongByteCount(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .oddLength(let count): "hex string has an odd number of digits (\(count)); pad it with a leading 0"
        case .invalidCharacter(let char, let offset): "invalid hex character '\(char)' at offset \(offset)"
        case .wrongByteCount(let expected, let actual): "expected \(expected) bytes of hex, got \(actual)"
        }
    }
}

/// Hexadecimal helpers: `0x`-prefixed or bare, upper or lower case.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`, with `0x` unless `prefix` is false.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes, prefix: Bool = true) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2 + 2)
        if prefix { out.append(contentsOf: [0x30, 0x78]) }
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strips an optional `0x`/`0X` prefix.
    public static func stripPrefix(_ text: String) -> Substring {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return text.dropFirst(2) }
        return Substring(text)
    }

    /// Decodes hex text (with or without `0x`) into bytes. An empty string (or `0x`) is empty data.
    public static func decode(_ text: String) throws(HexError) -> Data {
        // Over the string's contiguous UTF-8, with no bounds checks: large `eth_call` results
        // (a Reader batch is ~400 kB of hex) are decoded here, and iterating the `Substring`'s
        // UTF-8 view into a checked array cost about as much as the devnet's read of the batch.
        var text = text
        return try text.withUTF8 { utf8 in Result { () throws(HexError) -> Data in try decode(utf8) } }.get()
    }

    private static func decode(_ utf8: UnsafeBufferPointer<UInt8>) throws(HexError) -> Data {
        var digits = UnsafeBufferPointer(rebasing: utf8[...])
        if digits.count >= 2, digits[0] == 0x30, digits[1] | 0x20 == 0x78 {
            digits = UnsafeBufferPointer(rebasing: digits[2...])
        }
        guard digits.count % 2 == 0 else { throw .oddLength(digits.count) }
        let count = digits.count / 2
        var data = Data(count: count)
        let invalid = data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) -> Int? in
            for index in 0..<count {
                let high = digits[2 &* index], low = digits[2 &* index &+ 1]
                guard let highValue = nibble(high) else { return 2 &* index }
                guard let lowValue = nibble(low) else { return 2 &* index &+ 1 }
                out[index] = highValue << 4 | lowValue
            }
            return nil
        }
        if let invalid { throw .invalidCharacter(Character(Unicode.Scalar(digits[invalid])), offset: invalid) }
        return data
    }

    /// Decodes hex text that must hold exactly `count` bytes.
    public static func decode(_ text: String, count: Int) throws(HexError) -> Data {
        let data = try decode(text)
        guard data.count == count else { throw .wrongByteCount(expected: count, actual: data.count) }
        return data
    }

    @inline(__always)
    static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case 0x30...0x39: char - 0x30
        case 0x61...0x66: char - 0x61 + 10
        case 0x41...0x46: char - 0x41 + 10
        default: nil
        }
    }
}

extension Data {
    /// Decodes hex text (with or without `0x`); nil if it is not valid hex.
    public init?(hex: String) {
        guard let data = try? Hex.decode(hex) else { return nil }
        self = data
    }

    /// `0x`-prefixed lower-case hex.
    public var hexString: String { Hex.encode(self) }

    /// Lower-case hex without a prefix.
    public var bareHexString: String { Hex.encode(self, prefix: false) }
}
