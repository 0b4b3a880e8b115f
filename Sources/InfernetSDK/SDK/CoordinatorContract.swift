import BigInt
import EVM
import Foundation

/// A pending proof request.
public struct ProofRequest: Hashable, Sendable {
    public var expiry: UInt32
    public var nodeWallet: Address
    public var consumerEscrowed: BigUInt
}

/// The delegated-subscription signature parts passed to the `…Delegatee` functions.
public struct DelegateSignature: Hashable, Sendable {
    public var nonce: UInt32
    public var expiry: UInt32
    public var signature: Signature

    public init(nonce: UInt32, expiry: UInt32, signature: Signature) {
        self.nonce = nonce
        self.expiry = expiry
        self.signature = signature
    }

    var abiValues: [ABIValue] {
        [.uint(nonce), .uint(expiry)]
    }
}

/// The Coordinator: typed reads and calldata for its transactions.
public struct CoordinatorContract: Sendable {
    public let address: Address
    public let caller: any ContractCaller
    private typealias F = InfernetABI.Coordinator

    public init(address: Address, caller: any ContractCaller) {
        self.address = address
        self.caller = caller
    }

    private func view(_ function: ABIFunction, _ arguments: [ABIValue] = [], block: BlockTag) async throws -> ABIValue {
        try first(try await callView(caller, address, function, arguments, block: block))
    }

    /// The next id to assign (ids are 1-based).
    public func nextID(block: BlockTag = .latest) async throws -> UInt32 {
        try await view(F.id, block: block).integerValue()
    }

    public func subscription(_ id: UInt32, block: BlockTag = .latest) async throws -> Subscription {
        try Subscription(abiValue: try await view(F.getSubscription, [.uint(id)], block: block))
    }

    public func nodeResponded(subscriptionID: UInt32, interval: UInt32, node: Address, block: BlockTag = .latest) async throws -> Bool {
        let key = CoordinatorKeys.nodeResponded(subscriptionID: subscriptionID, interval: interval, node: node)
        return try await view(F.nodeResponded, [.bytes(key)], block: block).boolValue()
    }

    public func redundancyCount(subscriptionID: UInt32, interval: UInt32, block: BlockTag = .latest) async throws -> UInt16 {
        let key = CoordinatorKeys.redundancyCount(subscriptionID: subscriptionID, interval: interval)
        return try await view(F.redundancyCount, [.bytes(key)], block: block).integerValue()
    }

    public func proofRequest(subscriptionID: UInt32, interval: UInt32, node: Address, block: BlockTag = .latest) async throws -> ProofRequest {
        let key = CoordinatorKeys.nodeResponded(subscriptionID: subscriptionID, interval: interval, node: node)
        let values = try await callView(caller, address, F.proofRequests, [.bytes(key)], block: block)
        guard values.count == 3 else { throw ABICodingError.countMismatch(expected: 3, actual: values.count) }
        return ProofRequest(expiry: try values[0].integerValue(), nodeWallet: try values[1].addressValue(),
                            consumerEscrowed: try values[2].uintValue())
    }

    public func maxSubscriberNonce(_ owner: Address, block: BlockTag = .latest) async throws -> UInt32 {
        try await view(F.maxSubscriberNonce, [.address(owner)], block: block).integerValue()
    }

    /// The id created for `(owner, nonce)` by a delegated subscription, or 0.
    public func delegateCreatedID(owner: Address, nonce: UInt32, block: BlockTag = .latest) async throws -> UInt32 {
        let key = CoordinatorKeys.delegateCreated(owner: owner, nonce: nonce)
        return try await view(F.delegateCreatedIds, [.bytes(key)], block: block).integerValue()
    }

    public func subscriptionInterval(activeAt: UInt32, period: UInt32, block: BlockTag = .latest) async throws -> UInt32 {
        try await view(F.getSubscriptionInterval, [.uint(activeAt), .uint(period)], block: block).integerValue()
    }

    public func eip712Name(block: BlockTag = .latest) async throws -> String {
        try await view(F.eip712Name, block: block).stringValue()
    }

    public func eip712Version(block: BlockTag = .latest) async throws -> String {
        try await view(F.eip712Version, block: block).stringValue()
    }

    // MARK: Calldata

    public static func deliverComputeCalldata(subscriptionID: UInt32, interval: UInt32, output: OnchainOutput,
                                              nodeWallet: Address) throws -> Data {
        try F.deliverCompute.encodeCall([.uint(subscriptionID), .uint(interval), .bytes(output.input),
                                         .bytes(output.output), .bytes(output.proof), .address(nodeWallet)])
    }

    public static func deliverComputeDelegateeCalldata(delegate: DelegateSignature, subscription: Subscription,
                                                       interval: UInt32, output: OnchainOutput,
                                                       nodeWallet: Address) throws -> Data {
        try F.deliverComputeDelegatee.encodeCall(delegate.abiValues + [
            subscription.abiValue, .uint(delegate.signature.v), .bytes(delegate.signature.r), .bytes(delegate.signature.s),
            .uint(interval), .bytes(output.input), .bytes(output.output), .bytes(output.proof), .address(nodeWallet),
        ])
    }

    public static func createSubscriptionDelegateeCalldata(delegate: DelegateSignature, subscription: Subscription) throws -> Data {
        try F.createSubscriptionDelegatee.encodeCall(delegate.abiValues + [
            subscription.abiValue, .uint(delegate.signature.v), .bytes(delegate.signature.r), .bytes(delegate.signature.s),
        ])
    }

    public static func createSubscriptionCalldata(containerID: String, frequency: UInt32, period: UInt32, redundancy: UInt16,
                                                  lazy: Bool, paymentToken: Address = .zero, paymentAmount: BigUInt = 0,
                                                  wallet: Address = .zero, verifier: Address = .zero) throws -> Data {
        try F.createSubscription.encodeCall([
            .string(containerID), .uint(frequency), .uint(period), .uint(redundancy), .bool(lazy), .address(paymentToken),
            .uint(paymentAmount), .address(wallet), .address(verifier),
        ])
    }

    public static func cancelSubscriptionCalldata(_ id: UInt32) throws -> Data {
        try F.cancelSubscription.encodeCall([.uint(id)])
    }

    public static func finalizeProofVerificationCalldata(subscriptionID: UInt32, interval: UInt32, node: Address,
                                                         valid: Bool) throws -> Data {
        try F.finalizeProofVerification.encodeCall([.uint(subscriptionID), .uint(interval), .address(node), .bool(valid)])
    }
}
