import EVM
import Foundation
import InfernetCore

/// Container outputs arrive as InfernetCore `JSONValue`s; this lets `OnchainOutput(serializing:)`
/// take them directly (its `pythonRepr` renders objects in arrival order, as Python's `str(dict)`).
extension JSONValue: OnchainOutputSource {
    public func onchainField(_ key: String) -> OnchainField {
        guard case .object(let object) = self, let value = object[key] else { return .missing }
        switch value {
        case .null: return .null
        case .string(let text): return .string(text)
        default: return .other
        }
    }
}

extension OnchainOutput {
    /// Serialises a container's JSON output for `deliverCompute` (container-protocol.md).
    public init(output: JSONValue) throws(OnchainOutputError) {
        try self.init(serializing: output)
    }
}
