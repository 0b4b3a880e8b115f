import Foundation

/// A JSON value as carried by JSON-RPC (params and results).
public indirect enum RPCValue: Hashable, Sendable, Codable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([RPCValue])
    case object([String: RPCValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public init(from decoder: Decoder) throws {
        // Each type tried that does not match throws (a `DecodingError` built with its coding
        // path and message), so the commonest kind comes first: JSON-RPC carries quantities,
        // hashes and data as strings. Objects, tried last, cost five failed tries each.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode([RPCValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: RPCValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> RPCValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var arrayValue: [RPCValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool { self == .null }
}

extension RPCValue: JSONParsable {
    public static func parsedNull() -> RPCValue { .null }
    public static func parsed(_ value: Bool) -> RPCValue { .bool(value) }

    /// An integer literal that fits 64 bits is `.int`, any other number `.double`, as the
    /// `Decodable` conformance reads them.
    public static func parsedNumber(literal: UnsafeBufferPointer<UInt8>) -> RPCValue {
        let text = String(decoding: literal, as: UTF8.self)
        let isInteger = !literal.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        if isInteger, let value = Int64(text) { return .int(value) }
        return .double(Double(text) ?? .nan)  // never nil: the parser checked the grammar
    }

    public static func parsed(_ value: String) -> RPCValue { .string(value) }
    public static func parsedArray(_ elements: [RPCValue]) -> RPCValue { .array(elements) }

    /// A repeated key: the last value counts.
    public static func parsedObject(_ members: [(key: String, value: RPCValue)]) -> RPCValue {
        .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
    }
}
