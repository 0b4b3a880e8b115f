import Foundation

/// The one attempt rule of on-chain deliveries, for subscription intervals and delegated
/// subscriptions alike: how many attempts a delivery gets, how long a failed one waits, which
/// failures are final, and what each transaction event does to a delivery's status.
///
/// A value type with no I/O and no clock (like `BrokerState`): the drivers (`DeliveryScheduler`,
/// `DelegatedDeliveries`) feed it what happened, with the time it happened, and carry out the
/// `DeliveryDecision` it returns (a store write, a log line). What it keeps in memory (in flight,
/// waiting for a retry, settled) is lost on a restart on purpose: the store is the truth, and a
/// delivery interrupted by a restart is simply tried again.
public struct DeliveryStateMachine<Key: Hashable & Sendable, Instant: InstantProtocol & Sendable>: Sendable
where Instant.Duration == Duration {
    public let rule: DeliveryRule
    public private(set) var inFlight: Set<Key> = []
    public private(set) var retryNotBefore: [Key: Instant] = [:]
    /// Keys whose stored record is final (delivered, failed, skipped), so they need not be read again.
    public private(set) var settled: Set<Key> = []
    /// Keys whose transaction is out and whose outcome (mined, dropped) is not known yet: not
    /// candidates, so a driver that keeps due keys between reads of the store never starts one
    /// twice (the store says `sent` as well; this keeps the rule without a read).
    public private(set) var awaitingTransaction: Set<Key> = []

    public init(rule: DeliveryRule = DeliveryRule()) {
        self.rule = rule
    }

    // MARK: Which deliveries may start

    /// Whether `key` may be considered at `now`: not running, its transaction not out, not known
    /// final, not waiting out a back-off.
    public func isCandidate(_ key: Key, at now: Instant) -> Bool {
        !inFlight.contains(key) && !awaitingTransaction.contains(key) && !settled.contains(key)
            && retryNotBefore[key].map { $0 <= now } ?? true
    }

    /// Whether a delivery whose stored record has `status` and `attempts` may be attempted; a
    /// final record is remembered as settled. No record at all means a first attempt.
    public mutating func admits(_ key: Key, status: DeliveryStatus?, attempts: Int) -> Bool {
        guard let status else { return true }
        if status.isFinal { settled.insert(key) }
        return status == .pending && attempts < rule.maxAttempts
    }

    /// A delivery starts: it is in flight until `finish`, and its record says `computing`.
    public mutating func start(_ key: Key, attempts: Int) -> DeliveryDecision {
        inFlight.insert(key)
        return DeliveryDecision(status: .computing, attempts: attempts)
    }

    // MARK: Outcomes

    /// What became of one attempt (started with `attempts` failures behind it), and what to store.
    public mutating func finish(_ key: Key, attempts: Int, outcome: DeliveryOutcome, at now: Instant) -> DeliveryDecision {
        inFlight.remove(key)
        switch outcome {
        case .sent(let hash):
            retryNotBefore[key] = nil
            awaitingTransaction.insert(key)
            return DeliveryDecision(status: .sent, attempts: attempts, transactionHash: hash)
        case .failed(let error):
            let failures = attempts + 1
            let final = DeliveryRule.isPermanent(error) || failures >= rule.maxAttempts
            let status: DeliveryStatus = if case .paymentRefused = error { .skipped } else { final ? .failed : .pending }
            if final { settled.insert(key) } else { postpone(key, failures: failures, at: now) }
            return DeliveryDecision(status: status, attempts: failures, error: error.description)
        case .unreachable(let reason):
            // RPC or bus trouble: nothing was wrong with the delivery itself, so it costs no attempt.
            postpone(key, failures: 1, at: now)
            return DeliveryDecision(status: .pending, attempts: attempts, error: reason)
        }
    }

    /// What a transaction event does to the delivery it carries (which had `attempts` failures);
    /// nil when it changes nothing (a fee bump, finality).
    public mutating func apply(_ kind: TransactionEvent.Kind, succeeded: Bool?, transactionHash hash: String,
                               to key: Key, attempts: Int, at now: Instant) -> DeliveryDecision? {
        switch kind {
        case .bumped, .final:
            return nil
        case .reorged:
            // Reorganised away: the same signed transaction is re-sent, so it is `sent` again.
            awaitingTransaction.insert(key)
            return DeliveryDecision(status: .sent, attempts: attempts, transactionHash: hash)
        case .dropped:
            // Replaced or gone from the mempool without being mined: deliver again, at no cost.
            awaitingTransaction.remove(key)
            return DeliveryDecision(status: .pending, attempts: attempts, transactionHash: hash)
        case .mined where succeeded == true:
            awaitingTransaction.remove(key)
            settled.insert(key)
            return DeliveryDecision(status: .delivered, attempts: attempts, transactionHash: hash)
        case .mined:
            awaitingTransaction.remove(key)
            let failures = attempts + 1
            let final = failures >= rule.maxAttempts
            if final { settled.insert(key) } else { postpone(key, failures: failures, at: now) }
            return DeliveryDecision(status: final ? .failed : .pending, attempts: failures, transactionHash: hash,
                                    error: "transaction \(hash) reverted")
        }
    }

    private mutating func postpone(_ key: Key, failures: Int, at now: Instant) {
        retryNotBefore[key] = now.advanced(by: rule.backoff(failures: failures))
    }
}

