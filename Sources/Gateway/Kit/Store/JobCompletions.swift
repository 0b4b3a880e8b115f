import Synchronization

/// Status polls waiting for a job to leave `running` (`server.job_status_wait`). The store
/// reports each job whose final status it committed; a poll that named only running jobs waits
/// for one of them, a bounded time, so a client learns the result with one poll instead of
/// polling again and again (each poll is a whole HTTP exchange for the node). Keyed like the
/// table: client and id.
final class JobCompletions: Sendable {
    enum Outcome: Equatable, Sendable {
        /// One of the jobs waited for was finished.
        case finished
        /// The wait's time passed first.
        case timedOut
        /// The waiting task was cancelled (its connection or the server going away).
        case cancelled
    }

    /// One registered wait: created before the status is read, so a job finished between the
    /// read and the wait is not missed.
    struct Ticket: Sendable {
        fileprivate let number: UInt64
        fileprivate let keys: [String]
    }

    private enum Slot {
        case registered
        case waiting(CheckedContinuation<Outcome, Never>)
        case done(Outcome)
    }

    private struct State {
        var next: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
        /// Tickets by job key.
        var waiting: [String: [UInt64]] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Registers interest in `keys` (each `JobCache.key(client:id:)`).
    func register(_ keys: [String]) -> Ticket {
        state.withLock { state in
            let number = state.next
            state.next &+= 1
            state.slots[number] = .registered
            for key in keys { state.waiting[key, default: []].append(number) }
            return Ticket(number: number, keys: keys)
        }
    }

    /// Waits until a job of `ticket` is finished (also before this call), `timeout` passes on
    /// `clock`, or the task is cancelled; then forgets the ticket.
    func wait<C: Clock>(_ ticket: Ticket, timeout: Duration, clock: C) async -> Outcome where C.Duration == Duration {
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.suspend(ticket) }
            group.addTask {
                do { try await clock.sleep(for: timeout) } catch { return nil }
                return .timedOut
            }
            var outcome = Outcome.cancelled
            if let first = await group.next(), let result = first { outcome = result }
            // Whichever side lost is ended: the sleep by cancellation, the suspension by `resume`.
            resume(ticket.number, with: outcome)
            group.cancelAll()
            return outcome
        }
        forget(ticket)
        return Task.isCancelled ? .cancelled : outcome
    }

    /// Drops a ticket that is not going to wait (the job was already finished).
    func forget(_ ticket: Ticket) {
        state.withLock { state in
            if case .waiting(let continuation)? = state.slots.removeValue(forKey: ticket.number) {
                continuation.resume(returning: .cancelled)
            }
            for key in ticket.keys {
                guard var numbers = state.waiting[key] else { continue }
                numbers.removeAll { $0 == ticket.number }
                state.waiting[key] = numbers.isEmpty ? nil : numbers
            }
        }
    }

    /// Called by the store once a job's final status is committed.
    func finished(_ key: String) {
        let numbers = state.withLock { $0.waiting.removeValue(forKey: key) }
        for number in numbers ?? [] { resume(number, with: .finished) }
    }

    /// Waits registered now (for the metrics and tests).
    var count: Int { state.withLock { $0.slots.count } }

    private func suspend(_ ticket: Ticket) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let ready: Outcome? = state.withLock { state in
                    switch state.slots[ticket.number] {
                    case .registered?:
                        state.slots[ticket.number] = .waiting(continuation)
                        return nil
                    case .done(let outcome)?: return outcome
                    case .waiting?, nil: return .cancelled
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            resume(ticket.number, with: .cancelled)
        }
    }

    /// Ends a ticket's wait with `outcome`, whether it is suspended yet or not (first one wins).
    private func resume(_ number: UInt64, with outcome: Outcome) {
        let continuation: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            switch state.slots[number] {
            case .registered?:
                state.slots[number] = .done(outcome)
                return nil
            case .waiting(let continuation)?:
                state.slots[number] = .done(outcome)
                return continuation
            case .done?, nil:
                return nil
            }
        }
        continuation?.resume(returning: outcome)
    }
}
