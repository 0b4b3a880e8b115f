import BigInt
import EVM
import InfernetSDK
import Foundation

/// A delegated subscription accepted by the gateway (EIP-712 signature already checked against
/// the consumer's `getSigner()`), for `chain.delegated_subscription`.
public struct DelegatedSubscriptionMessage: Codable, Sendable, Equatable {
    public var subscription: Subscription
    public var nonce: UInt32
    public var expiry: UInt32
    public var v: UInt8
    /// 32 bytes each.
    @WireBytes public var r: Data
    @WireBytes public var s: Data
    /// The request's `data` object as JSON text: the first container's input.
    public var data: String
    /// The container chain the hash stands for.
    public var containers: [String]

    public init(subscription: Subscription, nonce: UInt32, expiry: UInt32, v: UInt8, r: Data, s: Data,
                data: String, containers: [String]) {
        self.subscription = subscription
        self.nonce = nonce
        self.expiry = expiry
        self.v = v
        self.r = r
        self.s = s
        self.data = data
        self.containers = containers
    }
}

public struct DelegatedSubscriptionAccepted: Codable, Sendable, Equatable {
    /// The id the chain worker tracks it under (`delegate:<owner>:<nonce>`).
    public var key: String
    public init(key: String) { self.key = key }
}

/// A transaction the payment worker asks the node's signer (the chain worker) to send first,
/// e.g. the proof-collateral approval.
public struct TransactionMessage: Codable, Sendable, Equatable {
    @WireAddress public var to: Address
    /// Calldata.
    @WireBytes public var data: Data
    /// Wei.
    @WireUInt256 public var value: BigUInt
    /// Why it is sent (kept with the attempt records, e.g. "approve proof collateral").
    public var purpose: String

    public init(to: Address, data: Data, value: BigUInt = 0, purpose: String) {
        self.to = to
        self.data = data
        self.value = value
        self.purpose = purpose
    }
}

/// Whether the node may run a subscription, asked before any compute is spent on it.
public struct PaymentCheckRequest: Codable, Sendable, Equatable {
    /// 0 for a delegated subscription not created on chain yet.
    public var subscriptionID: UInt32
    public var subscription: Subscription
    /// The container chain the subscription's hash stands for.
    public var containers: [String]

    public init(subscriptionID: UInt32, subscription: Subscription, containers: [String]) {
        self.subscriptionID = subscriptionID
        self.subscription = subscription
        self.containers = containers
    }
}

/// The payment worker's answer.
public struct PaymentDecision: Codable, Sendable, Equatable {
    public var accepted: Bool
    /// Why not (shown in logs and the delivery record).
    public var reason: String?
    /// For a subscription with a verifier: the approval the node's Wallet must give the node's
    /// EOA before delivery (collateral), when the current allowance is short.
    public var approval: TransactionMessage?

    public init(accepted: Bool, reason: String? = nil, approval: TransactionMessage? = nil) {
        self.accepted = accepted
        self.reason = reason
        self.approval = approval
    }
}

/// A mined delivery, for the payment ledger.
public struct DeliveryReceipt: Codable, Sendable, Equatable {
    public var subscriptionID: UInt32
    public var interval: UInt32
    /// The delivery transaction's hash, 0x hex (the payment worker checks it is 32 bytes and
    /// reads the receipt; it also keys the ledger rows and the request id `receipt-<hash>`).
    public var transactionHash: String
    public var containers: [String]
    @WireAddress public var paymentToken: Address

    public init(subscriptionID: UInt32, interval: UInt32, transactionHash: String, containers: [String],
                paymentToken: Address) {
        self.subscriptionID = subscriptionID
        self.interval = interval
        self.transactionHash = transactionHash
        self.containers = containers
        self.paymentToken = paymentToken
    }
}

/// The reply body of `payment.record`.
public struct PaymentRecordResult: Codable, Equatable, Sendable {
    /// New ledger rows (0 for a receipt recorded before, a failed delivery or a free one).
    public var recorded: Int
    public init(recorded: Int) { self.recorded = recorded }
}

/// Earned per subscription and token.
public struct SubscriptionEarnings: Codable, Equatable, Sendable {
    public var subscriptionID: UInt32
    /// Token (0x hex, lower case).
    public var token: String
    /// Wei, decimal.
    public var total: String
    /// How many payments (Transfer logs) make up the total.
    public var payments: Int

    public init(subscriptionID: UInt32, token: String, total: String, payments: Int) {
        self.subscriptionID = subscriptionID
        self.token = token
        self.total = total
        self.payments = payments
    }
}

/// The reply body of `payment.earnings`.
public struct EarningsSummary: Codable, Equatable, Sendable {
    /// Token (0x hex, lower case) -> wei, decimal.
    public var byToken: [String: String]
    public var bySubscription: [SubscriptionEarnings]

    public init(byToken: [String: String], bySubscription: [SubscriptionEarnings]) {
        self.byToken = byToken
        self.bySubscription = bySubscription
    }
}

/// What the chain worker reports about itself (`chain.status`, shown by `/info` and `/metrics`).
public struct ChainStatus: Codable, Sendable, Equatable {
    /// The node's EOA; nil without a key.
    public var address: Address?
    public var headBlock: UInt64
    public var subscriptions: Int
    /// The sync's next subscription id to read (everything below has been read).
    public var syncNextID: UInt32
    /// Deliveries computed or sent but not final yet.
    public var pendingDeliveries: Int
    /// Delivery records by status (pending, computing, sent, delivered, failed, skipped).
    public var deliveries: [String: Int]

    public init(address: Address?, headBlock: UInt64, subscriptions: Int, syncNextID: UInt32 = 0, pendingDeliveries: Int,
                deliveries: [String: Int] = [:]) {
        self.address = address
        self.headBlock = headBlock
        self.subscriptions = subscriptions
        self.syncNextID = syncNextID
        self.pendingDeliveries = pendingDeliveries
        self.deliveries = deliveries
    }
}

extension ChainStatus {
    enum CodingKeys: String, CodingKey {
        case address, headBlock, subscriptions, syncNextID, pendingDeliveries, deliveries
    }

    /// The address follows the bus rule (any case in, checksummed out, absent without a key).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        address = c.contains(.address) ? try c.decodeAddress(forKey: .address) : nil
        headBlock = try c.decode(UInt64.self, forKey: .headBlock)
        subscriptions = try c.decode(Int.self, forKey: .subscriptions)
        syncNextID = try c.decode(UInt32.self, forKey: .syncNextID)
        pendingDeliveries = try c.decode(Int.self, forKey: .pendingDeliveries)
        deliveries = try c.decode([String: Int].self, forKey: .deliveries)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(address?.checksummed, forKey: .address)
        try c.encode(headBlock, forKey: .headBlock)
        try c.encode(subscriptions, forKey: .subscriptions)
        try c.encode(syncNextID, forKey: .syncNextID)
        try c.encode(pendingDeliveries, forKey: .pendingDeliveries)
        try c.encode(deliveries, forKey: .deliveries)
    }
}
