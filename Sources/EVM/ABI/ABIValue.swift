import BigInt
import Foundation

/// A value to encode as, or decoded from, an `ABIType`.
///
/// `bytes` holds both `bytes` and `bytesN` values; `array` holds both `T[]` and `T[k]`.
public enum ABIValue: Hashable, Sendable {
    case uint(BigUInt)
    case int(BigInt)
    case address(Address)
    case bool(Bool)
    case bytes(Data)
    case string(String)
    case array([ABIValue])
    case tuple([ABIValue])

    /// A `uintN` value from a fixed-width integer.
    public static func uint<T: FixedWidthInteger>(_ value: T) -> ABIValue { .uint(BigUInt(value)) }

    private func mismatch(_ expected: String) -> ABICodingError {
        .valueMismatch(expected: expected, found: kindName)
    }

    var kindName: String {
        switch self {
        case .uint: "uint"
        case .int: "int"
        case .address: "address"
        case .bool: "bool"
        case .bytes: "bytes"
        case .string: "string"
        case .array: "array"
        case .tuple: "tuple"
        }
    }

    public func uintValue() throws(ABICodingError) -> BigUInt {
        guard case .uint(let value) = self else { throw mismatch("uint") }
        return value
    }

    /// A `uintN` value that must fit in `T` (e.g. `UInt32` for `uint32`).
    public func integerValue<T: FixedWidthInteger>(_: T.Type = T.self) throws(ABICodingError) -> T {
        let value = try uintValue()
        guard let result = T(exactly: value) else { throw .valueOutOfRange(type: "\(T.self)", value: value.description) }
        return result
    }

    public func intValue() throws(ABICodingError) -> BigInt {
        guard case .int(let value) = self else { throw mismatch("int") }
        return value
    }

    public func addressValue() throws(ABICodingError) -> Address {
        guard case .address(let value) = self else { throw mismatch("address") }
        return value
    }

    public func boolValue() throws(ABICodingError) -> Bool {
        guard case .bool(let value) = self else { throw mismatch("bool") }
        return value
    }

    public func bytesValue() throws(ABICodingError) -> Data {
        guard case .bytes(let value) = self else { throw mismatch("bytes") }
        return value
    }

    public func stringValue() throws(ABICodingError) -> String {
        guard case .string(let value) = self else { throw mismatch("string") }
        return value
    }

    public func arrayValue() throws(ABICodingError) -> [ABIValue] {
        guard case .array(let value) = self else { throw mismatch("array") }
        return value
    }

    public func tupleValue() throws(ABICodingError) -> [ABIValue] {
        guard case .tuple(let value) = self else { throw mismatch("tuple") }
        return value
    }
}

/// Errors from ABI encoding and decoding.
public enum ABICodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A value of the wrong kind for its type (encoding) or for an accessor.
    case valueMismatch(expected: String, found: String)
    /// A number that does not fit its type, or a `bytesN`/fixed array of the wrong size.
    case valueOutOfRange(type: String, value: String)
    /// The number of values does not match the number of types.
    case countMismatch(expected: Int, actual: Int)
    /// The data ends before a value it describes.
    case truncated(offset: Int, needed: Int, available: Int)
    /// An offset or length word points outside the data.
    case offsetOutOfRange(offset: Int, value: String)
    /// Padding bytes or unused high bits that must be zero (or a sign extension) are not.
    case invalidPadding(type: String, offset: Int)
    /// A bool word that is neither 0 nor 1.
    case invalidBool(offset: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// The data would decode into far more values than it holds bytes (overlapping tails).
    case decodingBudgetExceeded
    /// Calldata or revert data whose first four bytes are not the expected selector.
    case selectorMismatch(expected: String, actual: String)
    /// A log whose topics do not match the event.
    case topicMismatch(String)

    public var description: String {
        switch self {
        case .valueMismatch(let expected, let found): "ABI value mismatch: expected \(expected), found \(found)"
        case .valueOutOfRange(let type, let value): "value \(value) does not fit ABI type \(type)"
        case .countMismatch(let expected, let actual): "expected \(expected) ABI values, got \(actual)"
        case .truncated(let offset, let needed, let available):
            "ABI data truncated at offset \(offset): needs \(needed) bytes, \(available) available"
        case .offsetOutOfRange(let offset, let value): "ABI offset or length \(value) at offset \(offset) points outside the data"
        case .invalidPadding(let type, let offset): "non-zero padding in \(type) at offset \(offset)"
        case .invalidBool(let offset): "ABI bool at offset \(offset) is neither 0 nor 1"
        case .invalidUTF8(let offset): "ABI string at offset \(offset) is not valid UTF-8"
        case .decodingBudgetExceeded: "ABI data decodes into more values than it holds (overlapping tails); refusing"
        case .selectorMismatch(let expected, let actual): "selector \(actual) does not match expected \(expected)"
        case .topicMismatch(let reason): "log does not match event: \(reason)"
        }
    }
}
