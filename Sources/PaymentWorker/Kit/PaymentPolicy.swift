import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// What a subscription must satisfy on chain once the static rules pass.
public struct PaymentRequirement: Equatable, Sendable {
    /// The subscription's bid, in wei of `token`.
    public var amount: BigUInt
    /// The payment token (zero = ETH).
    public var token: Address
    /// The consumer's Wallet (`subscription.wallet`).
    public var consumerWallet: Address
    /// The subscription owner: the spender whose allowance on the consumer's Wallet pays.
    public var owner: Address
    /// The node's Wallet (`chain.wallet.payment_address`).
    public var nodeWallet: Address
    /// The verifier, when the subscription asks for proofs (zero otherwise).
    public var verifier: Address

    public var needsCollateral: Bool { verifier != .zero }
}

/// The static verdict of `PaymentPolicy`.
public enum PolicyVerdict: Equatable, Sendable {
    /// Refused without asking the chain.
    case rejected(String)
    /// Acceptable as it stands (a free subscription): nothing to check on chain.
    case free
    /// Acceptable by the config; the chain must still confirm the wallet, balance and allowance.
    case paying(PaymentRequirement)
}

/// The config-only part of the payment check (the reference node's rules): allowed owners per
/// container, `payment_address` for paying subscriptions, accepted tokens and minimum bids.
/// Pure, so every rule is unit-testable without a chain.
public struct PaymentPolicy: Sendable {
    /// The node's Wallet as configured (nil = none).
    public let paymentAddress: Address?
    /// Containers by id.
    public let containers: [String: ContainerConfig]

    public init(paymentAddress: Address?, containers: [ContainerConfig]) {
        self.paymentAddress = paymentAddress
        self.containers = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public init(config: NodeConfig) {
        self.init(paymentAddress: config.chain.wallet.paymentAddress, containers: config.containers)
    }

    public func evaluate(_ request: PaymentCheckRequest) -> PolicyVerdict {
        let sub = request.subscription
        guard !request.containers.isEmpty else { return .rejected("the subscription names no containers") }
        // A subscription for a container this node does not run can never be served; refusing it
        // here keeps the compute and gas from being spent on it.
        var chain: [ContainerConfig] = []
        for id in request.containers {
            guard let container = containers[id] else { return .rejected("container '\(id)' is not configured on this node") }
            chain.append(container)
        }
        // The price is set per container, so the containers asked for must be the ones the
        // subscription's hash stands for, or a cheap chain could be quoted for an expensive one.
        guard sub.containerID == ContainerSet.hash(request.containers) else {
            return .rejected("containers \(request.containers.joined(separator: ",")) do not hash to the subscription's "
                             + "containerId \(sub.containerID.hexString)")
        }
        for container in chain where !container.allowedAddresses.isEmpty {
            guard container.allowedAddresses.contains(sub.owner) else {
                return .rejected("subscription owner \(sub.owner) is not in container '\(container.id)' allowed_addresses")
            }
        }
        // The subscription arrives typed (addresses, uint256) from the bus contract: only the
        // config's own strings are parsed here.
        let amount = sub.paymentAmount
        if amount == 0 { return .free }

        guard let nodeWallet = paymentAddress else { return .rejected("payment_address not configured") }
        let token = sub.paymentToken

        var minimum = BigUInt(0)
        for container in chain where !container.acceptedPayments.isEmpty {
            guard let entry = container.acceptedPayments[token] else {
                return .rejected("container '\(container.id)' does not accept payment token \(token.hex)")
            }
            minimum += entry
        }
        guard amount >= minimum else {
            return .rejected("bid \(amount) is below the minimum \(minimum) for containers \(request.containers.joined(separator: ","))"
                             + " in token \(token.hex)")
        }
        return .paying(PaymentRequirement(amount: amount, token: token, consumerWallet: sub.wallet, owner: sub.owner,
                                          nodeWallet: nodeWallet, verifier: sub.verifier))
    }

    /// A decimal amount of wei: digits only (no sign, no spaces), so "-1" or "1e18" are refused.
    static func decimal(_ text: String) -> BigUInt? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return BigUInt(text, radix: 10)
    }
}
