import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// What every delivery needs to know about the chain and this node: the RPC client, the SDK
/// contracts, the node's addresses and the delivery settings from the config.
public struct ChainContext: Sendable {
    public let rpc: JSONRPCClient
    public let addresses: RegistryContract.Addresses
    public let coordinator: CoordinatorContract
    public let reader: ReaderContract
    /// The deliveries' consumer inputs and simulations, batched when they come together.
    public let batcher: RPCBatcher
    /// The node's EOA (the signer).
    public let node: Address
    /// `chain.wallet.payment_address`, or zero when unset (non-paying subscriptions only).
    public let nodeWallet: Address
    public let maxGasLimit: UInt64
    /// Custom error names (e.g. "NodeRespondedAlready") sent anyway after a failed simulation.
    public let allowedSimulationErrors: Set<String>
    public let lookup: ContainerSetLookup
    /// How long one compute run may take (the node's one rule, shared with the gateway).
    public let computeTimeout: ComputeTimeout

    /// `lookup` defaults to the config's chains; the node passes the one its sync already built.
    public init(rpc: JSONRPCClient, addresses: RegistryContract.Addresses, node: Address, config: NodeConfig,
                lookup: ContainerSetLookup? = nil) throws {
        self.rpc = rpc
        self.addresses = addresses
        coordinator = CoordinatorContract(address: addresses.coordinator, caller: rpc)
        reader = ReaderContract(address: addresses.reader, caller: rpc)
        batcher = RPCBatcher(sender: rpc)
        self.node = node
        nodeWallet = config.chain.wallet.paymentAddress ?? .zero
        maxGasLimit = UInt64(max(21_000, config.chain.wallet.maxGasLimit))
        allowedSimulationErrors = Set(config.chain.wallet.allowedSimErrors)
        self.lookup = lookup ?? ContainerSetLookup(config: config)
        computeTimeout = ComputeTimeout(config: config)
    }
}
