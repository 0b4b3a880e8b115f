import Synchronization

/// Ends a loop's pause between passes early: `wait(upTo:clock:)` returns when its time is up,
/// when `ring()` is called, or when the task is cancelled. A ring while the loop is busy is kept
/// (one at most: rings in a burst ask for one more pass, not many) and ends the next wait at
/// once, so no ring is lost between a pass and its wait.
final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Pauses for `duration` on `clock`, or less when rung (now or since the last wait) or cancelled.
    func wait<C: Clock>(upTo duration: Duration, clock: C) async where C.Duration == Duration {
        guard !consumeRing() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(for: duration) }
            group.addTask { await self.untilRung() }
            await group.next()
            group.cancelAll()
        }
    }

    private func consumeRing() -> Bool {
        state.withLock { state in
            defer { state.rung = false }
            return state.rung
        }
    }

    private func untilRung() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: a cancellation handler that ran before the waiter was
                // stored found nothing to resume, so the waiter must not be stored then.
                let now = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
