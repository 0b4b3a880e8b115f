import Foundation

/// Splits `name(types…)` into the name and the parsed parameter types.
func parseSignature(_ signature: String) throws(ABITypeError) -> (name: String, types: [ABIType]) {
    guard let open = signature.firstIndex(of: "("), signature.hasSuffix(")") else {
        throw .invalid(signature, reason: "expected name(type,…)")
    }
    let name = String(signature[..<open])
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }) else {
        throw .invalid(signature, reason: "bad name '\(name)'")
    }
    let inside = String(signature[signature.index(after: open)..<signature.index(before: signature.endIndex)])
    return (name, try ABIType.parseList(inside))
}

/// `name(type1,type2)`: what a function's, an error's or an event's selector hashes.
func canonicalSignature(_ name: String, _ types: [ABIType]) -> String {
    name + "(" + types.map(\.canonicalName).joined(separator: ",") + ")"
}

/// A contract function: its selector, calldata encoding and return-data decoding.
public struct ABIFunction: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let inputs: [ABIType]
    public let outputs: [ABIType]
    /// The first four bytes of the Keccak-256 of the signature. Kept, not recomputed: every
    /// `eth_call` and transaction the node makes encodes a call.
    public let selector: Data

    public init(name: String, inputs: [ABIType], outputs: [ABIType] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        selector = Keccak256.hash(canonicalSignature(name, inputs)).prefix(4)
    }

    /// From a signature such as `"transfer(address,uint256)"` and return types such as `"bool"`.
    public init(_ signature: String, returns: String = "") throws(ABITypeError) {
        let parsed = try parseSignature(signature)
        self.init(name: parsed.name, inputs: parsed.types, outputs: try ABIType.parseList(returns))
    }

    /// The canonical signature `name(type1,type2)`.
    public var signature: String { canonicalSignature(name, inputs) }
    public var description: String { signature }

    /// Selector followed by the encoded arguments.
    public func encodeCall(_ arguments: [ABIValue]) throws(ABICodingError) -> Data {
        selector + (try ABI.encode(arguments, as: inputs))
    }

    /// Decodes calldata made by `encodeCall` (checks the selector).
    public func decodeCall(_ calldata: Data) throws(ABICodingError) -> [ABIValue] {
        guard calldata.count >= 4, calldata.prefix(4) == selector else {
            throw .selectorMismatch(expected: selector.hexString, actual: Data(calldata.prefix(4)).hexString)
        }
        return try ABI.decode(inputs, from: Data(calldata.dropFirst(4)))
    }

    /// Decodes the return data of a call.
    public func decodeOutput(_ data: Data) throws(ABICodingError) -> [ABIValue] {
        try ABI.decode(outputs, from: data)
    }

    /// Encodes return data (for tests and mock contracts).
    public func encodeOutput(_ values: [ABIValue]) throws(ABICodingError) -> Data {
        try ABI.encode(values, as: outputs)
    }
}

/// A custom Solidity error `Name(types…)`, identified in revert data by its selector.
public struct ABICustomError: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let inputs: [ABIType]

    public init(name: String, inputs: [ABIType] = []) {
        self.name = name
        self.inputs = inputs
    }

    public init(_ signature: String) throws(ABITypeError) {
        let parsed = try parseSignature(signature)
        self.init(name: parsed.name, inputs: parsed.types)
    }

    public var signature: String { canonicalSignature(name, inputs) }
    public var description: String { signature }
    public var selector: Data { Keccak256.hash(signature).prefix(4) }

    /// Revert data for this error with `arguments`.
    public func encode(_ arguments: [ABIValue] = []) throws(ABICodingError) -> Data {
        selector + (try ABI.encode(arguments, as: inputs))
    }
}
