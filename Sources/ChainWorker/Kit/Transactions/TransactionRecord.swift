import BigInt
import EVM
import Foundation

/// Where one of the node's transactions stands.
public enum TransactionStatus: String, Sendable, CaseIterable {
    /// Signed and persisted; sent (or about to be) and not mined yet.
    case pending
    /// In a block, fewer than `confirmations` blocks deep.
    case mined
    /// Mined and `confirmations` deep: its outcome is final.
    case final
    /// Its nonce was used by another transaction of this account (e.g. the operator's CLI):
    /// it will never be mined.
    case dropped
}

/// What a transaction is for, so its outcome can update what sent it.
public enum TransactionLink: Hashable, Sendable, CustomStringConvertible {
    case none
    /// A `deliverCompute` for one (subscription, interval).
    case delivery(IntervalKey)
    /// A `deliverComputeDelegatee` for a delegated subscription, by its key.
    case delegated(String)

    public var description: String {
        switch self {
        case .none: ""
        case .delivery(let key): "delivery:\(key)"
        case .delegated(let key): key
        }
    }

    init(stored: String?) {
        guard let stored, !stored.isEmpty else { self = .none; return }
        if stored.hasPrefix("delivery:") {
            let parts = stored.dropFirst("delivery:".count).split(separator: "/")
            if parts.count == 2, let id = UInt32(parts[0]), let interval = UInt32(parts[1]) {
                self = .delivery(IntervalKey(subscriptionID: id, interval: interval))
                return
            }
        }
        self = .delegated(stored)
    }
}

/// A transaction the node wants sent (before it has a nonce).
public struct TransactionIntent: Sendable, Equatable {
    public var to: Address
    public var data: Data
    public var value: BigUInt
    public var gasLimit: UInt64
    public var purpose: String
    public var link: TransactionLink

    public init(to: Address, data: Data, value: BigUInt = 0, gasLimit: UInt64, purpose: String, link: TransactionLink = .none) {
        self.to = to
        self.data = data
        self.value = value
        self.gasLimit = gasLimit
        self.purpose = purpose
        self.link = link
    }
}

/// One of the node's transactions, by nonce, with its latest signed attempt.
public struct TransactionRecord: Sendable, Equatable {
    public var nonce: UInt64
    public var intent: TransactionIntent
    public var status: TransactionStatus
    /// The latest attempt's hash and raw bytes (a bump replaces both).
    public var hash: Data
    public var raw: Data
    public var fees: FeePolicy.Fees
    /// The head when the latest attempt was sent.
    public var sentBlock: UInt64
    public var minedBlock: UInt64?
    public var minedBlockHash: Data?
    /// Receipt status once mined.
    public var succeeded: Bool?
    public var attempts: Int
}
