import GRDB
import Synchronization

/// Group commit: writes submitted while a transaction is being committed wait and go together
/// in the next one. An idle store commits a lone write at once; a busy one commits hundreds of
/// writes per transaction, so throughput grows with load instead of latency.
final class WriteBatcher: Sendable {
    enum Write: Sendable {
        /// Insert jobs, or update status and result of existing ones.
        case save([JobRecord])
        /// Update status and result of an existing job.
        case finish(JobRecord)
    }

    private struct Pending {
        var writes: [Write] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var flushing = false
    }

    private let writer: any DatabaseWriter
    private let pending = Mutex(Pending())

    init(writer: any DatabaseWriter) { self.writer = writer }

    /// Returns once the write is committed.
    func submit(_ write: Write) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = pending.withLock { state -> Bool in
                state.writes.append(write)
                state.waiters.append(continuation)
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if start { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let (writes, waiters) = pending.withLock { state -> ([Write], [CheckedContinuation<Void, any Error>]) in
                let taken = (state.writes, state.waiters)
                state.writes.removeAll(keepingCapacity: true)
                state.waiters.removeAll(keepingCapacity: true)
                if taken.0.isEmpty { state.flushing = false }
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
