import EVM
import InfernetSDK
import Foundation

/// The chain reads the sync needs; `ChainSubscriptionSource` in production, a fake in tests.
public protocol SubscriptionSource: Sendable {
    /// The head block number.
    func headBlock() async throws -> UInt64
    /// The timestamp of block `number`.
    func timestamp(ofBlock number: UInt64) async throws -> UInt64
    /// The Coordinator's `id()` (the next id it will assign) at `block`.
    func nextSubscriptionID(block: UInt64) async throws -> UInt32
    /// Subscriptions `ids` (start inclusive, end exclusive) at `block`, in order.
    func subscriptions(_ ids: Range<UInt32>, block: UInt64) async throws -> [Subscription]
}

/// Reads through the Registry's Coordinator and Reader with the JSON-RPC client.
public struct ChainSubscriptionSource: SubscriptionSource {
    public let rpc: JSONRPCClient
    public let coordinator: CoordinatorContract
    public let reader: ReaderContract
    public let addresses: RegistryContract.Addresses

    /// Resolves the Coordinator and Reader from the Registry at `registry`.
    public static func resolve(rpc: JSONRPCClient, registry: Address) async throws -> ChainSubscriptionSource {
        let addresses = try await RegistryContract(address: registry, caller: rpc).addresses()
        return ChainSubscriptionSource(rpc: rpc, addresses: addresses)
    }

    public init(rpc: JSONRPCClient, addresses: RegistryContract.Addresses) {
        self.rpc = rpc
        self.addresses = addresses
        coordinator = CoordinatorContract(address: addresses.coordinator, caller: rpc)
        reader = ReaderContract(address: addresses.reader, caller: rpc)
    }

    public func headBlock() async throws -> UInt64 { try await rpc.blockNumber() }

    public func timestamp(ofBlock number: UInt64) async throws -> UInt64 {
        guard let block = try await rpc.block(.number(number)) else {
            throw RPCError.invalidResponse("block \(number) not found", method: "eth_getBlockByNumber")
        }
        return block.timestamp
    }

    public func nextSubscriptionID(block: UInt64) async throws -> UInt32 {
        try await coordinator.nextID(block: .number(block))
    }

    public func subscriptions(_ ids: Range<UInt32>, block: UInt64) async throws -> [Subscription] {
        try await reader.subscriptions(ids, block: .number(block))
    }
}
