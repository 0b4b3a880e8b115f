import Foundation
import Synchronization

/// Per-client rate limit: `limit` requests per `period` seconds, as a generic cell rate
/// algorithm (a client may burst up to `limit`, then gets one request per `period/limit`).
public final class RateLimiter: Sendable {
    public let limit: Int
    public let period: Double
    private let interval: Double
    private let state = Mutex<State>(State())

    struct State {
        /// Theoretical arrival time per client: when its bucket is empty again.
        var arrival: [String: Double] = [:]
        var lastSweep = 0.0
    }

    public init(limit: Int, period: Double) {
        self.limit = max(1, limit)
        self.period = period
        self.interval = period / Double(max(1, limit))
    }

    /// Takes one request for `client`; returns nil when allowed, else seconds until it would be.
    public func acquire(_ client: String, now: Double = RateLimiter.now()) -> Double? {
        state.withLock { state in
            if now - state.lastSweep > period, state.arrival.count > 1024 { sweep(&state, now: now) }
            let arrival = max(state.arrival[client] ?? now, now)
            let next = arrival + interval
            if next - now > period + 1e-9 { return next - now - period }
            state.arrival[client] = next
            return nil
        }
    }

    /// Forgets clients whose bucket is full again, so memory stays bounded by active clients.
    private func sweep(_ state: inout State, now: Double) {
        state.arrival = state.arrival.filter { $0.value > now }
        state.lastSweep = now
    }

    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
