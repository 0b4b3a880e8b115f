import BigInt
import Foundation

/// Reads typed members out of JSON-RPC result objects, with errors naming what was wrong.
struct RPCObjectReader {
    let value: RPCValue
    let context: String

    private func fail(_ reason: String) -> RPCError { .invalidResponse(reason, method: context) }

    private func member(_ key: String) throws(RPCError) -> RPCValue {
        guard let member = value[key], !member.isNull else { throw fail("missing '\(key)'") }
        return member
    }

    static func quantityText(_ item: RPCValue, context: String) throws(RPCError) -> String {
        switch item {
        case .string(let text): return text
        case .int(let number) where number >= 0: return "0x" + String(number, radix: 16)
        default: throw .invalidResponse("expected a hex quantity, got \(item)", method: context)
        }
    }

    static func uint(_ item: RPCValue, context: String) throws(RPCError) -> BigUInt {
        let text = try quantityText(item, context: context)
        do { return try BigUInt(quantity: text) } catch { throw .invalidResponse(error.description, method: context) }
    }

    static func uint64(_ item: RPCValue, context: String) throws(RPCError) -> UInt64 {
        let text = try quantityText(item, context: context)
        do { return try UInt64(quantity: text) } catch { throw .invalidResponse(error.description, method: context) }
    }

    static func bytes(_ item: RPCValue, context: String) throws(RPCError) -> Data {
        guard let text = item.stringValue else { throw .invalidResponse("expected hex data, got \(item)", method: context) }
        do { return try Hex.decode(text) } catch { throw .invalidResponse(error.description, method: context) }
    }

    static func address(_ item: RPCValue, context: String) throws(RPCError) -> Address {
        guard let text = item.stringValue else { throw .invalidResponse("expected an address, got \(item)", method: context) }
        do { return try Address(hex: text, checksum: false) } catch { throw .invalidResponse(error.description, method: context) }
    }

    func uint64(_ key: String) throws(RPCError) -> UInt64 { try Self.uint64(try member(key), context: "\(context).\(key)") }
    func bytes(_ key: String) throws(RPCError) -> Data { try Self.bytes(try member(key), context: "\(context).\(key)") }
    func address(_ key: String) throws(RPCError) -> Address { try Self.address(try member(key), context: "\(context).\(key)") }
    func array(_ key: String) throws(RPCError) -> [RPCValue] {
        guard let items = try member(key).arrayValue else { throw fail("'\(key)' is not an array") }
        return items
    }

    func optionalUInt64(_ key: String) throws(RPCError) -> UInt64? {
        guard let item = value[key], !item.isNull else { return nil }
        return try Self.uint64(item, context: "\(context).\(key)")
    }

    func optionalUInt(_ key: String) throws(RPCError) -> BigUInt? {
        guard let item = value[key], !item.isNull else { return nil }
        return try Self.uint(item, context: "\(context).\(key)")
    }

    func optionalBytes(_ key: String) throws(RPCError) -> Data? {
        guard let item = value[key], !item.isNull else { return nil }
        return try Self.bytes(item, context: "\(context).\(key)")
    }

    func optionalAddress(_ key: String) throws(RPCError) -> Address? {
        guard let item = value[key], !item.isNull else { return nil }
        return try Self.address(item, context: "\(context).\(key)")
    }
}
