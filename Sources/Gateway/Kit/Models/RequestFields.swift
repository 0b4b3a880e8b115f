import Foundation
import EVM
import InfernetCore

/// Typed reads of the members of one request object (`subscription`, `signature`). Every
/// failure is a 400 naming the field by its full path, e.g. `subscription.owner: not an address`.
struct RequestFields {
    /// The object's path in the body ("subscription").
    let path: String
    let object: JSONObject

    func name(_ key: String) -> String { "\(path).\(key)" }

    func value(_ key: String) throws(APIError) -> JSONValue {
        guard let value = object[key], !value.isNull else { throw APIError.field(name(key), "required") }
        return value
    }

    func address(_ key: String) throws(APIError) -> Address {
        let value = try value(key)
        guard let text = value.stringValue else {
            throw APIError.field(name(key), "expected an address string, got \(value.typeName)")
        }
        do {
            return try Address(hex: text)
        } catch {
            throw APIError.field(name(key), "not an address (\(error))")
        }
    }

    /// 32 bytes as hex (`0x` optional), e.g. a container-set hash.
    func bytes32(_ key: String) throws(APIError) -> Data {
        let value = try value(key)
        guard let text = value.stringValue else {
            throw APIError.field(name(key), "expected 32-byte hex, got \(value.typeName)")
        }
        do {
            return try Hex.decode(text, count: 32)
        } catch {
            throw APIError.field(name(key), "not 32-byte hex (\(error))")
        }
    }

    func bool(_ key: String) throws(APIError) -> Bool {
        let value = try value(key)
        guard let flag = value.boolValue else {
            throw APIError.field(name(key), "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    /// An unsigned integer that must fit `T` (uint16, uint32, …).
    func integer<T: FixedWidthInteger & UnsignedInteger>(_ key: String, as type: T.Type = T.self) throws(APIError) -> T {
        let big = try uint(key, bits: T.bitWidth)
        // Cannot fail: `uint(_:bits:)` checked the width.
        return T(exactly: big) ?? T.max
    }

    /// A uint256: a JSON integer, a decimal string or a `0x` hex string. Clients send amounts
    /// as strings because JSON numbers lose precision past 2^53 in most languages.
    func uint256(_ key: String) throws(APIError) -> BigUInt { try uint(key, bits: 256) }

    private func uint(_ key: String, bits: Int) throws(APIError) -> BigUInt {
        let value = try value(key)
        let parsed: BigUInt?
        switch value {
        case .number(let number):
            parsed = number.isInteger && !number.literal.hasPrefix("-") ? BigUInt(number.literal, radix: 10) : nil
        case .string(let text):
            parsed = Self.parseUnsigned(text)
        default:
            throw APIError.field(name(key), "expected an integer, got \(value.typeName)")
        }
        guard let parsed else {
            throw APIError.field(name(key), "expected a non-negative integer, got \(value.jsonText)")
        }
        guard parsed.bitWidth <= bits else {
            throw APIError.field(name(key), "\(value.jsonText) does not fit uint\(bits)")
        }
        return parsed
    }

    /// Decimal digits, or `0x` followed by hex digits.
    static func parseUnsigned(_ text: String) -> BigUInt? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let digits = text.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            return BigUInt(String(digits), radix: 16)
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return BigUInt(text, radix: 10)
    }
}
