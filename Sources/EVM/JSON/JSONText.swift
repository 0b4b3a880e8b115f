/// JSON text written by hand: `RPCValue`'s here, and `JSONValue`'s in InfernetCore, share the
/// string escaping.
public enum JSONText {
    /// Appends `string` as a JSON string literal: `"` and `\` escaped, control characters as
    /// `\n`, `\r`, `\t` or `\u00xx`; everything else as it is (JSON text is UTF-8). Runs
    /// without a byte to escape are appended whole: bytes of multi-byte characters are all
    /// 0x80 or above, so only ASCII bytes are looked at.
    public static func appendQuoted(_ string: String, to output: inout String) {
        output += "\""
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                if runStart < index { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self) }
                switch byte {
                case UInt8(ascii: "\""): output += "\\\""
                case UInt8(ascii: "\\"): output += "\\\\"
                case UInt8(ascii: "\n"): output += "\\n"
                case UInt8(ascii: "\r"): output += "\\r"
                case UInt8(ascii: "\t"): output += "\\t"
                default: output += byte < 0x10 ? "\\u000" + String(byte, radix: 16) : "\\u001" + String(byte - 0x10, radix: 16)
                }
                runStart = index + 1
            }
            if runStart < bytes.count { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart...]), as: UTF8.self) }
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
