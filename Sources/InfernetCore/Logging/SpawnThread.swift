import Foundation
import Synchronization

/// Starts child processes from one thread that lives as long as this process. The parent-death
/// signal a child arms (`PR_SET_PDEATHSIG`, see `ParentWatch`) fires when the *thread* that forked
/// it exits, not the process; Swift's cooperative pool retires idle threads after a few seconds,
/// which killed healthy children (status 9) about 5 s after they started.
public final class SpawnThread: Sendable {
    public static let shared = SpawnThread()

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var started = false
    }

    private let state = Mutex(State())
    /// One signal per queued job.
    private let pending = DispatchSemaphore(value: 0)

    private init() {}

    /// Runs `process` (`Process.run()`) from the spawn thread.
    public func start(_ process: Process) async throws {
        let box = ProcessBox(process: process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue { continuation.resume(with: Result { try box.process.run() }) }
        }
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        let first = state.withLock { state -> Bool in
            state.jobs.append(job)
            defer { state.started = true }
            return !state.started
        }
        if first {
            // Started on first use, never in `init`; it blocks on the semaphore between spawns.
            let thread = Thread { [self] in self.serve() }
            thread.name = "process-spawn"
            thread.start()
        }
        pending.signal()
    }

    private func serve() {
        while true {
            pending.wait()
            let job = state.withLock { $0.jobs.isEmpty ? nil : $0.jobs.removeFirst() }
            job?()
        }
    }
}

/// `Process` is not `Sendable`; it is handed to the spawn thread and used there only while its
/// owner awaits the start.
private struct ProcessBox: @unchecked Sendable {
    let process: Process
}
