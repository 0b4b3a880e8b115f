import BigInt
import EVM
import Foundation

/// The Registry: where the node finds every other contract.
public struct RegistryContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    /// The addresses the registry points to.
    public struct Addresses: Hashable, Sendable {
        public var coordinator, inbox, reader, fee, walletFactory: Address
    }

    private func get(_ function: ABIFunction, block: BlockTag) async throws -> Address {
        try first(try await callView(caller, address, function, block: block)).addressValue()
    }

    public func addresses(block: BlockTag = .latest) async throws -> Addresses {
        typealias F = InfernetABI.Registry
        return Addresses(coordinator: try await get(F.coordinator, block: block), inbox: try await get(F.inbox, block: block),
                         reader: try await get(F.reader, block: block), fee: try await get(F.fee, block: block),
                         walletFactory: try await get(F.walletFactory, block: block))
    }
}

/// The Reader: batch reads of subscriptions and redundancy counts.
public struct ReaderContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    /// Subscriptions with ids in `startID..<endID`.
    public func subscriptions(_ ids: Range<UInt32>, block: BlockTag = .latest) async throws -> [Subscription] {
        let values = try first(try await callView(caller, address, InfernetABI.Reader.readSubscriptionBatch,
                                                  [.uint(ids.lowerBound), .uint(ids.upperBound)], block: block))
        return try values.arrayValue().map { try Subscription(abiValue: $0) }
    }

    /// Redundancy counts of `(id, interval)` pairs.
    public func redundancyCounts(_ pairs: [(id: UInt32, interval: UInt32)], block: BlockTag = .latest) async throws -> [UInt16] {
        let values = try first(try await callView(
            caller, address, InfernetABI.Reader.readRedundancyCountBatch,
            [.array(pairs.map { .uint($0.id) }), .array(pairs.map { .uint($0.interval) })], block: block))
        return try values.arrayValue().map { try $0.integerValue() }
    }
}

/// The WalletFactory.
public struct WalletFactoryContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    public func isValidWallet(_ wallet: Address, block: BlockTag = .latest) async throws -> Bool {
        try first(try await callView(caller, address, InfernetABI.WalletFactory.isValidWallet, [.address(wallet)],
                                     block: block)).boolValue()
    }

    public static func createWalletCalldata(owner: Address) throws -> Data {
        try InfernetABI.WalletFactory.createWallet.encodeCall([.address(owner)])
    }
}

/// A payment Wallet (token address zero = ETH).
public struct WalletContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    public func allowance(spender: Address, token: Address, block: BlockTag = .latest) async throws -> BigUInt {
        try first(try await callView(caller, address, InfernetABI.Wallet.allowance, [.address(spender), .address(token)],
                                     block: block)).uintValue()
    }

    public func owner(block: BlockTag = .latest) async throws -> Address {
        try first(try await callView(caller, address, InfernetABI.Wallet.owner, block: block)).addressValue()
    }

    public static func approveCalldata(spender: Address, token: Address, amount: BigUInt) throws -> Data {
        try InfernetABI.Wallet.approve.encodeCall([.address(spender), .address(token), .uint(amount)])
    }

    public static func withdrawCalldata(token: Address, amount: BigUInt) throws -> Data {
        try InfernetABI.Wallet.withdraw.encodeCall([.address(token), .uint(amount)])
    }
}

/// A consumer contract (what user contracts inherit from the SDK).
public struct ConsumerContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    /// The inputs for an interval; called `from` the node's address as the reference node does.
    public func containerInputs(subscriptionID: UInt32, interval: UInt32, timestamp: UInt32, caller node: Address,
                                block: BlockTag = .latest) async throws -> Data {
        try first(try await callView(caller, address, InfernetABI.Consumer.getContainerInputs,
                                     [.uint(subscriptionID), .uint(interval), .uint(timestamp), .address(node)],
                                     from: node, block: block)).bytesValue()
    }

    /// The delegated-subscription signer (`Delegator.getSigner()`).
    public func signer(block: BlockTag = .latest) async throws -> Address {
        try first(try await callView(caller, address, InfernetABI.Consumer.getSigner, block: block)).addressValue()
    }

    public func isAllowedNode(_ node: Address, block: BlockTag = .latest) async throws -> Bool {
        try first(try await callView(caller, address, InfernetABI.Consumer.isAllowedNode, [.address(node)],
                                     block: block)).boolValue()
    }
}

/// The Fee contract.
public struct FeeContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    /// Protocol fee in basis points.
    public func fee(block: BlockTag = .latest) async throws -> UInt16 {
        try first(try await callView(caller, address, InfernetABI.Fee.fee, block: block)).integerValue()
    }

    public func recipient(block: BlockTag = .latest) async throws -> Address {
        try first(try await callView(caller, address, InfernetABI.Fee.feeRecipient, block: block)).addressValue()
    }
}
