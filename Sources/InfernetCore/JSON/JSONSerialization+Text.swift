import EVM

extension JSONValue {
    /// Compact JSON text (no spaces), keys in their stored order.
    public var jsonText: String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    public var jsonBytes: [UInt8] { Array(jsonText.utf8) }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let number): output += number.literal
        case .string(let string): JSONText.appendQuoted(string, to: &output)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (offset, entry) in object.entries.enumerated() {
                if offset > 0 { output += "," }
                JSONText.appendQuoted(entry.key, to: &output)
                output += ":"
                entry.value.write(to: &output)
            }
            output += "}"
        }
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonText }
}

/// Lets `JSONValue` sit inside `Codable` messages. Decoding through `Decoder` cannot see key
/// order, so messages that must keep it carry JSON text instead (see `BusMessage`).
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        // Strings first: each kind tried before the right one throws (see `RPCValue`).
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int.self) { self = .number(JSONNumber(value)); return }
        if let value = try? container.decode(Double.self) { self = .number(JSONNumber(value)); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        let dictionary = try container.decode([String: JSONValue].self)
        self = .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let number):
            if let int = number.intValue { try container.encode(int) } else { try container.encode(number.doubleValue ?? 0) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let object):
            try container.encode(Dictionary(object.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
        }
    }
}
