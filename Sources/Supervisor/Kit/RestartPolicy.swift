/// When to restart a worker that exited, and when to give up.
///
/// Exponential back-off from `initialDelay`, doubling per consecutive failure up to `maxDelay`;
/// a worker that stayed up for `period` is considered healthy again. More than `intensity`
/// restarts within `period` means something is badly wrong: give up, so the service manager
/// (systemd) restarts the whole node.
///
/// A pure rule: times are offsets from an epoch the caller picks (the supervisor's start on a
/// `ContinuousClock`), so it needs no clock and its tests drive time directly.
public struct RestartPolicy: Sendable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var intensity: Int
    public var period: Duration

    public init(initialDelay: Duration, maxDelay: Duration, intensity: Int, period: Duration) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.intensity = intensity
        self.period = period
    }

    public enum Decision: Equatable, Sendable {
        case restart(after: Duration)
        case giveUp(restarts: Int, within: Duration)
    }

    /// The history of one worker's restarts.
    public struct History: Sendable {
        var restartTimes: [Duration] = []
        var consecutiveFailures = 0
        public init() {}
    }

    /// Decides what to do about an exit at `now` of a worker that started at `startedAt`.
    public func decide(exitAt now: Duration, startedAt: Duration, history: inout History) -> Decision {
        history.restartTimes = history.restartTimes.filter { now - $0 < period }
        if history.restartTimes.count >= intensity {
            return .giveUp(restarts: history.restartTimes.count, within: period)
        }
        history.consecutiveFailures = now - startedAt >= period ? 0 : history.consecutiveFailures + 1
        history.restartTimes.append(now)
        let exponent = max(0, history.consecutiveFailures - 1)
        let delay = min(maxDelay, initialDelay * (1 << min(exponent, 30)))
        return .restart(after: delay)
    }
}
