/// Renders JSON values exactly as Python's `str()`/`repr()` renders the `json.loads` result.
///
/// Consumer contracts decode on-chain outputs that the reference node produced with `str(dict)`,
/// and the hello-world service echoes `repr(request)`; both must match Python byte for byte.
extension JSONValue {
    public var pythonRepr: String {
        var output = ""
        writePythonRepr(to: &output)
        return output
    }

    func writePythonRepr(to output: inout String) {
        switch self {
        case .null: output += "None"
        case .bool(let value): output += value ? "True" : "False"
        case .number(let number): output += PythonRepr.number(number)
        case .string(let string): output += PythonRepr.string(string)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += ", " }
                element.writePythonRepr(to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (offset, entry) in object.entries.enumerated() {
                if offset > 0 { output += ", " }
                output += PythonRepr.string(entry.key)
                output += ": "
                entry.value.writePythonRepr(to: &output)
            }
            output += "}"
        }
    }
}

public enum PythonRepr {
    /// `repr(str)`: single quotes unless the text holds `'` and no `"`; non-printable characters escaped.
    public static func string(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var output = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where Character(scalar) == quote: output += "\\" + String(quote)
            case _ where isPrintable(scalar): output.unicodeScalars.append(scalar)
            default: output += escape(scalar)
            }
        }
        output.append(quote)
        return output
    }

    /// Python's `str.isprintable` for one character: everything but "Other" and "Separator"
    /// categories, except the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        if scalar.value < 0x7F { return scalar.value >= 0x20 }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
            .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        if scalar.value <= 0xFF { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        if scalar.value <= 0xFFFF { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// `repr(int)` for integer literals (arbitrary size), `repr(float)` otherwise.
    public static func number(_ number: JSONNumber) -> String {
        if number.isInteger {
            var digits = Substring(number.literal)
            let negative = digits.hasPrefix("-")
            if negative { digits = digits.dropFirst() }
            let trimmed = digits.drop(while: { $0 == "0" })
            if trimmed.isEmpty { return "0" }
            return (negative ? "-" : "") + trimmed
        }
        guard let value = Double(number.literal) else { return number.literal }
        return float(value)
    }

    /// `repr(float)`: shortest round-tripping digits, positional for exponents in [-4, 16),
    /// scientific (`1e+16`, `1.5e-05`) outside.
    public static func float(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = decimalDigits(of: value)
        let sign = negative ? "-" : ""
        if exponent < -4 || exponent >= 16 {
            let head = String(digits.first ?? "0")
            let tail = digits.dropFirst()
            let mantissa = tail.isEmpty ? head : head + "." + tail
            let expDigits = String(abs(exponent))
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (expDigits.count < 2 ? "0" + expDigits : expDigits)
        }
        if exponent < 0 {
            return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        let integerCount = exponent + 1
        if digits.count <= integerCount {
            return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
        }
        let split = digits.index(digits.startIndex, offsetBy: integerCount)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// The shortest round-trip digits of `value` (from Swift's own shortest formatting) and the
    /// decimal exponent of the first digit.
    static func decimalDigits(of value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        var text = Substring("\(value)")
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponentPart = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponentPart = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let pointIndex = text.firstIndex(of: ".")
        let integerDigits = pointIndex.map { text[..<$0] } ?? text
        let fractionDigits = pointIndex.map { text[text.index(after: $0)...] } ?? ""
        var all = String(integerDigits) + fractionDigits
        var exponent = integerDigits.count - 1 + exponentPart
        while all.hasPrefix("0") && all.count > 1 {
            all.removeFirst()
            exponent -= 1
        }
        while all.hasSuffix("0") && all.count > 1 { all.removeLast() }
        return (negative, all, exponent)
    }
}
