import EVM
import InfernetSDK
import Foundation
import GRDB
import WorkerKit

/// The chain worker's state in SQLite (`<data_dir>/chain.sqlite`, WAL): synced subscriptions,
/// sync progress and per-(subscription, interval) delivery state. Everything survives a restart.
public final class ChainStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws {
        pool = try SQLiteFile.open(path: path, migrator: Self.migrator)
    }

    /// The store's file in a data directory.
    public static func path(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("chain.sqlite").path
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE subscriptions (
                    id INTEGER PRIMARY KEY NOT NULL,
                    owner TEXT NOT NULL,
                    active_at INTEGER NOT NULL,
                    period INTEGER NOT NULL,
                    frequency INTEGER NOT NULL,
                    redundancy INTEGER NOT NULL,
                    container_id BLOB NOT NULL,
                    lazy INTEGER NOT NULL,
                    verifier TEXT NOT NULL,
                    payment_amount TEXT NOT NULL,
                    payment_token TEXT NOT NULL,
                    wallet TEXT NOT NULL,
                    synced_block INTEGER NOT NULL
                );
                CREATE INDEX subscriptions_active ON subscriptions (id) WHERE active_at != 4294967295;
                CREATE TABLE sync_progress (
                    singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
                    next_id INTEGER NOT NULL,
                    head_block INTEGER NOT NULL,
                    updated REAL NOT NULL
                );
                CREATE TABLE deliveries (
                    subscription_id INTEGER NOT NULL,
                    interval INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    tx_hash TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    updated REAL NOT NULL,
                    PRIMARY KEY (subscription_id, interval)
                ) WITHOUT ROWID;
                """)
        }
        registerTransactionTables(&migrator)
        registerDelegatedTables(&migrator)
        registerReceiptTables(&migrator)
        return migrator
    }

    /// SQLite's journal mode ("wal").
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Subscriptions

    /// Inserts or replaces subscriptions, and (when given) records the sync progress in the same
    /// commit, so a restart never sees one without the other.
    public func save(_ subscriptions: [StoredSubscription], progress: SyncProgress? = nil) async throws {
        try await pool.write { db in
            // One prepared statement for the whole batch (a sync writes 500 rows per commit).
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO subscriptions (id, owner, active_at, period, frequency, redundancy, container_id,
                    lazy, verifier, payment_amount, payment_token, wallet, synced_block)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for stored in subscriptions {
                let s = stored.subscription
                try insert.execute(arguments: [
                    Int64(stored.id), s.owner.hex, Int64(s.activeAt), Int64(s.period), Int64(s.frequency),
                    Int64(s.redundancy), s.containerID, s.lazy, s.verifier.hex, String(s.paymentAmount),
                    s.paymentToken.hex, s.wallet.hex, Int64(clamping: stored.syncedBlock),
                ])
            }
            if let progress { try Self.write(progress, db) }
        }
    }

    public func subscription(id: UInt32) async throws -> StoredSubscription? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM subscriptions WHERE id = ?"), arguments: [Int64(id)])
                .map(Self.decode)
        }
    }

    /// All stored subscriptions, by id.
    public func subscriptions() async throws -> [StoredSubscription] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM subscriptions ORDER BY id").map(Self.decode)
        }
    }

    /// Stored subscriptions that are not cancelled, by id.
    public func activeSubscriptions() async throws -> [StoredSubscription] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM subscriptions WHERE active_at != 4294967295 ORDER BY id")
                .map(Self.decode)
        }
    }

    public func subscriptionCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscriptions") ?? 0 }
    }

    static func decode(_ row: Row) throws -> StoredSubscription {
        func address(_ column: String) throws -> Address { try Address(hex: row[column], checksum: false) }
        let amount: String = row["payment_amount"]
        guard let paymentAmount = BigUInt(amount) else {
            throw DatabaseError(message: "bad payment_amount \(amount) in subscription \(row["id"] as Int64)")
        }
        let subscription = Subscription(
            owner: try address("owner"), activeAt: UInt32(row["active_at"] as Int64), period: UInt32(row["period"] as Int64),
            frequency: UInt32(row["frequency"] as Int64), redundancy: UInt16(row["redundancy"] as Int64),
            containerID: row["container_id"], lazy: row["lazy"], verifier: try address("verifier"),
            paymentAmount: paymentAmount, paymentToken: try address("payment_token"), wallet: try address("wallet"))
        return StoredSubscription(id: UInt32(row["id"] as Int64), subscription: subscription,
                                  syncedBlock: UInt64(row["synced_block"] as Int64))
    }

    // MARK: Sync progress

    /// The saved progress, nil before the first sync.
    public func progress() async throws -> SyncProgress? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT next_id, head_block FROM sync_progress WHERE singleton = 1").map {
                SyncProgress(nextID: UInt32($0["next_id"] as Int64), headBlock: UInt64($0["head_block"] as Int64))
            }
        }
    }

    public func saveProgress(_ progress: SyncProgress) async throws {
        try await pool.write { db in try Self.write(progress, db) }
    }

    private static func write(_ progress: SyncProgress, _ db: Database) throws {
        try db.executeCached(sql: """
            INSERT INTO sync_progress (singleton, next_id, head_block, updated) VALUES (1, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET next_id = excluded.next_id, head_block = excluded.head_block,
                updated = excluded.updated
            """, arguments: [Int64(progress.nextID), Int64(clamping: progress.headBlock), Date().timeIntervalSince1970])
    }

    // MARK: Deliveries (one record per (subscription, interval) the scheduler started)

    public func delivery(subscriptionID: UInt32, interval: UInt32) async throws -> DeliveryRecord? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM deliveries WHERE subscription_id = ? AND interval = ?"),
                             arguments: [Int64(subscriptionID), Int64(interval)]).map(Self.decodeDeliveryRow)
        }
    }

    public func deliveries(subscriptionID: UInt32) async throws -> [DeliveryRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE subscription_id = ? ORDER BY interval",
                             arguments: [Int64(subscriptionID)]).map(Self.decodeDeliveryRow)
        }
    }

    /// Records (inserts or replaces) the state of one (subscription, interval).
    public func saveDelivery(_ record: DeliveryRecord) async throws {
        try await pool.write { db in try Self.write(record, db) }
    }

    static func write(_ record: DeliveryRecord, _ db: Database) throws {
        try db.executeCached(sql: """
            INSERT OR REPLACE INTO deliveries (subscription_id, interval, status, tx_hash, attempts, error, updated)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Int64(record.subscriptionID), Int64(record.interval), record.status.rawValue,
                             record.transactionHash, record.attempts, record.error, Date().timeIntervalSince1970])
    }

    static func decodeDeliveryRow(_ row: Row) throws -> DeliveryRecord {
        let status: String = row["status"]
        guard let parsed = DeliveryStatus(rawValue: status) else {
            throw DatabaseError(message: "unknown delivery status \(status)")
        }
        return DeliveryRecord(subscriptionID: UInt32(row["subscription_id"] as Int64), interval: UInt32(row["interval"] as Int64),
                              status: parsed, transactionHash: row["tx_hash"], attempts: row["attempts"], error: row["error"])
    }
}

