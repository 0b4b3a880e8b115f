import Synchronization

/// Status polls waiting for a job to leave `running` (`server.job_status_wait`). The store
/// reports each job whose final status it committed; a poll that named only running jobs waits
/// for one of them, a bounded time, so a client learns the result with one poll instead of
/// polling again and again (each poll is a whole HTTP exchange for the node). Keyed like the
/// table: client and id.
///
/// Deadlines are enforced by `expire(now:)`, which the job store's run loop calls every few
/// milliseconds while waits exist: a wait costs one continuation, not a timer task of its own.
final class JobCompletions: Sendable {
    enum Outcome: Equatable, Sendable {
        /// One of the jobs waited for was finished.
        case finished
        /// The wait's deadline passed first.
        case timedOut
        /// The waiting task was cancelled, or the store is stopping.
        case cancelled
    }

    /// One registered wait: created before the status is read, so a job finished between the
    /// read and the wait is not missed.
    struct Ticket: Sendable {
        fileprivate let number: UInt64
        fileprivate let keys: [String]
    }

    private enum Phase {
        case registered
        case waiting(CheckedContinuation<Outcome, Never>)
        case done(Outcome)
    }

    private struct Slot {
        var phase: Phase
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var next: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
        /// Tickets by job key.
        var waiting: [String: [UInt64]] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    init() {}

    /// Registers interest in `keys` (each `JobCache.key(client:id:)`) until `deadline`.
    func register(_ keys: [String], until deadline: ContinuousClock.Instant) -> Ticket {
        state.withLock { state in
            let number = state.next
            state.next &+= 1
            state.slots[number] = Slot(phase: state.closed ? .done(.cancelled) : .registered, deadline: deadline)
            for key in keys { state.waiting[key, default: []].append(number) }
            return Ticket(number: number, keys: keys)
        }
    }

    /// Waits until a job of `ticket` is finished (also before this call), its deadline is
    /// found passed by `expire(now:)`, or the task is cancelled; then forgets the ticket.
    func wait(_ ticket: Ticket) async -> Outcome {
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let ready: Outcome? = state.withLock { state in
                    switch state.slots[ticket.number]?.phase {
                    case .registered?:
                        state.slots[ticket.number]?.phase = .waiting(continuation)
                        return nil
                    case .done(let outcome)?: return outcome
                    case .waiting?, nil: return .cancelled
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            end([ticket.number], with: .cancelled)
        }
        forget(ticket)
        return outcome
    }

    /// Drops a ticket that is not going to wait (the job was already finished).
    func forget(_ ticket: Ticket) {
        let continuation: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            for key in ticket.keys {
                guard var numbers = state.waiting[key] else { continue }
                numbers.removeAll { $0 == ticket.number }
                state.waiting[key] = numbers.isEmpty ? nil : numbers
            }
            if case .waiting(let continuation)? = state.slots.removeValue(forKey: ticket.number)?.phase {
                return continuation
            }
            return nil
        }
        continuation?.resume(returning: .cancelled)
    }

    /// Called by the store once a job's final status is committed.
    func finished(_ key: String) {
        let numbers = state.withLock { $0.waiting.removeValue(forKey: key) }
        if let numbers { end(numbers, with: .finished) }
    }

    /// Ends the waits whose deadline is before `now`.
    func expire(now: ContinuousClock.Instant) {
        let late = state.withLock { state in
            state.slots.compactMap { number, slot -> UInt64? in
                if case .done = slot.phase { return nil }
                return slot.deadline <= now ? number : nil
            }
        }
        if !late.isEmpty { end(late, with: .timedOut) }
    }

    /// Ends every wait, now and later (the store is stopping).
    func close() {
        let all = state.withLock { state in
            state.closed = true
            return Array(state.slots.keys)
        }
        end(all, with: .cancelled)
    }

    /// Waits registered now.
    var count: Int { state.withLock { $0.slots.count } }

    /// Ends waits with `outcome`, whether they are suspended yet or not (the first end wins).
    private func end(_ numbers: [UInt64], with outcome: Outcome) {
        let continuations = state.withLock { state in
            numbers.compactMap { number -> CheckedContinuation<Outcome, Never>? in
                switch state.slots[number]?.phase {
                case .registered?:
                    state.slots[number]?.phase = .done(outcome)
                    return nil
                case .waiting(let continuation)?:
                    state.slots[number]?.phase = .done(outcome)
                    return continuation
                case .done?, nil:
                    return nil
                }
            }
        }
        for continuation in continuations { continuation.resume(returning: outcome) }
    }

    /// Enforces deadlines every `tick` while waits exist, until cancelled; then ends them all.
    func run(tick: Duration) async {
        while !Task.isCancelled {
            if count == 0 {
                try? await Task.sleep(for: tick * 5)
            } else {
                try? await Task.sleep(for: tick)
                expire(now: .now)
            }
        }
        close()
    }
}
