import BigInt
import EVM
import InfernetSDK
import Foundation

// How real values travel in bus JSON. One rule each:
// - addresses: written EIP-55 checksummed, read in any case (a mixed-case one is not checksum-
//   checked: the bus is internal, the checksum guards typing, not transport); anything that is
//   not 20 bytes of 0x hex is a decoding error naming the field.
// - bytes: 0x-prefixed lower-case hex.
// - uint256: a decimal string (JSON numbers lose precision past 2^53).

enum WireValue {
    static func address(_ text: String) -> Address? { try? Address(hex: text, checksum: false) }
    static func addressError(_ text: String) -> String { "'\(text)' is not a 20-byte 0x hex address" }
}

extension KeyedDecodingContainer {
    func decodeAddress(forKey key: Key) throws -> Address {
        let text = try decode(String.self, forKey: key)
        guard let address = WireValue.address(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: WireValue.addressError(text))
        }
        return address
    }

    func decodeHex(forKey key: Key, count: Int? = nil) throws -> Data {
        let text = try decode(String.self, forKey: key)
        do {
            return try count.map { try Hex.decode(text, count: $0) } ?? Hex.decode(text)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(error)")
        }
    }

    func decodeUInt256(forKey key: Key) throws -> BigUInt {
        let text = try decode(String.self, forKey: key)
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), let value = BigUInt(text), value.bitWidth <= 256 else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text)' is not a decimal uint256")
        }
        return value
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// An address field: checksummed out, any case in (see the rules above).
@propertyWrapper
public struct WireAddress: Codable, Sendable, Hashable {
    public var wrappedValue: Address
    public init(wrappedValue: Address) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = WireValue.address(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: WireValue.addressError(text))
        }
        wrappedValue = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.checksummed)
    }
}

/// A bytes field: 0x hex.
@propertyWrapper
public struct WireBytes: Codable, Sendable, Hashable {
    public var wrappedValue: Data
    public init(wrappedValue: Data) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do { wrappedValue = try Hex.decode(try container.decode(String.self)) } catch let error as HexError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.hexString)
    }
}

/// A uint256 field: a decimal string.
@propertyWrapper
public struct WireUInt256: Codable, Sendable, Hashable {
    public var wrappedValue: BigUInt
    public init(wrappedValue: BigUInt) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), let value = BigUInt(text), value.bitWidth <= 256 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a decimal uint256")
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(wrappedValue))
    }
}

/// The SDK's `Subscription` travels on the bus as is (no message copy to convert by hand):
/// the Coordinator struct's field names, addresses checksummed, `containerID` as 32 bytes of
/// 0x hex, `paymentAmount` in decimal.
extension Subscription: Codable {
    enum CodingKeys: String, CodingKey {
        case owner, activeAt, period, frequency, redundancy, containerID, lazy, verifier, paymentAmount, paymentToken, wallet
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            owner: try c.decodeAddress(forKey: .owner), activeAt: try c.decode(UInt32.self, forKey: .activeAt),
            period: try c.decode(UInt32.self, forKey: .period), frequency: try c.decode(UInt32.self, forKey: .frequency),
            redundancy: try c.decode(UInt16.self, forKey: .redundancy),
            containerID: try c.decodeHex(forKey: .containerID, count: 32), lazy: try c.decode(Bool.self, forKey: .lazy),
            verifier: try c.decodeAddress(forKey: .verifier), paymentAmount: try c.decodeUInt256(forKey: .paymentAmount),
            paymentToken: try c.decodeAddress(forKey: .paymentToken), wallet: try c.decodeAddress(forKey: .wallet))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(owner.checksummed, forKey: .owner)
        try c.encode(activeAt, forKey: .activeAt)
        try c.encode(period, forKey: .period)
        try c.encode(frequency, forKey: .frequency)
        try c.encode(redundancy, forKey: .redundancy)
        try c.encode(containerID.hexString, forKey: .containerID)
        try c.encode(lazy, forKey: .lazy)
        try c.encode(verifier.checksummed, forKey: .verifier)
        try c.encode(String(paymentAmount), forKey: .paymentAmount)
        try c.encode(paymentToken.checksummed, forKey: .paymentToken)
        try c.encode(wallet.checksummed, forKey: .wallet)
    }
}
