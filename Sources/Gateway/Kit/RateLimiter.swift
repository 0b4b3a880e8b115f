import Synchronization

/// Per-client rate limit: `limit` requests per `period`, as a generic cell rate algorithm (a
/// client may burst up to `limit`, then gets one request per `period/limit`).
public final class RateLimiter: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public let limit: Int
    public let period: Duration
    private let interval: Duration
    private let state = Mutex<State>(State())

    struct State {
        /// Theoretical arrival time per client: when its bucket is empty again.
        var arrival: [String: Instant] = [:]
        var lastSweep: Instant?
    }

    public init(limit: Int, period: Duration) {
        self.limit = max(1, limit)
        self.period = period
        self.interval = period / max(1, limit)
    }

    /// Takes one request for `client` at `now`; returns nil when allowed, else how long until
    /// it would be.
    public func acquire(_ client: String, now: Instant = .now) -> Duration? {
        state.withLock { state in
            if state.arrival.count > 1024, state.lastSweep.map({ now - $0 > period }) ?? true { sweep(&state, now: now) }
            let arrival = max(state.arrival[client] ?? now, now)
            let next = arrival + interval
            if next - now > period + .nanoseconds(1) { return next - now - period }
            state.arrival[client] = next
            return nil
        }
    }

    /// Forgets clients whose bucket is full again, so memory stays bounded by active clients.
    private func sweep(_ state: inout State, now: Instant) {
        state.arrival = state.arrival.filter { $0.value > now }
        state.lastSweep = now
    }
}
