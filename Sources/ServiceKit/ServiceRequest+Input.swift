import EVM
import Foundation
public import InfernetCore

/// Decoding hooks: services read their input one way for on-chain requests (hex of ABI-encoded
/// bytes in `data`) and another for off-chain ones (JSON in `data`).
extension ServiceRequest {
    /// The on-chain input bytes: `data` must be a hex string (with or without `0x`).
    public func onchainBytes() throws(ServiceError) -> [UInt8] {
        guard let text = data.stringValue else {
            throw .invalidField("data", "an on-chain request carries a hex string, got \(data.typeName)")
        }
        guard let bytes = try? Hex.decode(text) else { throw .invalidField("data", "not a hex string") }
        return Array(bytes)
    }

    /// Picks the decoder by `source`: `onchain` gets the input bytes, `offchain` gets `data`.
    /// Errors other than `ServiceError` become 400s about `data`.
    public func input<Input>(
        onchain: ([UInt8]) throws -> Input,
        offchain: (JSONValue) throws -> Input
    ) throws(ServiceError) -> Input {
        do {
            switch source {
            case .onchain: return try onchain(try onchainBytes())
            case .offchain, .stream: return try offchain(data)
            }
        } catch let error as ServiceError {
            throw error
        } catch let error as DecodingError {
            throw ServiceError.decoding(error, root: "data")
        } catch {
            throw .invalidField("data", "\(error)")
        }
    }

    /// Decodes off-chain `data` into a `Decodable` type; errors name the field path.
    public func decodeData<T: Decodable>(as type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws(ServiceError) -> T {
        do {
            return try decoder.decode(T.self, from: Data(data.jsonText.utf8))
        } catch let error as DecodingError {
            throw ServiceError.decoding(error, root: "data")
        } catch {
            throw .invalidField("data", "\(error)")
        }
    }
}

extension ServiceError {
    /// A 400 for a `DecodingError`, naming the field path (`data.params.messages[0].role`).
    public static func decoding(_ error: DecodingError, root: String) -> ServiceError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(root) { partial, key in
                if let index = key.intValue { return "\(partial)[\(index)]" }
                return "\(partial).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path(context.codingPath + [key]))
        case .typeMismatch(let type, let context):
            return .invalidField(path(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return .invalidField(path(context.codingPath), "expected \(type), got null")
        case .dataCorrupted(let context):
            return .invalidField(path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalidField(root, "\(error)")
        }
    }
}
