import BusContract
import Foundation
import GRDB
import InfernetBus
import InfernetCore

/// A delegated subscription the gateway handed over, with where its first delivery stands.
public struct DelegatedRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Waiting for its activeAt, or to be retried.
        case pending, computing, sent
        /// The `deliverComputeDelegatee` is mined: the subscription exists on chain and later
        /// intervals go through the normal subscription path.
        case delivered
        /// Someone created it on chain first: the normal path serves it.
        case created
        case failed
    }

    public var key: String
    public var message: DelegatedSubscriptionMessage
    public var status: Status
    public var attempts: Int
    public var transactionHash: String?
    public var error: String?

    /// `delegate:<owner>:<nonce>`: one per (owner, nonce), as on chain.
    public static func key(for message: DelegatedSubscriptionMessage) -> String {
        "delegate:\(message.subscription.owner.hex):\(message.nonce)"
    }
}

extension ChainStore {
    static func registerDelegatedTables(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-delegated") { db in
            try db.execute(sql: """
                CREATE TABLE delegated (
                    key TEXT PRIMARY KEY NOT NULL,
                    message TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    tx_hash TEXT,
                    error TEXT,
                    updated REAL NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Stores a newly accepted delegated subscription; one already known keeps its state.
    @discardableResult
    public func accept(_ message: DelegatedSubscriptionMessage) async throws -> String {
        let key = DelegatedRecord.key(for: message)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO delegated (key, message, status, updated) VALUES (?, ?, 'pending', ?)
                """, arguments: [key, BusBody.encode(message), Date().timeIntervalSince1970])
        }
        return key
    }

    public func delegatedRecords(status: [DelegatedRecord.Status]) async throws -> [DelegatedRecord] {
        try await pool.read { db in
            let marks = status.map { _ in "?" }.joined(separator: ",")
            return try Row.fetchAll(db, sql: "SELECT * FROM delegated WHERE status IN (\(marks)) ORDER BY key",
                                    arguments: StatementArguments(status.map(\.rawValue))).map(Self.decodeDelegated)
        }
    }

    public func delegatedRecord(key: String) async throws -> DelegatedRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM delegated WHERE key = ?", arguments: [key]).map(Self.decodeDelegated)
        }
    }

    public func updateDelegated(key: String, status: DelegatedRecord.Status, attempts: Int, transactionHash: String? = nil,
                                error: String? = nil) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE delegated SET status = ?, attempts = ?, tx_hash = COALESCE(?, tx_hash), error = ?, updated = ?
                WHERE key = ?
                """, arguments: [status.rawValue, attempts, transactionHash, error, Date().timeIntervalSince1970, key])
        }
    }

    private static func decodeDelegated(_ row: Row) throws -> DelegatedRecord {
        let statusText: String = row["status"]
        guard let status = DelegatedRecord.Status(rawValue: statusText) else {
            throw DatabaseError(message: "unknown delegated status \(statusText)")
        }
        return DelegatedRecord(key: row["key"], message: try BusBody.decode(DelegatedSubscriptionMessage.self, from: row["message"]),
                               status: status, attempts: row["attempts"], transactionHash: row["tx_hash"], error: row["error"])
    }
}