/// The numbers and the error classification behind `DeliveryStateMachine`.
public struct DeliveryRule: Sendable, Equatable {
    /// A delivery that fails this many times (reverts, containers failing) is given up.
    public var maxAttempts: Int
    /// A failed delivery waits `retryDelay × 2^failures` (at most `64 × retryDelay`) before its
    /// next attempt (`node.delivery_retry_delay`).
    public var retryDelay: Duration

    public init(maxAttempts: Int = 3, retryDelay: Duration = .seconds(1)) {
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = max(.zero, retryDelay)
    }

    /// The wait before the next attempt after `failures` failures: `retryDelay × 2^failures`, capped at 64×.
    public func backoff(failures: Int) -> Duration {
        retryDelay * (1 << min(max(failures, 1), 6))
    }

    /// Errors that no retry can fix: the delivery is given up for this interval at once.
    public static func isPermanent(_ error: DeliveryError) -> Bool {
        switch error {
        case .paymentRefused, .containerReportedFailure, .badOutput, .unknownContainerSet: true
        case .simulationReverted(_, let retryable): !retryable
        case .inputsUnavailable, .computeFailed: false
        }
    }
}

/// How one delivery attempt ended, as a driver reports it.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Its transaction is signed, stored and broadcast.
    case sent(transactionHash: String)
    /// The delivery itself failed (payment, inputs, compute, output, simulation).
    case failed(DeliveryError)
    /// The chain or the bus could not be reached: the delivery was not judged.
    case unreachable(String)
}

/// What a driver must store for a delivery.
public struct DeliveryDecision: Sendable, Equatable {
    public var status: DeliveryStatus
    public var attempts: Int
    public var transactionHash: String?
    public var error: String?

    public init(status: DeliveryStatus, attempts: Int, transactionHash: String? = nil, error: String? = nil) {
        self.status = status
        self.attempts = attempts
        self.transactionHash = transactionHash
        self.error = error
    }

    /// The attempt is over for good (given up, or not this node's to answer).
    public var isGivenUp: Bool { status == .failed || status == .skipped }
}

extension DeliveryStatus {
    /// Nothing more happens to a delivery in this status.
    public var isFinal: Bool { self == .delivered || self == .failed || self == .skipped }
}

extension DelegatedRecord.Status {
    /// A delegated subscription's status for a delivery status; it has no `skipped` (a refused
    /// payment fails it).
    public init(_ status: DeliveryStatus) {
        switch status {
        case .pending: self = .pending
        case .computing: self = .computing
        case .sent: self = .sent
        case .delivered: self = .delivered
        case .failed, .skipped: self = .failed
        }
    }
}
