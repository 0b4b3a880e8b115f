import EVM
import InfernetSDK
import Foundation

/// One (subscription, interval) pair.
public struct IntervalKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var subscriptionID: UInt32
    public var interval: UInt32

    public init(subscriptionID: UInt32, interval: UInt32) {
        self.subscriptionID = subscriptionID
        self.interval = interval
    }

    public static func < (lhs: IntervalKey, rhs: IntervalKey) -> Bool {
        (lhs.subscriptionID, lhs.interval) < (rhs.subscriptionID, rhs.interval)
    }

    public var description: String { "\(subscriptionID)/\(interval)" }
}

/// Which (subscription, interval) pairs this node should answer now. Pure functions of the
/// subscription, the block timestamp, the chain's redundancy counts, this node's own responses
/// and the container chains the node serves; the rules mirror the Coordinator's delivery checks
/// (`sdk-abi.md`), so a pair found due would pass them at that timestamp.
public enum Schedule {
    /// A callback subscription (period 0: one interval, answered once per redundancy slot) or a
    /// recurring one (period > 0: a new interval every `period` seconds, up to `frequency`).
    public enum Kind: Sendable, Equatable {
        case callback, recurring
    }

    public static func kind(of subscription: Subscription) -> Kind {
        subscription.period == 0 ? .callback : .recurring
    }

    /// Why a subscription is or is not due.
    public enum Decision: Sendable, Equatable {
        case due(interval: UInt32)
        /// Owner zero: no such subscription.
        case notFound
        /// `activeAt == 2^32-1`.
        case cancelled
        /// The block timestamp is before `activeAt`.
        case notActive
        /// The current interval is past `frequency`: nothing left to deliver, ever.
        case completed(interval: UInt32)
        /// The container chain is not one this node serves.
        case notServed
        /// `redundancyCount == redundancy`: enough nodes answered this interval.
        case redundancyMet(interval: UInt32)
        /// This node already answered this interval (on chain, or in flight per its own records).
        case alreadyResponded(interval: UInt32)

        public var dueInterval: UInt32? {
            if case .due(let interval) = self { interval } else { nil }
        }
    }

    /// The interval at `timestamp`: 1 for period 0, else `(timestamp - activeAt) / period + 1`;
    /// nil before `activeAt` (and for cancelled subscriptions).
    public static func interval(of subscription: Subscription, at timestamp: UInt64) -> UInt32? {
        guard !subscription.isCancelled else { return nil }
        return subscription.interval(at: timestamp)
    }

    /// The checks that need no per-interval chain state: `.due(interval)` here means "a
    /// candidate whose redundancy count and this node's response must be read next".
    public static func candidate(_ subscription: Subscription, at timestamp: UInt64,
                                 serves: (Data) -> Bool) -> Decision {
        guard subscription.exists else { return .notFound }
        guard !subscription.isCancelled else { return .cancelled }
        guard let interval = subscription.interval(at: timestamp) else { return .notActive }
        guard interval <= subscription.frequency else { return .completed(interval: interval) }
        guard serves(subscription.containerID) else { return .notServed }
        return .due(interval: interval)
    }

    /// The full decision for one subscription.
    /// - Parameters:
    ///   - redundancyCount: the Coordinator's `redundancyCount` for the candidate interval.
    ///   - responded: whether this node already answered that interval (`nodeResponded`, or a
    ///     delivery of its own in flight).
    public static func decide(_ subscription: Subscription, at timestamp: UInt64, serves: (Data) -> Bool,
                              redundancyCount: (UInt32) -> UInt16, responded: (UInt32) -> Bool) -> Decision {
        let decision = candidate(subscription, at: timestamp, serves: serves)
        guard case .due(let interval) = decision else { return decision }
        guard redundancyCount(interval) < subscription.redundancy else { return .redundancyMet(interval: interval) }
        guard !responded(interval) else { return .alreadyResponded(interval: interval) }
        return .due(interval: interval)
    }

    /// Whether this node's `nodeResponded` must be read for an interval whose redundancy count
    /// is `redundancyCount`: an answer of this node would be counted, so with no answers at all
    /// it cannot have answered, and the read (one `eth_call` per interval) is skipped.
    public static func mayHaveResponded(redundancyCount: UInt16) -> Bool {
        redundancyCount > 0
    }

    /// Candidate pairs (before reading redundancy counts and responses) among `subscriptions`.
    public static func candidates(_ subscriptions: [StoredSubscription], at timestamp: UInt64,
                                  lookup: ContainerSetLookup) -> [IntervalKey] {
        subscriptions.compactMap { stored in
            candidate(stored.subscription, at: timestamp, serves: lookup.serves(_:)).dueInterval
                .map { IntervalKey(subscriptionID: stored.id, interval: $0) }
        }
    }

    /// The due pairs among `subscriptions`, sorted. A pair missing from `redundancyCounts` counts
    /// as 0 answers.
    public static func due(_ subscriptions: [StoredSubscription], at timestamp: UInt64, lookup: ContainerSetLookup,
                           redundancyCounts: [IntervalKey: UInt16], responded: Set<IntervalKey>) -> [IntervalKey] {
        subscriptions.compactMap { stored -> IntervalKey? in
            let decision = decide(
                stored.subscription, at: timestamp, serves: lookup.serves(_:),
                redundancyCount: { redundancyCounts[IntervalKey(subscriptionID: stored.id, interval: $0)] ?? 0 },
                responded: { responded.contains(IntervalKey(subscriptionID: stored.id, interval: $0)) })
            return decision.dueInterval.map { IntervalKey(subscriptionID: stored.id, interval: $0) }
        }.sorted()
    }

    /// Whether a subscription can never become due again at or after `timestamp` (cancelled,
    /// missing, or past its last interval), so a sync need not re-read it.
    public static func isFinished(_ subscription: Subscription, at timestamp: UInt64) -> Bool {
        switch candidate(subscription, at: timestamp, serves: { _ in true }) {
        case .notFound, .cancelled, .completed: true
        default: false
        }
    }
}
