/// When to restart a worker that exited, and when to give up.
///
/// Exponential back-off from `initialDelay`, doubling per consecutive failure up to `maxDelay`;
/// a worker that stayed up for `period` is considered healthy again. More than `intensity`
/// restarts within `period` seconds means something is badly wrong: give up, so the service
/// manager (systemd) restarts the whole node.
public struct RestartPolicy: Sendable {
    public var initialDelay: Double
    public var maxDelay: Double
    public var intensity: Int
    public var period: Double

    public init(initialDelay: Double, maxDelay: Double, intensity: Int, period: Double) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.intensity = intensity
        self.period = period
    }

    public enum Decision: Equatable, Sendable {
        case restart(after: Double)
        case giveUp(restarts: Int, within: Double)
    }

    /// The history of one worker's restarts.
    public struct History: Sendable {
        var restartTimes: [Double] = []
        var consecutiveFailures = 0
        public init() {}
    }

    /// Decides what to do about an exit at `now` of a worker that started at `startedAt`.
    public func decide(exitAt now: Double, startedAt: Double, history: inout History) -> Decision {
        history.restartTimes = history.restartTimes.filter { now - $0 < period }
        if history.restartTimes.count >= intensity {
            return .giveUp(restarts: history.restartTimes.count, within: period)
        }
        history.consecutiveFailures = now - startedAt >= period ? 0 : history.consecutiveFailures + 1
        history.restartTimes.append(now)
        let exponent = max(0, history.consecutiveFailures - 1)
        let delay = min(maxDelay, initialDelay * Double(1 << min(exponent, 30)))
        return .restart(after: delay)
    }
}
