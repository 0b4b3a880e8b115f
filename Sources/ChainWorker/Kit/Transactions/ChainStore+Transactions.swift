import BigInt
import EVM
import Foundation
import GRDB
import WorkerKit

/// The transaction manager's tables: one row per nonce (the latest attempt), every attempt
/// kept, and the next nonce, so nonces are never reused or skipped across restarts.
extension ChainStore {
    static func registerTransactionTables(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-transactions") { db in
            try db.execute(sql: """
                CREATE TABLE transactions (
                    nonce INTEGER PRIMARY KEY NOT NULL,
                    purpose TEXT NOT NULL,
                    link TEXT NOT NULL,
                    to_address TEXT NOT NULL,
                    data BLOB NOT NULL,
                    value TEXT NOT NULL,
                    gas_limit INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    tx_hash BLOB NOT NULL,
                    raw BLOB NOT NULL,
                    max_fee TEXT NOT NULL,
                    priority_fee TEXT NOT NULL,
                    sent_block INTEGER NOT NULL,
                    mined_block INTEGER,
                    mined_hash BLOB,
                    succeeded INTEGER,
                    attempts INTEGER NOT NULL,
                    updated REAL NOT NULL
                );
                CREATE INDEX transactions_open ON transactions (status) WHERE status IN ('pending', 'mined');
                CREATE TABLE transaction_attempts (
                    nonce INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    tx_hash BLOB NOT NULL,
                    max_fee TEXT NOT NULL,
                    priority_fee TEXT NOT NULL,
                    sent_block INTEGER NOT NULL,
                    note TEXT,
                    at REAL NOT NULL,
                    PRIMARY KEY (nonce, attempt)
                ) WITHOUT ROWID;
                CREATE TABLE signer (
                    singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
                    address TEXT NOT NULL,
                    next_nonce INTEGER NOT NULL
                );
                ALTER TABLE deliveries ADD COLUMN nonce INTEGER;
                """)
        }
    }

    // MARK: Nonces

    /// The next nonce saved for `address` (nil: none yet, or saved for another key).
    public func savedNextNonce(for address: Address) async throws -> UInt64? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT address, next_nonce FROM signer WHERE singleton = 1"),
                  (row["address"] as String) == address.hex.lowercased() else { return nil }
            return UInt64(row["next_nonce"] as Int64)
        }
    }

    public func saveNextNonce(_ nonce: UInt64, for address: Address) async throws {
        try await pool.write { db in try Self.writeNextNonce(nonce, address: address, db) }
    }

    private static func writeNextNonce(_ nonce: UInt64, address: Address, _ db: Database) throws {
        try db.executeCached(sql: """
            INSERT INTO signer (singleton, address, next_nonce) VALUES (1, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET address = excluded.address, next_nonce = excluded.next_nonce
            """, arguments: [address.hex.lowercased(), Int64(nonce)])
    }

    // MARK: Transactions

    /// Stores a newly signed transaction, advances the next nonce and (for a delivery) marks
    /// the delivery sent, all in one commit: after a crash either all of it exists or none.
    public func insert(_ record: TransactionRecord, signer: Address) async throws {
        try await insert([record], signer: signer)
    }

    /// Stores transactions signed with consecutive nonces (a group sent together), in one commit.
    public func insert(_ records: [TransactionRecord], signer: Address) async throws {
        try await pool.write { db in
            for record in records { try Self.insert(record, signer: signer, db) }
        }
    }

    private static func insert(_ record: TransactionRecord, signer: Address, _ db: Database) throws {
        // A nonce the chain refused was given back (its row marked dropped) and is now handed
        // out again: the new transaction takes its place.
        try db.executeCached(sql: """
            DELETE FROM transaction_attempts WHERE nonce = ?
                AND EXISTS (SELECT 1 FROM transactions WHERE nonce = ? AND status = 'dropped')
            """, arguments: [Int64(record.nonce), Int64(record.nonce)])
        try db.executeCached(sql: "DELETE FROM transactions WHERE nonce = ? AND status = 'dropped'",
                       arguments: [Int64(record.nonce)])
        try db.executeCached(sql: """
            INSERT INTO transactions (nonce, purpose, link, to_address, data, value, gas_limit, status, tx_hash, raw,
                max_fee, priority_fee, sent_block, attempts, updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                Int64(record.nonce), record.intent.purpose, record.intent.link.description, record.intent.to.hex,
                record.intent.data, String(record.intent.value), Int64(record.intent.gasLimit), record.status.rawValue,
                record.hash, record.raw, String(record.fees.maxFeePerGas), String(record.fees.maxPriorityFeePerGas),
                Int64(record.sentBlock), record.attempts, Date().timeIntervalSince1970,
            ])
        try Self.writeAttempt(record, note: "sent", db)
        try Self.writeNextNonce(record.nonce + 1, address: signer, db)
        if case .delivery(let key) = record.intent.link {
            try db.executeCached(sql: """
                UPDATE deliveries SET status = 'sent', tx_hash = ?, nonce = ?, updated = ?
                WHERE subscription_id = ? AND interval = ?
                """, arguments: [record.hash.hexString, Int64(record.nonce), Date().timeIntervalSince1970,
                                 Int64(key.subscriptionID), Int64(key.interval)])
        }
    }

    /// Saves a transaction's new state (and, when `attemptNote` is given, a new attempt row).
    public func update(_ record: TransactionRecord, attemptNote: String? = nil) async throws {
        try await pool.write { db in
            try db.executeCached(sql: """
                UPDATE transactions SET status = ?, tx_hash = ?, raw = ?, max_fee = ?, priority_fee = ?, sent_block = ?,
                    mined_block = ?, mined_hash = ?, succeeded = ?, attempts = ?, updated = ?
                WHERE nonce = ?
                """, arguments: [
                    record.status.rawValue, record.hash, record.raw, String(record.fees.maxFeePerGas),
                    String(record.fees.maxPriorityFeePerGas), Int64(record.sentBlock), record.minedBlock.map { Int64($0) },
                    record.minedBlockHash, record.succeeded, record.attempts, Date().timeIntervalSince1970, Int64(record.nonce),
                ])
            if let attemptNote { try Self.writeAttempt(record, note: attemptNote, db) }
        }
    }

    private static func writeAttempt(_ record: TransactionRecord, note: String, _ db: Database) throws {
        try db.executeCached(sql: """
            INSERT OR REPLACE INTO transaction_attempts (nonce, attempt, tx_hash, max_fee, priority_fee, sent_block, note, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Int64(record.nonce), record.attempts, record.hash, String(record.fees.maxFeePerGas),
                             String(record.fees.maxPriorityFeePerGas), Int64(record.sentBlock), note,
                             Date().timeIntervalSince1970])
    }

    /// Transactions not final yet (pending or mined), by nonce.
    public func openTransactions() async throws -> [TransactionRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM transactions WHERE status IN ('pending', 'mined') ORDER BY nonce")
                .map(Self.decodeTransaction)
        }
    }

    public func transaction(nonce: UInt64) async throws -> TransactionRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM transactions WHERE nonce = ?", arguments: [Int64(nonce)])
                .map(Self.decodeTransaction)
        }
    }

    /// Every hash ever sent for a nonce (a bumped transaction's earlier attempt may be the one mined).
    public func attemptHashes(nonce: UInt64) async throws -> [Data] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT tx_hash FROM transaction_attempts WHERE nonce = ? ORDER BY attempt DESC",
                              arguments: [Int64(nonce)])
        }
    }

    /// The notes of a nonce's attempts, oldest first ("sent", "fee bump …", "re-sent after …").
    public func attemptNotes(nonce: UInt64) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT note FROM transaction_attempts WHERE nonce = ? ORDER BY attempt, at",
                                arguments: [Int64(nonce)])
        }
    }

    public func attemptCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transaction_attempts") ?? 0 }
    }

    private static func decodeTransaction(_ row: Row) throws -> TransactionRecord {
        let statusText: String = row["status"]
        guard let status = TransactionStatus(rawValue: statusText),
              let value = BigUInt(row["value"] as String), let maxFee = BigUInt(row["max_fee"] as String),
              let tip = BigUInt(row["priority_fee"] as String)
        else { throw DatabaseError(message: "bad transaction row for nonce \(row["nonce"] as Int64)") }
        let intent = TransactionIntent(
            to: try Address(hex: row["to_address"], checksum: false), data: row["data"], value: value,
            gasLimit: UInt64(row["gas_limit"] as Int64), purpose: row["purpose"], link: TransactionLink(stored: row["link"]))
        return TransactionRecord(
            nonce: UInt64(row["nonce"] as Int64), intent: intent, status: status, hash: row["tx_hash"], raw: row["raw"],
            fees: .init(maxFeePerGas: maxFee, maxPriorityFeePerGas: tip), sentBlock: UInt64(row["sent_block"] as Int64),
            minedBlock: (row["mined_block"] as Int64?).map { UInt64($0) }, minedBlockHash: row["mined_hash"],
            succeeded: row["succeeded"], attempts: row["attempts"])
    }
}
