import EVM
import Foundation
import BusContract
import GRDB
import WorkerKit

/// One payment into the node's Wallet: a Wallet `Transfer` log of a delivery transaction.
public struct Earning: Codable, Equatable, Sendable {
    public var transactionHash: String
    public var logIndex: UInt64
    public var subscriptionID: UInt32
    public var interval: UInt32
    /// 0x hex, lower case (zero = ETH).
    public var token: String
    /// The container chain, comma-joined.
    public var containers: String
    /// Wei, decimal.
    public var amount: String
    /// The Wallet that paid (the consumer's).
    public var payer: String
    public var blockNumber: UInt64

    public init(transactionHash: String, logIndex: UInt64, subscriptionID: UInt32, interval: UInt32, token: String,
                containers: String, amount: String, payer: String, blockNumber: UInt64) {
        self.transactionHash = transactionHash
        self.logIndex = logIndex
        self.subscriptionID = subscriptionID
        self.interval = interval
        self.token = token
        self.containers = containers
        self.amount = amount
        self.payer = payer
        self.blockNumber = blockNumber
    }
}

/// The payment worker's ledger in SQLite (`<data_dir>/payments.sqlite`, WAL): what each mined
/// delivery paid into the node's Wallet. Idempotent on (transaction hash, log index), so a
/// receipt recorded twice (at-least-once delivery on the bus) counts once.
public final class PaymentLedger: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        pool = try SQLiteFile.open(path: path, migrator: Self.migrator)
    }

    public static func path(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("payments.sqlite").path
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Amounts are uint256: kept as decimal text and summed in Swift, since SQLite's
            // integers stop at 2^63.
            try db.execute(sql: """
                CREATE TABLE earnings (
                    tx_hash TEXT NOT NULL,
                    log_index INTEGER NOT NULL,
                    subscription_id INTEGER NOT NULL,
                    interval INTEGER NOT NULL,
                    token TEXT NOT NULL,
                    containers TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    payer TEXT NOT NULL,
                    block_number INTEGER NOT NULL,
                    recorded REAL NOT NULL,
                    PRIMARY KEY (tx_hash, log_index)
                ) WITHOUT ROWID;
                CREATE INDEX earnings_subscription ON earnings (subscription_id, interval);
                """)
        }
        return migrator
    }

    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Stores earnings; returns how many were new.
    @discardableResult
    public func record(_ earnings: [Earning]) async throws -> Int {
        try await pool.write { db in
            var inserted = 0
            for e in earnings {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO earnings (tx_hash, log_index, subscription_id, interval, token, containers, amount,
                        payer, block_number, recorded)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [e.transactionHash.lowercased(), Int64(e.logIndex), Int64(e.subscriptionID),
                                     Int64(e.interval), e.token.lowercased(), e.containers, e.amount, e.payer.lowercased(),
                                     Int64(e.blockNumber), Date().timeIntervalSince1970])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    public func earnings(subscriptionID: UInt32? = nil) async throws -> [Earning] {
        try await pool.read { db in
            var sql = """
                SELECT tx_hash, log_index, subscription_id, interval, token, containers, amount, payer, block_number
                FROM earnings
                """
            var arguments: StatementArguments = []
            if let subscriptionID {
                sql += " WHERE subscription_id = ?"
                arguments = [Int64(subscriptionID)]
            }
            sql += " ORDER BY block_number, tx_hash, log_index"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Earning(transactionHash: row[0], logIndex: UInt64(row[1] as Int64), subscriptionID: UInt32(row[2] as Int64),
                        interval: UInt32(row[3] as Int64), token: row[4], containers: row[5], amount: row[6], payer: row[7],
                        blockNumber: UInt64(row[8] as Int64))
            }
        }
    }

    /// Total earned per token (0x hex, lower case), in wei.
    public func totalsByToken() async throws -> [String: BigUInt] {
        var totals: [String: BigUInt] = [:]
        for earning in try await earnings() {
            totals[earning.token, default: 0] += BigUInt(earning.amount, radix: 10) ?? 0
        }
        return totals
    }

    /// Total earned per subscription and token, ordered by subscription then token.
    public func totalsBySubscription() async throws -> [SubscriptionEarnings] {
        var totals: [Key: (BigUInt, Int)] = [:]
        for earning in try await earnings() {
            let key = Key(subscriptionID: earning.subscriptionID, token: earning.token)
            let current = totals[key] ?? (0, 0)
            totals[key] = (current.0 + (BigUInt(earning.amount, radix: 10) ?? 0), current.1 + 1)
        }
        return totals.sorted { ($0.key.subscriptionID, $0.key.token) < ($1.key.subscriptionID, $1.key.token) }.map {
            SubscriptionEarnings(subscriptionID: $0.key.subscriptionID, token: $0.key.token, total: String($0.value.0),
                                 payments: $0.value.1)
        }
    }

    private struct Key: Hashable {
        var subscriptionID: UInt32
        var token: String
    }
}
