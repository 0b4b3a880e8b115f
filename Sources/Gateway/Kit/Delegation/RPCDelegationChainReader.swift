import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// `DelegationChainReader` over the node's JSON-RPC endpoints. The chain id and the
/// coordinator (from the Registry) do not change while the node runs: they are read once,
/// on the first delegated subscription, and kept.
public actor RPCDelegationChainReader: DelegationChainReader {
    let client: JSONRPCClient
    let registry: Address
    private var cachedDomain: (chainID: UInt64, coordinator: Address)?

    public init(client: JSONRPCClient, registry: Address) {
        self.client = client
        self.registry = registry
    }

    /// From `chain.rpc_url` (+ `chain.rpc_urls`) and `chain.registry_address`. Fewer retries and
    /// a shorter timeout than the chain worker's client: a client is waiting for the answer.
    public init(config: ChainConfig, logger: Logger) throws(ConfigError) {
        // Parsed at config load; required there when the chain is enabled.
        guard let registry = config.registryAddress else {
            throw ConfigError(key: "chain.registry_address", "is required for delegated subscriptions")
        }
        var rpc = JSONRPCConfiguration(endpoints: config.rpcURLs)
        rpc.timeout = .seconds(5)
        rpc.maxAttempts = 2
        self.init(client: JSONRPCClient(configuration: rpc, logger: logger), registry: registry)
    }

    public func domain() async throws(DelegationReadError) -> (chainID: UInt64, coordinator: Address) {
        if let cachedDomain { return cachedDomain }
        let (client, registry) = (self.client, self.registry)
        let domain = try await Self.read {
            let chainID = try await client.chainID()
            let coordinator = try await RegistryContract(address: registry, caller: client).addresses().coordinator
            return (chainID: chainID, coordinator: coordinator)
        }
        cachedDomain = domain
        return domain
    }

    public func delegateCreatedID(owner: Address, nonce: UInt32) async throws(DelegationReadError) -> UInt32 {
        let coordinator = try await domain().coordinator
        let client = self.client
        return try await Self.read {
            try await CoordinatorContract(address: coordinator, caller: client).delegateCreatedID(owner: owner, nonce: nonce)
        }
    }

    public func latestBlockTimestamp() async throws(DelegationReadError) -> UInt64 {
        let client = self.client
        return try await Self.read {
            guard let block = try await client.block(.latest) else {
                throw RPCError.invalidResponse("no latest block", method: "eth_getBlockByNumber")
            }
            return block.timestamp
        }
    }

    public func signer(of consumer: Address) async throws(DelegationReadError) -> Address {
        let client = self.client
        return try await Self.read { try await ConsumerContract(address: consumer, caller: client).signer() }
    }

    /// Connection failures are `unreachable` (503); reverts and undecodable answers `rejected`.
    static func read<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(DelegationReadError) -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            switch error {
            case .transport, .rateLimited, .noEndpoints: throw .unreachable(error.description)
            case .server, .invalidResponse: throw .rejected(error.description)
            }
        } catch {
            throw .rejected("\(error)")
        }
    }
}
