import InfernetCore
import EVM
import Foundation

/// Calls a view function through a `ContractCaller` and decodes its outputs.
func callView(_ caller: any ContractCaller, _ address: Address, _ function: ABIFunction, _ arguments: [ABIValue] = [],
              from: Address? = nil, block: BlockTag) async throws -> [ABIValue] {
    let data = try function.encodeCall(arguments)
    let result = try await caller.call(CallRequest(from: from, to: address, data: data), block: block)
    return try function.decodeOutput(result)
}

func first(_ values: [ABIValue]) throws -> ABIValue {
    guard let value = values.first else { throw ABICodingError.countMismatch(expected: 1, actual: 0) }
    return value
}

/// Keys of the Coordinator's per-interval mappings.
public enum CoordinatorKeys {
    /// `keccak256(abi.encode(uint32 subId, uint32 interval, address node))` (nodeResponded, proofRequests).
    public static func nodeResponded(subscriptionID: UInt32, interval: UInt32, node: Address) -> Data {
        Keccak256.hash((try? ABI.encode([.uint(subscriptionID), .uint(interval), .address(node)],
                                        as: [.uint32, .uint32, .address])) ?? Data())
    }

    /// `keccak256(abi.encode(uint32 subId, uint32 interval))` (redundancyCount).
    public static func redundancyCount(subscriptionID: UInt32, interval: UInt32) -> Data {
        Keccak256.hash((try? ABI.encode([.uint(subscriptionID), .uint(interval)], as: [.uint32, .uint32])) ?? Data())
    }

    /// `keccak256(abi.encode(address owner, uint32 nonce))` (delegateCreatedIds).
    public static func delegateCreated(owner: Address, nonce: UInt32) -> Data {
        Keccak256.hash((try? ABI.encode([.address(owner), .uint(nonce)], as: [.address, .uint32])) ?? Data())
    }
}
