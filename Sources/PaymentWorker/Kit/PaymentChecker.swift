import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// Why a payment check could not be answered (as opposed to answered "no").
public enum PaymentCheckError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A chain read failed; the caller should ask again later rather than drop the subscription.
    case chainUnavailable(String)

    public var description: String {
        switch self {
        case .chainUnavailable(let reason): "payment check could not read the chain (ask again later): \(reason)"
        }
    }
}

/// The whole `payment.check`: the static `PaymentPolicy`, then the chain: both Wallets genuine,
/// the consumer's Wallet funded and the owner's allowance on it enough, and for proof-requiring
/// subscriptions the node's own collateral (with the approval to send when it falls short).
public struct PaymentChecker: Sendable {
    public let policy: PaymentPolicy
    public let chain: any PaymentChain
    /// The node's EOA (from `chain.wallet.private_key`); nil without a key.
    public let nodeAddress: Address?
    private let knownWallets = ValidWalletCache()

    public init(policy: PaymentPolicy, chain: any PaymentChain, nodeAddress: Address?) {
        self.policy = policy
        self.chain = chain
        self.nodeAddress = nodeAddress
    }

    public func check(_ request: PaymentCheckRequest) async throws(PaymentCheckError) -> PaymentDecision {
        switch policy.evaluate(request) {
        case .rejected(let reason): return PaymentDecision(accepted: false, reason: reason)
        case .free: return PaymentDecision(accepted: true)
        case .paying(let requirement):
            do { return try await checkOnChain(requirement) } catch let error as PaymentCheckError { throw error } catch {
                throw .chainUnavailable("\(error)")
            }
        }
    }

    private func checkOnChain(_ need: PaymentRequirement) async throws -> PaymentDecision {
        let token = need.token.hex, amount = need.amount
        guard try await isValidWallet(need.nodeWallet) else {
            return .init(accepted: false, reason: "payment_address \(need.nodeWallet) is not a Wallet created by the WalletFactory")
        }
        guard try await isValidWallet(need.consumerWallet) else {
            return .init(accepted: false, reason: "subscription wallet \(need.consumerWallet) is not a Wallet created by the WalletFactory")
        }
        let balance = try await chain.balance(of: need.consumerWallet, token: need.token)
        guard balance >= amount else {
            return .init(accepted: false, reason: "insufficient balance: wallet \(need.consumerWallet) holds \(balance) of token \(token), "
                         + "the subscription pays \(amount)")
        }
        let allowance = try await chain.allowance(wallet: need.consumerWallet, spender: need.owner, token: need.token)
        guard allowance >= amount else {
            return .init(accepted: false, reason: "insufficient allowance: owner \(need.owner) may spend \(allowance) of token \(token) "
                         + "from wallet \(need.consumerWallet), the subscription pays \(amount)")
        }
        guard need.needsCollateral else { return .init(accepted: true) }
        guard try await chain.isSupportedToken(verifier: need.verifier, token: need.token) else {
            return .init(accepted: false, reason: "verifier \(need.verifier) does not support token \(token) "
                         + "(the delivery would revert with UnsupportedVerifierToken)")
        }

        // With a verifier the Coordinator locks `amount` from the node's own Wallet, spent by the
        // node's EOA: the Wallet must hold it, and the EOA must be approved for it.
        guard let node = nodeAddress else {
            return .init(accepted: false, reason: "chain.wallet.private_key is not set: the node cannot lock proof collateral")
        }
        let collateral = try await chain.balance(of: need.nodeWallet, token: need.token)
        guard collateral >= amount else {
            return .init(accepted: false, reason: "insufficient collateral: payment_address \(need.nodeWallet) holds \(collateral) "
                         + "of token \(token), a proof-requiring subscription locks \(amount)")
        }
        let approved = try await chain.allowance(wallet: need.nodeWallet, spender: node, token: need.token)
        guard approved < amount else { return .init(accepted: true) }
        let calldata = try WalletContract.approveCalldata(spender: node, token: need.token, amount: amount)
        return .init(accepted: true, approval: TransactionMessage(
            to: need.nodeWallet, data: calldata, purpose: "approve proof collateral"))
    }

    /// Wallet validity never reverts once true (the factory's mapping is append-only), so
    /// positive answers are remembered and only unknown wallets cost a call.
    private func isValidWallet(_ wallet: Address) async throws -> Bool {
        if await knownWallets.contains(wallet) { return true }
        let valid = try await chain.isValidWallet(wallet)
        if valid { await knownWallets.insert(wallet) }
        return valid
    }
}

private actor ValidWalletCache {
    private var wallets: Set<Address> = []
    func contains(_ wallet: Address) -> Bool { wallets.contains(wallet) }
    func insert(_ wallet: Address) { wallets.insert(wallet) }
}
