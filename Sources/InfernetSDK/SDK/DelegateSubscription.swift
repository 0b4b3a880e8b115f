import BigInt
import EVM
import Foundation

/// EIP-712 signing of delegated subscriptions (`createSubscriptionDelegatee` /
/// `deliverComputeDelegatee`).
public enum DelegateSubscription {
    /// The Coordinator's EIP-712 name and version.
    public static let domainName = "InfernetCoordinator"
    public static let domainVersion = "1"

    /// The `Subscription` EIP-712 struct fields.
    public static let subscriptionFields: [EIP712Field] = [
        .init(name: "owner", type: "address"), .init(name: "activeAt", type: "uint32"),
        .init(name: "period", type: "uint32"), .init(name: "frequency", type: "uint32"),
        .init(name: "redundancy", type: "uint16"), .init(name: "containerId", type: "bytes32"),
        .init(name: "lazy", type: "bool"), .init(name: "verifier", type: "address"),
        .init(name: "paymentAmount", type: "uint256"), .init(name: "paymentToken", type: "address"),
        .init(name: "wallet", type: "address"),
    ]

    /// The `DelegateSubscription` EIP-712 struct fields.
    public static let delegateFields: [EIP712Field] = [
        .init(name: "nonce", type: "uint32"), .init(name: "expiry", type: "uint32"),
        .init(name: "sub", type: "Subscription"),
    ]

    /// The EIP-712 domain values for a coordinator.
    public static func domain(chainID: UInt64, coordinator: Address) -> [String: EIP712Value] {
        ["name": .string(domainName), "version": .string(domainVersion), "chainId": .uint(BigUInt(chainID)),
         "verifyingContract": .address(coordinator)]
    }

    /// The EIP-712 value of a subscription.
    public static func value(of sub: Subscription) -> [String: EIP712Value] {
        ["owner": .address(sub.owner), "activeAt": .uint(BigUInt(sub.activeAt)), "period": .uint(BigUInt(sub.period)),
         "frequency": .uint(BigUInt(sub.frequency)), "redundancy": .uint(BigUInt(sub.redundancy)),
         "containerId": .bytes(sub.containerID), "lazy": .bool(sub.lazy), "verifier": .address(sub.verifier),
         "paymentAmount": .uint(sub.paymentAmount), "paymentToken": .address(sub.paymentToken), "wallet": .address(sub.wallet)]
    }

    /// The full typed-data message.
    public static func typedData(nonce: UInt32, expiry: UInt32, subscription: Subscription, chainID: UInt64,
                                 coordinator: Address) -> TypedData {
        let domain = domain(chainID: chainID, coordinator: coordinator)
        return TypedData(
            types: ["EIP712Domain": TypedData.domainFields(for: domain), "Subscription": subscriptionFields,
                    "DelegateSubscription": delegateFields],
            primaryType: "DelegateSubscription", domain: domain,
            message: ["nonce": .uint(BigUInt(nonce)), "expiry": .uint(BigUInt(expiry)), "sub": .object(value(of: subscription))])
    }

    /// The digest the consumer's signer signs.
    public static func signingHash(nonce: UInt32, expiry: UInt32, subscription: Subscription, chainID: UInt64,
                                   coordinator: Address) -> Data {
        // Cannot fail: every type and field is defined above.
        (try? typedData(nonce: nonce, expiry: expiry, subscription: subscription, chainID: chainID,
                        coordinator: coordinator).signingHash()) ?? Data()
    }

    /// Signs a delegated subscription.
    public static func sign(nonce: UInt32, expiry: UInt32, subscription: Subscription, chainID: UInt64,
                            coordinator: Address, key: PrivateKey) throws(CryptoError) -> Signature {
        try key.sign(hash: signingHash(nonce: nonce, expiry: expiry, subscription: subscription, chainID: chainID,
                                       coordinator: coordinator))
    }

    /// The address that signed a delegated subscription (compare with the consumer's `getSigner()`).
    public static func recoverSigner(nonce: UInt32, expiry: UInt32, subscription: Subscription, chainID: UInt64,
                                     coordinator: Address, signature: Signature) throws(CryptoError) -> Address {
        try signature.recoverAddress(hash: signingHash(nonce: nonce, expiry: expiry, subscription: subscription,
                                                       chainID: chainID, coordinator: coordinator))
    }
}
