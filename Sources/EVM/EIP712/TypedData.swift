import BigInt
import Foundation

/// Errors from EIP-712 hashing.
public enum EIP712Error: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownType(String)
    case missingField(type: String, field: String)
    case invalidValue(type: String, reason: String)
    case invalidJSON(String)
    case cyclicOrTooDeep(String)

    public var description: String {
        switch self {
        case .unknownType(let name): "EIP-712: type '\(name)' is not defined in types"
        case .missingField(let type, let field): "EIP-712: \(type) value lacks field '\(field)'"
        case .invalidValue(let type, let reason): "EIP-712: bad value for \(type): \(reason)"
        case .invalidJSON(let reason): "EIP-712: typed data JSON: \(reason)"
        case .cyclicOrTooDeep(let type): "EIP-712: value of \(type) nests too deeply"
        }
    }
}

/// A member of an EIP-712 struct type.
public struct EIP712Field: Hashable, Sendable {
    public let name: String
    /// A Solidity type name, a struct type name, or an array of either (`Foo[]`, `uint256[3]`).
    public let type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// A value inside an EIP-712 message.
public indirect enum EIP712Value: Hashable, Sendable {
    case uint(BigUInt)
    case int(BigInt)
    case bool(Bool)
    case address(Address)
    /// `bytes` and `bytesN`.
    case bytes(Data)
    case string(String)
    case array([EIP712Value])
    case object([String: EIP712Value])
}

/// An EIP-712 typed-data message: types, primary type, domain and message.
public struct TypedData: Hashable, Sendable {
    /// Struct definitions by name, including `EIP712Domain`.
    public var types: [String: [EIP712Field]]
    public var primaryType: String
    /// The domain's field values (its fields are listed in `types["EIP712Domain"]`).
    public var domain: [String: EIP712Value]
    public var message: [String: EIP712Value]

    public init(types: [String: [EIP712Field]], primaryType: String, domain: [String: EIP712Value],
                message: [String: EIP712Value]) {
        self.types = types
        self.primaryType = primaryType
        self.domain = domain
        self.message = message
    }

    /// The fields of the standard `EIP712Domain` for the values present in `domain`
    /// (in the EIP's order: name, version, chainId, verifyingContract, salt).
    public static func domainFields(for domain: [String: EIP712Value]) -> [EIP712Field] {
        [("name", "string"), ("version", "string"), ("chainId", "uint256"), ("verifyingContract", "address"), ("salt", "bytes32")]
            .filter { domain[$0.0] != nil }.map { EIP712Field(name: $0.0, type: $0.1) }
    }

    /// `keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))`: the hash to sign.
    public func signingHash() throws(EIP712Error) -> Data {
        Keccak256.hash(Data([0x19, 0x01]) + (try domainSeparator()) + (try hashStruct(primaryType, message)))
    }

    /// `hashStruct(EIP712Domain, domain)`.
    public func domainSeparator() throws(EIP712Error) -> Data {
        var encoder = self
        if encoder.types["EIP712Domain"] == nil { encoder.types["EIP712Domain"] = Self.domainFields(for: domain) }
        return try encoder.hashStruct("EIP712Domain", domain)
    }

    /// `encodeType`: `Name(type name,…)` followed by the referenced struct types sorted by name.
    public func encodeType(_ name: String) throws(EIP712Error) -> String {
        var found: Set<String> = []
        try collectDependencies(name, into: &found)
        found.remove(name)
        var result = ""
        for typeName in [name] + found.sorted() {
            guard let fields = types[typeName] else { throw .unknownType(typeName) }
            result += typeName + "(" + fields.map { "\($0.type) \($0.name)" }.joined(separator: ",") + ")"
        }
        return result
    }

    /// `typeHash` = Keccak-256 of `encodeType`.
    public func typeHash(_ name: String) throws(EIP712Error) -> Data {
        Keccak256.hash(try encodeType(name))
    }

    /// `hashStruct(s) = keccak256(typeHash ‖ encodeData(s))`.
    public func hashStruct(_ name: String, _ value: [String: EIP712Value]) throws(EIP712Error) -> Data {
        Keccak256.hash(try encodeData(name, value, depth: 0))
    }

    func encodeData(_ name: String, _ value: [String: EIP712Value], depth: Int) throws(EIP712Error) -> Data {
        guard depth < 32 else { throw .cyclicOrTooDeep(name) }
        guard let fields = types[name] else { throw .unknownType(name) }
        var out = try typeHash(name)
        for field in fields {
            guard let member = value[field.name] else { throw .missingField(type: name, field: field.name) }
            out += try encodeField(type: field.type, value: member, depth: depth)
        }
        return out
    }

    private func encodeField(type: String, value: EIP712Value, depth: Int) throws(EIP712Error) -> Data {
        if type.hasSuffix("]"), let open = type.lastIndex(of: "[") {
            let elementType = String(type[..<open])
            guard case .array(let items) = value else { throw .invalidValue(type: type, reason: "expected an array") }
            let sizeText = type[type.index(after: open)..<type.index(before: type.endIndex)]
            if !sizeText.isEmpty, Int(sizeText) != items.count {
                throw .invalidValue(type: type, reason: "expected \(sizeText) elements, got \(items.count)")
            }
            var concatenated = Data()
            for item in items { concatenated += try encodeField(type: elementType, value: item, depth: depth + 1) }
            return Keccak256.hash(concatenated)
        }
        if types[type] != nil {
            guard case .object(let members) = value else { throw .invalidValue(type: type, reason: "expected a struct") }
            return Keccak256.hash(try encodeData(type, members, depth: depth + 1))
        }
        switch (type, value) {
        case ("string", .string(let text)): return Keccak256.hash(Data(text.utf8))
        case ("bytes", .bytes(let data)): return Keccak256.hash(data)
        default: break
        }
        let abiType: ABIType
        do { abiType = try ABIType(parsing: type) } catch { throw .unknownType(type) }
        let abiValue: ABIValue
        switch value {
        case .uint(let number): abiValue = .uint(number)
        case .int(let number):
            if case .uint = abiType { guard number >= 0 else { throw .invalidValue(type: type, reason: "negative") }
                abiValue = .uint(BigUInt(number)) } else { abiValue = .int(number) }
        case .bool(let flag): abiValue = .bool(flag)
        case .address(let address): abiValue = .address(address)
        case .bytes(let data): abiValue = .bytes(data)
        default: throw .invalidValue(type: type, reason: "not an atomic value")
        }
        var adjusted = abiValue
        if case .int = abiType, case .uint(let number) = abiValue { adjusted = .int(BigInt(number)) }
        do { return try ABI.encode(adjusted, as: abiType) } catch { throw .invalidValue(type: type, reason: "\(error)") }
    }

    private func collectDependencies(_ typeName: String, into found: inout Set<String>) throws(EIP712Error) {
        let base = typeName.firstIndex(of: "[").map { String(typeName[..<$0]) } ?? typeName
        guard let fields = types[base], !found.contains(base) else { return }
        found.insert(base)
        for field in fields { try collectDependencies(field.type, into: &found) }
    }
}

extension TypedData {
    /// Signs the typed data (`eth_signTypedData_v4`).
    public func sign(with key: PrivateKey) throws -> Signature {
        try key.sign(hash: try signingHash())
    }

    /// The address that made `signature` over this typed data.
    public func recoverSigner(_ signature: Signature) throws -> Address {
        try signature.recoverAddress(hash: try signingHash())
    }
}