/// A subscription as synced, with the block it was read at.
public struct StoredSubscription: Hashable, Sendable {
    public var id: UInt32
    public var subscription: Subscription
    public var syncedBlock: UInt64

    public init(id: UInt32, subscription: Subscription, syncedBlock: UInt64) {
        self.id = id
        self.subscription = subscription
        self.syncedBlock = syncedBlock
    }
}

/// How far the sync got: every id below `nextID` has been read (at or before `headBlock`).
public struct SyncProgress: Hashable, Sendable {
    public var nextID: UInt32
    public var headBlock: UInt64

    public init(nextID: UInt32, headBlock: UInt64) {
        self.nextID = nextID
        self.headBlock = headBlock
    }

    /// The last id read (0: none).
    public var lastSyncedID: UInt32 { nextID == 0 ? 0 : nextID - 1 }
}

/// Where one (subscription, interval) delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// To be (re)tried.
    case pending
    /// Payment check, inputs, compute or simulation under way (back to pending after a crash).
    case computing
    /// Its transaction is signed, stored and broadcast, not mined yet.
    case sent
    /// Mined (or found answered on chain).
    case delivered
    /// Given up: a final error, or 3 failed attempts; `error` says why.
    case failed
    /// Not this node's to answer: payment refused, or enough nodes answered already.
    case skipped
}

public struct DeliveryRecord: Hashable, Sendable {
    public var subscriptionID: UInt32
    public var interval: UInt32
    public var status: DeliveryStatus
    public var transactionHash: String?
    public var attempts: Int
    public var error: String?

    public init(subscriptionID: UInt32, interval: UInt32, status: DeliveryStatus, transactionHash: String? = nil,
                attempts: Int = 0, error: String? = nil) {
        self.subscriptionID = subscriptionID
        self.interval = interval
        self.status = status
        self.transactionHash = transactionHash
        self.attempts = attempts
        self.error = error
    }
}
