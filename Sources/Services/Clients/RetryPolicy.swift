import Foundation

/// Retries with exponential back-off and jitter. The reference services use 3 tries, 3 s,
/// x2, with jitter; tests use millisecond delays.
public struct RetryPolicy: Sendable, Equatable {
    /// Total tries, the first included (1 = no retry).
    public var maxAttempts: Int
    /// The wait before the second try.
    public var initialDelay: Duration
    /// Each later wait is the previous one times this.
    public var multiplier: Double
    /// Up to this much is added at random to every wait.
    public var jitter: Duration
    /// Upstream HTTP statuses worth another try.
    public var retryStatuses: Set<Int>

    public init(maxAttempts: Int = 3, initialDelay: Duration = .seconds(3), multiplier: Double = 2,
                jitter: Duration = .seconds(1), retryStatuses: Set<Int> = [429, 500]) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.retryStatuses = retryStatuses
    }

    /// The wait after failed try number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let factor = pow(multiplier, Double(max(0, attempt - 1)))
        let base = initialDelay * factor
        let jitterNanos = jitter.nanoseconds
        guard jitterNanos > 0 else { return base }
        return base + .nanoseconds(Int64.random(in: 0...jitterNanos))
    }

    /// Overrides from the environment: `<prefix>RETRY_TRIES`, `<prefix>RETRY_DELAY_MS`,
    /// `<prefix>RETRY_BACKOFF`, `<prefix>RETRY_JITTER_MS`.
    public func overridden(by environment: [String: String], prefix: String = "") -> RetryPolicy {
        var policy = self
        if let value = environment["\(prefix)RETRY_TRIES"].flatMap(Int.init) { policy.maxAttempts = max(1, value) }
        if let value = environment["\(prefix)RETRY_DELAY_MS"].flatMap(Int.init) { policy.initialDelay = .milliseconds(value) }
        if let value = environment["\(prefix)RETRY_BACKOFF"].flatMap(Double.init) { policy.multiplier = value }
        if let value = environment["\(prefix)RETRY_JITTER_MS"].flatMap(Int.init) { policy.jitter = .milliseconds(value) }
        return policy
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
