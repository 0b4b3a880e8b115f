import Foundation

/// Errors from parsing an ABI type string such as `(uint256,bytes)[]`.
public enum ABITypeError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let text, let reason): "invalid ABI type '\(text)': \(reason)"
        }
    }
}

/// A Solidity ABI type.
public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    /// `uintN`, N a multiple of 8 in 8...256.
    case uint(bits: Int)
    /// `intN`, N a multiple of 8 in 8...256.
    case int(bits: Int)
    case address
    case bool
    /// `bytesN`, N in 1...32.
    case fixedBytes(Int)
    case bytes
    case string
    /// `T[k]`, k ≥ 1.
    case fixedArray(ABIType, Int)
    /// `T[]`.
    case array(ABIType)
    /// `(T1,T2,…)`.
    case tuple([ABIType])

    public static let uint256 = ABIType.uint(bits: 256)
    public static let uint32 = ABIType.uint(bits: 32)
    public static let uint16 = ABIType.uint(bits: 16)
    public static let uint8 = ABIType.uint(bits: 8)
    public static let bytes32 = ABIType.fixedBytes(32)

    /// The canonical name used in signatures (`uint256`, `(address,bool)[]`).
    public var description: String { canonicalName }

    /// The canonical name used in signatures (`uint256`, `(address,bool)[]`).
    public var canonicalName: String {
        switch self {
        case .uint(let bits): "uint\(bits)"
        case .int(let bits): "int\(bits)"
        case .address: "address"
        case .bool: "bool"
        case .fixedBytes(let size): "bytes\(size)"
        case .bytes: "bytes"
        case .string: "string"
        case .fixedArray(let element, let count): "\(element.canonicalName)[\(count)]"
        case .array(let element): "\(element.canonicalName)[]"
        case .tuple(let members): "(" + members.map(\.canonicalName).joined(separator: ",") + ")"
        }
    }

    /// Whether the encoding has a dynamic size (stored in the tail, referenced by an offset).
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: true
        case .fixedArray(let element, _): element.isDynamic
        case .tuple(let members): members.contains { $0.isDynamic }
        default: false
        }
    }

    /// Bytes this type occupies in the head of an enclosing tuple (32 for dynamic types).
    public var headSize: Int {
        switch self {
        case .fixedArray(let element, let count) where !isDynamic: element.headSize * count
        case .tuple(let members) where !isDynamic: members.reduce(0) { $0 + $1.headSize }
        default: 32
        }
    }

    /// Parses a type string (`uint`/`int` mean 256 bits; whitespace is not allowed).
    public init(parsing text: String) throws(ABITypeError) {
        var parser = ABITypeParser(text: Array(text.utf8), source: text)
        let type = try parser.parseType(depth: 0)
        guard parser.position == parser.text.count else {
            throw .invalid(text, reason: "unexpected character at offset \(parser.position)")
        }
        self = type
    }

    /// Parses a comma-separated list of types, e.g. the inside of a function signature.
    public static func parseList(_ text: String) throws(ABITypeError) -> [ABIType] {
        let tuple = try ABIType(parsing: "(" + text + ")")
        guard case .tuple(let members) = tuple else { return [] }
        return members
    }
}

private struct ABITypeParser {
    let text: [UInt8]
    let source: String
    var position = 0
    static let maxDepth = 32

    func fail(_ reason: String) -> ABITypeError { .invalid(source, reason: reason) }

    mutating func parseType(depth: Int) throws(ABITypeError) -> ABIType {
        guard depth < Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels") }
        var base: ABIType
        if position < text.count, text[position] == UInt8(ascii: "(") {
            position += 1
            var members: [ABIType] = []
            if position < text.count, text[position] == UInt8(ascii: ")") {
                position += 1
            } else {
                while true {
                    members.append(try parseType(depth: depth + 1))
                    guard position < text.count else { throw fail("unclosed tuple") }
                    let char = text[position]
                    position += 1
                    if char == UInt8(ascii: ")") { break }
                    guard char == UInt8(ascii: ",") else { throw fail("expected ',' or ')' at offset \(position - 1)") }
                }
            }
            base = .tuple(members)
        } else {
            let start = position
            while position < text.count, isNameChar(text[position]) { position += 1 }
            base = try elementary(String(decoding: text[start..<position], as: UTF8.self))
        }
        var levels = depth
        while position < text.count, text[position] == UInt8(ascii: "[") {
            position += 1
            let start = position
            while position < text.count, (0x30...0x39).contains(text[position]) { position += 1 }
            guard position < text.count, text[position] == UInt8(ascii: "]") else { throw fail("unclosed '['") }
            let digits = String(decoding: text[start..<position], as: UTF8.self)
            position += 1
            if digits.isEmpty {
                base = .array(base)
            } else {
                guard let count = Int(digits), count > 0, count <= 1 << 20 else { throw fail("bad array length '\(digits)'") }
                base = .fixedArray(base, count)
            }
            levels += 1
            guard levels < Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels") }
        }
        return base
    }

    private func isNameChar(_ char: UInt8) -> Bool {
        (0x61...0x7A).contains(char) || (0x30...0x39).contains(char)
    }

    private func elementary(_ name: String) throws(ABITypeError) -> ABIType {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "string": return .string
        case "bytes": return .bytes
        case "uint": return .uint(bits: 256)
        case "int": return .int(bits: 256)
        case "function": return .fixedBytes(24)
        default: break
        }
        for (prefix, make) in [("uint", ABIType.uint(bits:)), ("int", ABIType.int(bits:))] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.hasPrefix("0"), let bits = Int(digits), bits >= 8, bits <= 256, bits % 8 == 0 else {
                throw fail("'\(name)' needs a bit size that is a multiple of 8 from 8 to 256")
            }
            return make(bits)
        }
        if name.hasPrefix("bytes") {
            let digits = name.dropFirst(5)
            guard !digits.hasPrefix("0"), let size = Int(digits), size >= 1, size <= 32 else {
                throw fail("'\(name)' needs a size from 1 to 32")
            }
            return .fixedBytes(size)
        }
        throw fail(name.isEmpty ? "missing type name at offset \(position)" : "unknown type '\(name)'")
    }
}
