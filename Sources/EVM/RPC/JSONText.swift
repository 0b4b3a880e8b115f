/// JSON text written by hand: `RPCValue`'s here, and `JSONValue`'s in InfernetCore, share the
/// string escaping.
public enum JSONText {
    /// Appends `string` as a JSON string literal: `"` and `\` escaped, control characters as
    /// `\n`, `\r`, `\t` or `\u00XX`; everything else as it is (JSON text is UTF-8).
    public static func appendQuoted(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension RPCValue {
    /// Compact JSON text, as `JSONEncoder` writes it (object keys in no set order), without
    /// `Encodable`'s containers: the chain worker encodes every JSON-RPC request.
    /// Nil for a non-finite number, which JSON cannot carry.
    public var jsonText: String? {
        var output = ""
        output.reserveCapacity(128)
        return write(to: &output) ? output : nil
    }

    private func write(to output: inout String) -> Bool {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value):
            guard value.isFinite else { return false }
            output += "\(value)"
        case .string(let value): JSONText.appendQuoted(value, to: &output)
        case .array(let items):
            output += "["
            for (offset, item) in items.enumerated() {
                if offset > 0 { output += "," }
                guard item.write(to: &output) else { return false }
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (offset, member) in members.enumerated() {
                if offset > 0 { output += "," }
                JSONText.appendQuoted(member.key, to: &output)
                output += ":"
                guard member.value.write(to: &output) else { return false }
            }
            output += "}"
        }
        return true
    }
}
