import NIOCore

/// A connection's phase timeouts (idle, headers, body) with one timer, re-armed lazily: a phase
/// change only moves the deadline, and the scheduled timer is replaced only when the new deadline
/// comes before it; a timer that fires before the current deadline is set again for it. A timer
/// scheduled and cancelled on each of a request's four phase changes cost ~4 % of the gateway's
/// CPU under load (NIO's scheduled-task queue); now a connection busy with requests schedules
/// about one per header timeout.
struct PhaseTimer: Sendable {
    /// When the current phase times out; nil while none applies (a response is being produced).
    private(set) var deadline: NIODeadline?
    /// When the scheduled timer fires; nil when none is scheduled.
    private(set) var armedAt: NIODeadline?

    enum Firing: Equatable {
        /// The phase's deadline passed: close the connection.
        case expired
        /// Fired early (the phase changed since): schedule again for this time.
        case rearm(NIODeadline)
        /// No timeout applies now; nothing is scheduled until the next phase with one.
        case nothing
    }

    /// A new phase, timing out at `deadline` (nil: never). Returns when to schedule the timer,
    /// replacing the armed one, or nil when the armed timer fires early enough.
    mutating func enter(deadline: NIODeadline?) -> NIODeadline? {
        self.deadline = deadline
        guard let deadline else { return nil }
        if let armedAt, armedAt <= deadline { return nil }
        armedAt = deadline
        return deadline
    }

    /// The scheduled timer ran at `now`.
    mutating func fire(now: NIODeadline) -> Firing {
        armedAt = nil
        guard let deadline else { return .nothing }
        if now >= deadline { return .expired }
        armedAt = deadline
        return .rearm(deadline)
    }

    /// The connection ended: nothing is due any more.
    mutating func stop() {
        deadline = nil
        armedAt = nil
    }
}
