import BigInt
import Foundation

/// Solidity ABI encoding and decoding (`abi.encode` / `abi.decode`).
public enum ABI {
    /// `abi.encode(values…)`: the values encoded as the tuple of `types`.
    public static func encode(_ values: [ABIValue], as types: [ABIType]) throws(ABICodingError) -> Data {
        var out = [UInt8]()
        try encodeTuple(values, types: types, into: &out)
        return Data(out)
    }

    /// Encodes a single value (equivalent to `encode([value], as: [type])`).
    public static func encode(_ value: ABIValue, as type: ABIType) throws(ABICodingError) -> Data {
        try encode([value], as: [type])
    }

    static func encodeTuple(_ values: [ABIValue], types: [ABIType], into out: inout [UInt8]) throws(ABICodingError) {
        guard values.count == types.count else { throw .countMismatch(expected: types.count, actual: values.count) }
        let headStart = out.count
        let headSize = types.reduce(0) { $0 + $1.headSize }
        out.append(contentsOf: repeatElement(0, count: headSize))
        var headPosition = headStart
        for (value, type) in zip(values, types) {
            if type.isDynamic {
                writeWord(UInt64(out.count - headStart), into: &out, at: headPosition)
                try encodeValue(value, type: type, into: &out)
            } else {
                var inline = [UInt8]()
                try encodeValue(value, type: type, into: &inline)
                out.replaceSubrange(headPosition..<headPosition + inline.count, with: inline)
            }
            headPosition += type.headSize
        }
    }

    private static func writeWord(_ value: UInt64, into out: inout [UInt8], at position: Int) {
        for index in 0..<8 {
            out[position + 31 - index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
        }
    }

    private static func appendWord(_ value: UInt64, into out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(0, count: 24))
        for index in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    private static func appendPadded(_ data: Data, into out: inout [UInt8]) {
        out.append(contentsOf: data)
        let padding = (32 - data.count % 32) % 32
        out.append(contentsOf: repeatElement(0, count: padding))
    }

    static func encodeValue(_ value: ABIValue, type: ABIType, into out: inout [UInt8]) throws(ABICodingError) {
        switch (type, value) {
        case (.uint(let bits), .uint(let number)):
            guard number.bitWidthNeeded <= bits, let word = number.bigEndianBytes() else {
                throw .valueOutOfRange(type: type.canonicalName, value: number.description)
            }
            out.append(contentsOf: word)
        case (.int(let bits), .int(let number)):
            let limit = BigInt(1) << (bits - 1)
            guard number >= -limit, number < limit, let word = number.twosComplementBytes() else {
                throw .valueOutOfRange(type: type.canonicalName, value: number.description)
            }
            out.append(contentsOf: word)
        case (.address, .address(let address)):
            out.append(contentsOf: repeatElement(0, count: 12))
            out.append(contentsOf: address.rawValue)
        case (.bool, .bool(let flag)):
            appendWord(flag ? 1 : 0, into: &out)
        case (.fixedBytes(let size), .bytes(let data)):
            guard data.count == size else { throw .valueOutOfRange(type: type.canonicalName, value: "\(data.count) bytes") }
            appendPadded(data, into: &out)
        case (.bytes, .bytes(let data)):
            appendWord(UInt64(data.count), into: &out)
            appendPadded(data, into: &out)
        case (.string, .string(let text)):
            let data = Data(text.utf8)
            appendWord(UInt64(data.count), into: &out)
            appendPadded(data, into: &out)
        case (.fixedArray(let element, let count), .array(let items)):
            guard items.count == count else { throw .valueOutOfRange(type: type.canonicalName, value: "\(items.count) elements") }
            try encodeTuple(items, types: Array(repeating: element, count: count), into: &out)
        case (.array(let element), .array(let items)):
            appendWord(UInt64(items.count), into: &out)
            try encodeTuple(items, types: Array(repeating: element, count: items.count), into: &out)
        case (.tuple(let members), .tuple(let items)):
            try encodeTuple(items, types: members, into: &out)
        default:
            throw .valueMismatch(expected: type.canonicalName, found: value.kindName)
        }
    }
}

extension BigUInt {
    /// The number of bits needed to write the value (0 for zero).
    var bitWidthNeeded: Int { bitWidth }
}
