import Foundation
import GRDB
import InfernetCore
import Logging
import ServiceLifecycle

extension JobStore {
    /// Counts one more send of a job left `running` by an earlier run; returns the sends so far.
    public func recordAttempt(id: String, client: String) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "UPDATE jobs SET attempts = attempts + 1 WHERE client = ? AND id = ?", arguments: [client, id])
            return try Int.fetchOne(db, sql: "SELECT attempts FROM jobs WHERE client = ? AND id = ?", arguments: [client, id]) ?? 0
        }
    }

    /// Deletes finished jobs last updated before `before` (Unix time), then all but the newest
    /// `keep` finished jobs (0: no count limit). Running jobs are never touched. Returns the
    /// number deleted. Deleted pages are reused by later jobs, so the file stays bounded.
    public func prune(before: Double?, keep: Int) async throws -> Int {
        let deleted = try await pool.write { db -> [(client: String, id: String)] in
            var deleted: [Row] = []
            if let before {
                deleted += try Row.fetchAll(
                    db, sql: "DELETE FROM jobs WHERE status != 'running' AND updated < ? RETURNING client, id",
                    arguments: [before])
            }
            if keep > 0 {
                deleted += try Row.fetchAll(db, sql: """
                    DELETE FROM jobs WHERE status != 'running' AND updated <= (
                        SELECT updated FROM jobs WHERE status != 'running' ORDER BY updated DESC LIMIT 1 OFFSET ?)
                    RETURNING client, id
                    """, arguments: [keep])
            }
            return deleted.map { (client: $0["client"], id: $0["id"]) }
        }
        // Reads must not find a pruned job in the cache either.
        cache.remove(deleted)
        return deleted.count
    }

    /// The database's size on disk (main file and WAL), in bytes.
    public static func fileSize(path: String) -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}

/// Prunes finished off-chain jobs every `node.prune_interval` seconds: older than
/// `node.job_retention` seconds, or beyond the newest `node.job_retention_count`.
public struct JobPruner: Service {
    let store: JobStore
    let limits: JobLimits
    let logger: Logger

    public init(store: JobStore, limits: JobLimits, logger: Logger) {
        self.store = store
        self.limits = limits
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    await pruneOnce()
                    try await Task.sleep(for: limits.pruneInterval)
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }

    func pruneOnce() async {
        let before = limits.retention > .zero ? JobStore.unixTime() - limits.retention.inSeconds : nil
        do {
            let deleted = try await store.prune(before: before, keep: limits.retentionCount)
            if deleted > 0 { logger.debug("pruned finished jobs", metadata: ["jobs": "\(deleted)"]) }
        } catch {
            logger.error("cannot prune finished jobs", metadata: ["error": "\(error)"])
        }
    }
}
