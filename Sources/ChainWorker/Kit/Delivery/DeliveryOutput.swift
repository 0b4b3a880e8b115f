import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// Why a delivery could not go out.
public enum DeliveryError: Error, Equatable, CustomStringConvertible {
    case paymentRefused(String)
    case inputsUnavailable(String)
    case computeFailed(container: String, error: String)
    /// The container answered `{"code": …}` with a code other than "200".
    case containerReportedFailure(code: String)
    case badOutput(String)
    /// `retryable`: the consumer itself reverted (it may recover); the Coordinator's own errors
    /// (interval completed, already responded, …) are final.
    case simulationReverted(String, retryable: Bool)
    case unknownContainerSet

    public var description: String {
        switch self {
        case .paymentRefused(let reason): "payment refused: \(reason)"
        case .inputsUnavailable(let reason): "getContainerInputs failed: \(reason)"
        case .computeFailed(let container, let error): "container \(container) failed: \(error)"
        case .containerReportedFailure(let code): "the container's output has code \(code), not 200"
        case .badOutput(let reason): "the output cannot be delivered: \(reason)"
        case .simulationReverted(let reason, _): "deliverCompute would revert: \(reason)"
        case .unknownContainerSet: "the subscription's container-set hash matches no chain this node serves"
        }
    }

    /// Errors that no retry can fix: the subscription is dropped for this interval.
    public var isPermanent: Bool {
        switch self {
        case .paymentRefused, .containerReportedFailure, .badOutput, .unknownContainerSet: true
        case .simulationReverted(_, let retryable): !retryable
        case .inputsUnavailable, .computeFailed: false
        }
    }
}

/// The container protocol's on-chain serialisation of a compute result (container-protocol.md).
public enum DeliveryOutput {
    /// The last hop's output as `(input, output, proof)` bytes.
    public static func serialize(_ result: ComputeResult) throws(DeliveryError) -> OnchainOutput {
        guard let last = result.outcomes.last else { throw .computeFailed(container: "", error: "no container ran") }
        if let error = last.error { throw .computeFailed(container: last.container, error: error) }
        guard let text = last.output, let value = try? JSONValue(parsing: Array(text.utf8)) else {
            throw .badOutput("container \(last.container) returned no JSON output")
        }
        if let code = value.objectValue?["code"], code.stringValue != "200", code.pythonCode != "200" {
            throw .containerReportedFailure(code: code.stringValue ?? "\(code)")
        }
        do {
            return try OnchainOutput(serializing: value)
        } catch {
            throw .badOutput(error.description)
        }
    }

    /// The first hop's `data` for an on-chain subscription: the inputs' hex without 0x, as JSON.
    public static func inputData(_ inputs: Data) -> String {
        "\"\(inputs.hexString.dropFirst(2))\""
    }
}

private extension JSONValue {
    /// A numeric `code: 200` counts as "200" too.
    var pythonCode: String? {
        if case .number = self { return pythonRepr }
        return nil
    }
}
