public import EVM
import Foundation
public import ServiceKit

/// ABI decoding of on-chain inputs and encoding of outputs, with 400s about `data`.
public enum OnchainCodec {
    /// Decodes the input bytes as `types`; a failure is a 400 naming `data` and the layout.
    public static func decode(_ types: [ABIType], from bytes: [UInt8]) throws(ServiceError) -> [ABIValue] {
        do {
            return try ABI.decode(types, from: Data(bytes))
        } catch {
            let layout = "(" + types.map(\.canonicalName).joined(separator: ",") + ")"
            throw .invalidField("data", "the on-chain input is not abi.encode\(layout): \(error)")
        }
    }

    public static func encode(_ values: [ABIValue], as types: [ABIType]) throws(ServiceError) -> [UInt8] {
        do {
            return Array(try ABI.encode(values, as: types))
        } catch {
            throw .internalError("encoding the on-chain output failed: \(error)")
        }
    }

    /// `abi.encode(string)`.
    public static func encode(string: String) throws(ServiceError) -> [UInt8] {
        try encode([.string(string)], as: [.string])
    }

    /// A value of an input, with the 400 naming what was expected.
    public static func value<T>(_ body: () throws -> T, _ what: String) throws(ServiceError) -> T {
        do { return try body() } catch { throw .invalidField("data", "bad on-chain \(what): \(error)") }
    }
}
