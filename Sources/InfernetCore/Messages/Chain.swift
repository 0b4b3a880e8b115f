/// Bus methods served by the chain worker.
public enum ChainMethod {
    /// `DelegatedSubscriptionMessage` -> `DelegatedSubscriptionAccepted`: a delegated subscription
    /// whose signature the gateway has checked, to be delivered with `deliverComputeDelegatee`.
    public static let delegatedSubscription = "chain.delegated_subscription"
    /// `TransactionMessage` -> `TransactionOutcome`: send a transaction through the node's one
    /// signer (the chain worker's transaction manager) and wait for it to be mined.
    public static let transact = "chain.transact"
    /// `{}` -> `ChainStatus`.
    public static let status = "chain.status"
}

/// Bus methods served by the payment worker.
public enum PaymentMethod {
    /// `PaymentCheckRequest` -> `PaymentDecision`.
    public static let check = "payment.check"
    /// `DeliveryReceipt` -> `{}`: record what a mined delivery paid the node.
    public static let record = "payment.record"
}

/// A subscription as it travels on the bus: addresses and hashes as 0x hex, the amount as a
/// decimal string (uint256 does not fit JSON numbers).
public struct SubscriptionMessage: Codable, Sendable, Equatable {
    public var owner: String
    public var activeAt: UInt32
    public var period: UInt32
    public var frequency: UInt32
    public var redundancy: UInt16
    /// The container-set hash (bytes32, 0x hex).
    public var containerID: String
    public var lazy: Bool
    public var verifier: String
    public var paymentAmount: String
    public var paymentToken: String
    public var wallet: String

    public init(owner: String, activeAt: UInt32, period: UInt32, frequency: UInt32, redundancy: UInt16,
                containerID: String, lazy: Bool, verifier: String, paymentAmount: String, paymentToken: String,
                wallet: String) {
        self.owner = owner
        self.activeAt = activeAt
        self.period = period
        self.frequency = frequency
        self.redundancy = redundancy
        self.containerID = containerID
        self.lazy = lazy
        self.verifier = verifier
        self.paymentAmount = paymentAmount
        self.paymentToken = paymentToken
        self.wallet = wallet
    }
}

/// A delegated subscription accepted by the gateway (EIP-712 signature already checked against
/// the consumer's `getSigner()`).
public struct DelegatedSubscriptionMessage: Codable, Sendable, Equatable {
    public var subscription: SubscriptionMessage
    public var nonce: UInt32
    public var expiry: UInt32
    public var v: UInt8
    /// 32 bytes each, 0x hex.
    public var r: String
    public var s: String
    /// The request's `data` object as JSON text: the first container's input.
    public var data: String
    /// The container chain the hash stands for.
    public var containers: [String]

    public init(subscription: SubscriptionMessage, nonce: UInt32, expiry: UInt32, v: UInt8, r: String, s: String,
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

/// A transaction for the node's signer.
public struct TransactionMessage: Codable, Sendable, Equatable {
    /// 0x hex address.
    public var to: String
    /// Calldata, 0x hex.
    public var data: String
    /// Wei, decimal.
    public var value: String
    /// Why it is sent (kept with the attempt records, e.g. "approve proof collateral").
    public var purpose: String

    public init(to: String, data: String, value: String = "0", purpose: String) {
        self.to = to
        self.data = data
        self.value = value
        self.purpose = purpose
    }
}

public struct TransactionOutcome: Codable, Sendable, Equatable {
    public var transactionHash: String
    public var blockNumber: UInt64
    /// Whether the transaction succeeded (receipt status 1).
    public var succeeded: Bool

    public init(transactionHash: String, blockNumber: UInt64, succeeded: Bool) {
        self.transactionHash = transactionHash
        self.blockNumber = blockNumber
        self.succeeded = succeeded
    }
}

/// Whether the node may run a subscription, asked before any compute is spent on it.
public struct PaymentCheckRequest: Codable, Sendable, Equatable {
    /// 0 for a delegated subscription not created on chain yet.
    public var subscriptionID: UInt32
    public var subscription: SubscriptionMessage
    /// The container chain the subscription's hash stands for.
    public var containers: [String]

    public init(subscriptionID: UInt32, subscription: SubscriptionMessage, containers: [String]) {
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
    public var transactionHash: String
    public var containers: [String]
    public var paymentToken: String

    public init(subscriptionID: UInt32, interval: UInt32, transactionHash: String, containers: [String],
                paymentToken: String) {
        self.subscriptionID = subscriptionID
        self.interval = interval
        self.transactionHash = transactionHash
        self.containers = containers
        self.paymentToken = paymentToken
    }
}

/// What the chain worker reports about itself (`chain.status`, shown by `/info` and `/metrics`).
public struct ChainStatus: Codable, Sendable, Equatable {
    /// The node's EOA (0x hex), "" without a key.
    public var address: String
    public var headBlock: UInt64
    public var subscriptions: Int
    /// The sync's next subscription id to read (everything below has been read).
    public var syncNextID: UInt32
    /// Deliveries computed or sent but not final yet.
    public var pendingDeliveries: Int
    /// Delivery records by status (pending, computing, sent, delivered, failed, skipped).
    public var deliveries: [String: Int]

    public init(address: String, headBlock: UInt64, subscriptions: Int, syncNextID: UInt32 = 0, pendingDeliveries: Int,
                deliveries: [String: Int] = [:]) {
        self.address = address
        self.headBlock = headBlock
        self.subscriptions = subscriptions
        self.syncNextID = syncNextID
        self.pendingDeliveries = pendingDeliveries
        self.deliveries = deliveries
    }
}
