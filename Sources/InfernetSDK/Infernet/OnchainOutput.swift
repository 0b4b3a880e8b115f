import InfernetCore
import EVM
import Foundation

/// Errors from serialising a container output for on-chain delivery.
public enum OnchainOutputError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidHexField(key: String, reason: String)

    public var description: String {
        switch self {
        case .invalidHexField(let key, let reason):
            "output field '\(key)' must be a hex string (without 0x) or null: \(reason)"
        }
    }
}

/// What the serialiser needs from a JSON output value (InfernetCore's `JSONValue` conforms).
public protocol OnchainOutputSource {
    /// The value under `key` when this is an object (`.missing` when it is not, or has no such key).
    func onchainField(_ key: String) -> OnchainField
    /// The value rendered as Python's `str()` renders the `json.loads` result.
    var pythonRepr: String { get }
}

/// One of the five proof-style keys of an output object.
public enum OnchainField: Equatable, Sendable {
    case missing
    case null
    case string(String)
    /// Present but neither a string nor null.
    case other
}

/// The `(input, output, proof)` bytes passed to `deliverCompute` (container-protocol.md).
public struct OnchainOutput: Hashable, Sendable {
    public var input: Data
    public var output: Data
    public var proof: Data

    public init(input: Data = Data(), output: Data = Data(), proof: Data = Data()) {
        self.input = input
        self.output = output
        self.proof = proof
    }

    /// The five keys that select the raw/processed form.
    public static let proofKeys = ["raw_input", "processed_input", "raw_output", "processed_output", "proof"]

    /// Serialises an output: the raw/processed form when all five keys are present, otherwise
    /// `output = abi.encode(string str(output))` with empty input and proof.
    public init<Value: OnchainOutputSource>(serializing value: Value) throws(OnchainOutputError) {
        let fields = Self.proofKeys.map { value.onchainField($0) }
        guard !fields.contains(.missing) else {
            self.init(pythonRepr: value.pythonRepr)
            return
        }
        var bytes: [Data] = []
        for (key, field) in zip(Self.proofKeys, fields) {
            switch field {
            case .null, .missing: bytes.append(Data())
            case .string(let text):
                do { bytes.append(try Hex.decode(text)) } catch { throw .invalidHexField(key: key, reason: error.description) }
            case .other: throw .invalidHexField(key: key, reason: "neither a string nor null")
            }
        }
        self.init(
            input: Self.encodePair(bytes[0], bytes[1]),
            output: Self.encodePair(bytes[2], bytes[3]),
            proof: bytes[4])
    }

    /// The plain form from an already-rendered Python `str(dict)` text.
    public init(pythonRepr: String) {
        // Encoding a string cannot fail.
        let output = (try? ABI.encode(.string(pythonRepr), as: .string)) ?? Data()
        self.init(input: Data(), output: output, proof: Data())
    }

    private static func encodePair(_ first: Data, _ second: Data) -> Data {
        (try? ABI.encode([.bytes(first), .bytes(second)], as: [.bytes, .bytes])) ?? Data()
    }
}

/// The container-set hash stored as a subscription's `containerId`.
public enum ContainerSet {
    /// `keccak256(abi.encode(string ids.joined(",")))`.
    public static func hash(_ ids: [String]) -> Data {
        hash(joined: ids.joined(separator: ","))
    }

    /// `keccak256(abi.encode(string joined))` of an already comma-joined list.
    public static func hash(joined: String) -> Data {
        Keccak256.hash((try? ABI.encode(.string(joined), as: .string)) ?? Data())
    }
}
