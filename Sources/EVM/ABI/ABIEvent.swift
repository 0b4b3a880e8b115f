import Foundation

/// A contract event: its topic and the decoding of logs.
public struct ABIEvent: Hashable, Sendable, CustomStringConvertible {
    /// One event parameter.
    public struct Parameter: Hashable, Sendable {
        public let name: String
        public let type: ABIType
        public let indexed: Bool

        public init(_ name: String, _ type: ABIType, indexed: Bool = false) {
            self.name = name
            self.type = type
            self.indexed = indexed
        }
    }

    public let name: String
    public let parameters: [Parameter]
    public let anonymous: Bool

    public init(name: String, parameters: [Parameter], anonymous: Bool = false) {
        self.name = name
        self.parameters = parameters
        self.anonymous = anonymous
    }

    /// From a declaration such as `"Transfer(address indexed from,address indexed to,uint256 value)"`
    /// (parameter names optional; the word `indexed` after a type marks it indexed).
    public init(declaration: String, anonymous: Bool = false) throws(ABITypeError) {
        guard let open = declaration.firstIndex(of: "("), declaration.hasSuffix(")") else {
            throw .invalid(declaration, reason: "expected Name(type [indexed] [name],…)")
        }
        let name = String(declaration[..<open]).trimmingCharacters(in: .whitespaces)
        let inside = declaration[declaration.index(after: open)..<declaration.index(before: declaration.endIndex)]
        var parameters: [Parameter] = []
        for (index, part) in splitTopLevel(String(inside)).enumerated() {
            let words = part.split(separator: " ").map(String.init)
            guard let typeText = words.first else { throw .invalid(declaration, reason: "empty parameter \(index)") }
            let indexed = words.dropFirst().contains("indexed")
            let paramName = words.count > 1 && words.last != "indexed" ? words.last ?? "" : "arg\(index)"
            parameters.append(Parameter(paramName, try ABIType(parsing: typeText), indexed: indexed))
        }
        self.init(name: name, parameters: parameters, anonymous: anonymous)
    }

    public var signature: String { canonicalSignature(name, parameters.map(\.type)) }
    public var description: String { signature }

    /// topic0: Keccak-256 of the signature.
    public var topic: Data { Keccak256.hash(signature) }

    /// The topic for an indexed parameter value: the word for static types, the Keccak-256 of the
    /// encoding for dynamic ones (`bytes`/`string`: of the raw contents).
    public static func topic(for value: ABIValue, type: ABIType) throws(ABICodingError) -> Data {
        switch (type, value) {
        case (.bytes, .bytes(let data)): return Keccak256.hash(data)
        case (.string, .string(let text)): return Keccak256.hash(Data(text.utf8))
        default:
            let encoded = try ABI.encode(value, as: type)
            return type.isDynamic || encoded.count != 32 ? Keccak256.hash(encoded) : encoded
        }
    }

    /// Decodes a log into one value per parameter, in declaration order. An indexed parameter of a
    /// dynamic type (or a struct/array) comes back as `.bytes` holding its 32-byte topic hash.
    public func decodeLog(topics: [Data], data: Data) throws(ABICodingError) -> [ABIValue] {
        var topicIndex = 0
        if !anonymous {
            guard let first = topics.first else { throw .topicMismatch("no topics; expected topic0 \(topic.hexString)") }
            guard first == topic else { throw .topicMismatch("topic0 \(first.hexString) is not \(signature) (\(topic.hexString))") }
            topicIndex = 1
        }
        let indexedCount = parameters.filter(\.indexed).count
        guard topics.count - topicIndex == indexedCount else {
            throw .topicMismatch("expected \(indexedCount) indexed topics, got \(topics.count - topicIndex)")
        }
        let dataValues = try ABI.decode(parameters.filter { !$0.indexed }.map(\.type), from: data)
        var dataIndex = 0
        var values: [ABIValue] = []
        for parameter in parameters {
            if parameter.indexed {
                let word = topics[topicIndex]
                topicIndex += 1
                guard word.count == 32 else { throw .topicMismatch("topic is \(word.count) bytes, not 32") }
                let needsHash = parameter.type.isDynamic || parameter.type.headSize != 32
                values.append(needsHash ? .bytes(word) : try ABI.decode(parameter.type, from: word))
            } else {
                values.append(dataValues[dataIndex])
                dataIndex += 1
            }
        }
        return values
    }
}

/// Splits on commas that are not inside parentheses.
private func splitTopLevel(_ text: String) -> [String] {
    guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
    var parts: [String] = []
    var depth = 0
    var current = ""
    for char in text {
        if char == "(" { depth += 1 }
        if char == ")" { depth -= 1 }
        if char == ",", depth == 0 {
            parts.append(current.trimmingCharacters(in: .whitespaces))
            current = ""
        } else {
            current.append(char)
        }
    }
    parts.append(current.trimmingCharacters(in: .whitespaces))
    return parts
}
