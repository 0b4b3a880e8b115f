import GRDB
import ServiceLifecycle
import Synchronization

/// Group commit: writes submitted while a transaction is being committed wait and go together
/// in the next one. An idle store commits a lone write at once; a busy one commits hundreds of
/// writes per transaction, so throughput grows with load instead of latency.
///
/// A service (run by the job store's owner): its `run()` is the one committer. On graceful
/// shutdown it commits what is queued and then refuses new writes.
final class WriteBatcher: Service, Sendable {
    enum Write: Sendable {
        /// Insert jobs, or update status and result of existing ones.
        case save([JobRecord])
        /// Update status and result of an existing job.
        case finish(JobRecord)
    }

    /// A write submitted after the store stopped.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the job store has stopped (the gateway is shutting down)" }
    }

    private struct Pending {
        var writes: [Write] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var closed = false
    }

    private let writer: any DatabaseWriter
    private let pending = Mutex(Pending())
    /// Tells `run()` there is something to commit (one buffered signal is enough).
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(writer: any DatabaseWriter) {
        self.writer = writer
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Returns once the write is committed.
    func submit(_ write: Write) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let accepted = pending.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.writes.append(write)
                state.waiters.append(continuation)
                return true
            }
            if accepted { wake.yield() } else { continuation.resume(throwing: Closed()) }
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeups { await flush() }
        } onGracefulShutdown: { [wake] in
            wake.finish()
        }
        // Stopping (or cancelled): commit what is queued, refuse what comes later.
        pending.withLock { $0.closed = true }
        await flush()
    }

    /// Commits everything queued, in as few transactions as the arrivals allow.
    private func flush() async {
        while true {
            let (writes, waiters) = pending.withLock { state -> ([Write], [CheckedContinuation<Void, any Error>]) in
                let taken = (state.writes, state.waiters)
                state.writes.removeAll(keepingCapacity: true)
                state.waiters.removeAll(keepingCapacity: true)
                return taken
            }
            if writes.isEmpty { return }
            do {
                try await writer.write { db in try Self.apply(writes, db) }
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }

    static let saveSQL = """
        INSERT INTO jobs (id, client, status, containers, data, requires_proof, stream, result, intermediate, created, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(client, id) DO UPDATE SET status = excluded.status, result = excluded.result,
            intermediate = excluded.intermediate, updated = excluded.updated
        """
    static let finishSQL = "UPDATE jobs SET status = ?, result = ?, intermediate = ?, updated = ? WHERE client = ? AND id = ?"

    private static func apply(_ writes: [Write], _ db: Database) throws {
        let save = try db.cachedStatement(sql: saveSQL)
        let finish = try db.cachedStatement(sql: finishSQL)
        let now = JobStore.unixTime()
        for write in writes {
            switch write {
            case .save(let jobs):
                for job in jobs {
                    try save.execute(arguments: [
                        job.id, job.client, job.status.rawValue, job.containers.joined(separator: ","), job.data,
                        job.requiresProof, job.stream, job.result, job.intermediate, job.createdAt, now,
                    ])
                }
            case .finish(let job):
                try finish.execute(arguments: [job.status.rawValue, job.result, job.intermediate, now, job.client, job.id])
            }
        }
    }
}
