import BigInt
import Foundation

extension ABI {
    /// `abi.decode(data, (types…))`. Strict: truncated data, offsets or lengths outside the data,
    /// non-zero padding, out-of-range numbers, bools other than 0/1 and invalid UTF-8 are errors.
    /// Trailing bytes after the encoded values are allowed (as in Solidity and eth-abi).
    public static func decode(_ types: [ABIType], from data: Data) throws(ABICodingError) -> [ABIValue] {
        var decoder = ABIDecoder(bytes: [UInt8](data))
        return try decoder.decodeTuple(count: types.count, base: 0, typeAt: { types[$0] })
    }

    /// Decodes a single value (equivalent to `decode([type], from: data)[0]`).
    public static func decode(_ type: ABIType, from data: Data) throws(ABICodingError) -> ABIValue {
        var decoder = ABIDecoder(bytes: [UInt8](data))
        return try decoder.decodeTuple(count: 1, base: 0, typeAt: { _ in type })[0]
    }
}

/// A bounds-checked reader over ABI-encoded bytes. Every value it materialises is charged against
/// a budget proportional to the input size, so hostile inputs (many offsets pointing at one large
/// tail) cannot make it allocate more than a small multiple of the input.
struct ABIDecoder {
    let bytes: [UInt8]
    var budget: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.budget = bytes.count * 2 + 1024
    }

    private mutating func charge(_ amount: Int) throws(ABICodingError) {
        budget -= amount
        guard budget >= 0 else { throw .decodingBudgetExceeded }
    }

    private func word(at offset: Int) throws(ABICodingError) -> ArraySlice<UInt8> {
        guard offset >= 0, offset <= bytes.count, bytes.count - offset >= 32 else {
            throw .truncated(offset: offset, needed: 32, available: max(0, bytes.count - offset))
        }
        return bytes[offset..<offset + 32]
    }

    /// A word used as an offset or length: must be small enough to index the data.
    private func readSize(at offset: Int) throws(ABICodingError) -> Int {
        let slice = try word(at: offset)
        guard slice.prefix(24).allSatisfy({ $0 == 0 }) else {
            throw .offsetOutOfRange(offset: offset, value: "0x" + Hex.encode(slice, prefix: false))
        }
        var value: UInt64 = 0
        for byte in slice.suffix(8) { value = value << 8 | UInt64(byte) }
        guard value <= UInt64(bytes.count) else { throw .offsetOutOfRange(offset: offset, value: String(value)) }
        return Int(value)
    }

    /// The word's value when it fits 64 bits (most uints: ids, times, counts), without the
    /// `Data` a `BigUInt` of 32 bytes is built from.
    private static func smallUInt(_ word: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for (index, byte) in zip(0..., word) {
            if index < 24 {
                guard byte == 0 else { return nil }
            } else {
                value = value << 8 | UInt64(byte)
            }
        }
        return value
    }

    mutating func decodeTuple(count: Int, base: Int, typeAt: (Int) -> ABIType) throws(ABICodingError) -> [ABIValue] {
        var values: [ABIValue] = []
        values.reserveCapacity(count)
        var head = base
        for index in 0..<count {
            let type = typeAt(index)
            if type.isDynamic {
                let offset = try readSize(at: head)
                let start = base + offset
                guard start <= bytes.count else { throw .offsetOutOfRange(offset: head, value: String(offset)) }
                values.append(try decodeValue(type, at: start))
            } else {
                values.append(try decodeValue(type, at: head))
            }
            head += type.headSize
        }
        return values
    }

    mutating func decodeValue(_ type: ABIType, at offset: Int) throws(ABICodingError) -> ABIValue {
        try charge(32)
        switch type {
        case .uint(let bits):
            let slice = try word(at: offset)
            let value = Self.smallUInt(slice).map(BigUInt.init) ?? BigUInt(Data(slice))
            guard value.bitWidth <= bits else { throw .invalidPadding(type: type.canonicalName, offset: offset) }
            return .uint(value)
        case .int(let bits):
            let slice = try word(at: offset)
            let value = BigInt(twosComplement: Data(slice))
            let limit = BigInt(1) << (bits - 1)
            guard value >= -limit, value < limit else { throw .invalidPadding(type: type.canonicalName, offset: offset) }
            return .int(value)
        case .address:
            let slice = try word(at: offset)
            guard slice.prefix(12).allSatisfy({ $0 == 0 }) else { throw .invalidPadding(type: "address", offset: offset) }
            return .address(Address(unchecked: Data(slice.suffix(20))))
        case .bool:
            let slice = try word(at: offset)
            guard slice.prefix(31).allSatisfy({ $0 == 0 }), let last = slice.last, last <= 1 else { throw .invalidBool(offset: offset) }
            return .bool(last == 1)
        case .fixedBytes(let size):
            let slice = try word(at: offset)
            guard slice.suffix(32 - size).allSatisfy({ $0 == 0 }) else { throw .invalidPadding(type: type.canonicalName, offset: offset) }
            return .bytes(Data(slice.prefix(size)))
        case .bytes, .string:
            let length = try readSize(at: offset)
            let start = offset + 32
            let padded = (length + 31) / 32 * 32
            guard bytes.count - start >= padded else {
                throw .truncated(offset: start, needed: padded, available: bytes.count - start)
            }
            try charge(length)
            guard bytes[(start + length)..<(start + padded)].allSatisfy({ $0 == 0 }) else {
                throw .invalidPadding(type: type.canonicalName, offset: start + length)
            }
            let data = Data(bytes[start..<start + length])
            if case .string = type {
                guard let text = String(validating: data, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                return .string(text)
            }
            return .bytes(data)
        case .fixedArray(let element, let count):
            return .array(try decodeTuple(count: count, base: offset, typeAt: { _ in element }))
        case .array(let element):
            let count = try readSize(at: offset)
            let start = offset + 32
            guard count <= (bytes.count - min(start, bytes.count)) / element.headSize else {
                throw .offsetOutOfRange(offset: offset, value: "array length \(count)")
            }
            return .array(try decodeTuple(count: count, base: start, typeAt: { _ in element }))
        case .tuple(let members):
            return .tuple(try decodeTuple(count: members.count, base: offset, typeAt: { members[$0] }))
        }
    }
}
