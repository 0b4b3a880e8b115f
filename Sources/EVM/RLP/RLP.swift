import BigInt
import Foundation

/// Errors from decoding RLP.
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, available: Int)
    case nonCanonicalLength
    case nonCanonicalSingleByte
    case trailingBytes(Int)
    case tooDeep
    case expectedBytes
    case expectedList
    case invalidInteger(String)

    public var description: String {
        switch self {
        case .truncated(let needed, let available): "RLP data is truncated: needs \(needed) bytes, has \(available)"
        case .nonCanonicalLength: "RLP length is not minimally encoded"
        case .nonCanonicalSingleByte: "RLP single byte below 0x80 must be encoded as itself"
        case .trailingBytes(let count): "RLP data has \(count) trailing bytes after the item"
        case .tooDeep: "RLP lists are nested too deeply"
        case .expectedBytes: "expected an RLP byte string, found a list"
        case .expectedList: "expected an RLP list, found a byte string"
        case .invalidInteger(let reason): "invalid RLP integer: \(reason)"
        }
    }
}

/// Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B).
public enum RLP {
    /// An RLP item: a byte string or a list of items.
    public indirect enum Item: Hashable, Sendable {
        case bytes(Data)
        case list([Item])

        /// A big-endian integer without leading zeros (zero is the empty string).
        public static func uint(_ value: UInt64) -> Item { .bytes(BigUInt(value).serialize()) }
        /// A big-endian integer without leading zeros (zero is the empty string).
        public static func uint(_ value: BigUInt) -> Item { .bytes(value.serialize()) }

        /// The byte string, or `RLPError.expectedBytes`.
        public func bytesValue() throws(RLPError) -> Data {
            guard case .bytes(let data) = self else { throw .expectedBytes }
            return data
        }

        /// The list items, or `RLPError.expectedList`.
        public func listValue() throws(RLPError) -> [Item] {
            guard case .list(let items) = self else { throw .expectedList }
            return items
        }

        /// A canonical unsigned integer (no leading zero bytes) of at most `maxBytes` bytes.
        public func uintValue(maxBytes: Int = 32) throws(RLPError) -> BigUInt {
            let data = try bytesValue()
            guard data.count <= maxBytes else { throw .invalidInteger("\(data.count) bytes, at most \(maxBytes) allowed") }
            guard data.first != 0 else { throw .invalidInteger("leading zero byte") }
            return BigUInt(data)
        }

        /// A canonical unsigned integer that fits in 64 bits.
        public func uint64Value() throws(RLPError) -> UInt64 {
            UInt64(try uintValue(maxBytes: 8))
        }
    }

    /// The maximum list nesting accepted by the decoder.
    public static let maxDepth = 64

    /// Encodes one item.
    public static func encode(_ item: Item) -> Data {
        var out = Data()
        append(item, to: &out)
        return out
    }

    private static func append(_ item: Item, to out: inout Data) {
        switch item {
        case .bytes(let data):
            if data.count == 1, let byte = data.first, byte < 0x80 {
                out.append(byte)
            } else {
                appendLength(data.count, offset: 0x80, to: &out)
                out.append(data)
            }
        case .list(let items):
            var body = Data()
            for child in items { append(child, to: &body) }
            appendLength(body.count, offset: 0xC0, to: &out)
            out.append(body)
        }
    }

    private static func appendLength(_ length: Int, offset: UInt8, to out: inout Data) {
        if length < 56 {
            out.append(offset + UInt8(length))
        } else {
            let lengthBytes = BigUInt(length).serialize()
            out.append(offset + 55 + UInt8(lengthBytes.count))
            out.append(lengthBytes)
        }
    }

    /// Decodes exactly one item spanning all of `data` (strict: canonical lengths, no trailing bytes).
    public static func decode(_ data: Data) throws(RLPError) -> Item {
        let bytes = [UInt8](data)
        var position = 0
        let item = try decodeItem(bytes, &position, end: bytes.count, depth: 0)
        guard position == bytes.count else { throw .trailingBytes(bytes.count - position) }
        return item
    }

    private static func decodeItem(_ bytes: [UInt8], _ position: inout Int, end: Int, depth: Int) throws(RLPError) -> Item {
        guard depth <= maxDepth else { throw .tooDeep }
        guard position < end else { throw .truncated(needed: 1, available: 0) }
        let prefix = bytes[position]
        position += 1
        switch prefix {
        case 0x00...0x7F:
            return .bytes(Data([prefix]))
        case 0x80...0xBF:
            let length = try readLength(bytes, &position, end: end, prefix: prefix, offset: 0x80)
            let data = Data(bytes[position..<position + length])
            if length == 1, data[data.startIndex] < 0x80 { throw .nonCanonicalSingleByte }
            position += length
            return .bytes(data)
        default:
            let length = try readLength(bytes, &position, end: end, prefix: prefix, offset: 0xC0)
            let listEnd = position + length
            var items: [Item] = []
            while position < listEnd {
                items.append(try decodeItem(bytes, &position, end: listEnd, depth: depth + 1))
            }
            return .list(items)
        }
    }

    /// Reads the payload length after `prefix`, checks it is canonical and that it fits before `end`.
    private static func readLength(_ bytes: [UInt8], _ position: inout Int, end: Int, prefix: UInt8, offset: UInt8) throws(RLPError) -> Int {
        let short = Int(prefix - offset)
        var length: Int
        if short <= 55 {
            length = short
        } else {
            let lengthSize = short - 55
            guard end - position >= lengthSize else { throw .truncated(needed: lengthSize, available: end - position) }
            guard bytes[position] != 0 else { throw .nonCanonicalLength }
            length = 0
            for index in 0..<lengthSize {
                guard length < (Int.max >> 8) else { throw .truncated(needed: Int.max, available: end - position - lengthSize) }
                length = length << 8 | Int(bytes[position + index])
            }
            position += lengthSize
            guard length >= 56 else { throw .nonCanonicalLength }
        }
        guard end - position >= length else { throw .truncated(needed: length, available: end - position) }
        return length
    }
}
